import GRDB

extension AppDatabase {
    /// v9: paying invoices. Providers' bank details (versioned, verified by each payer), payers'
    /// originating accounts, payment batches with one payment per provider, the invoices and
    /// credit notes each payment settles, and the bank files as exported. Invoices gain `paid`.
    ///
    /// What the schema itself guarantees, whatever the Swift code does:
    /// - bank details are never edited or deleted: a change is a new version;
    /// - the person who entered a version can never be the one who verifies it;
    /// - a payment goes only to the provider's *current* version, verified by the batch's payer;
    /// - a batch is approved by someone other than its creator (four-eyes);
    /// - an invoice (or a recovered credit note) is in at most one live payment
    ///   (partial `UNIQUE` indexes), also when two batches are created at once;
    /// - a payment's amount is the sum of what it settles, and never changes;
    /// - a council's or broker's invoice becomes `paid` only through a live payment;
    /// - exported files are never changed or deleted.
    static func migratePayments(_ db: Database) throws {
        try recreateInvoiceWithPayment(db)
        try db.execute(sql: """
            CREATE TABLE bank_account (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'bnk_*'),
                provider_id TEXT NOT NULL REFERENCES provider_store(organisation_id),
                version INTEGER NOT NULL CHECK (version >= 1),
                account_name TEXT NOT NULL CHECK (length(trim(account_name)) BETWEEN 1 AND 70),
                sort_code TEXT NOT NULL CHECK (length(sort_code) = 6 AND sort_code NOT GLOB '*[^0-9]*'),
                account_number TEXT NOT NULL CHECK (length(account_number) = 8 AND account_number NOT GLOB '*[^0-9]*'),
                roll_number TEXT CHECK (length(roll_number) BETWEEN 1 AND 18),
                iban TEXT CHECK (length(iban) BETWEEN 15 AND 34 AND iban = upper(iban)),
                bic TEXT CHECK (length(bic) IN (8, 11) AND bic = upper(bic)),
                entered_by TEXT NOT NULL REFERENCES user(id),
                entered_at TEXT NOT NULL,
                UNIQUE (provider_id, version)
            ) STRICT;
            CREATE TRIGGER bank_account_next_version BEFORE INSERT ON bank_account
                WHEN new.version IS NOT (SELECT coalesce(max(version), 0) + 1 FROM bank_account WHERE provider_id = new.provider_id)
                BEGIN SELECT RAISE(ABORT, 'bank details are versioned one after another'); END;
            CREATE TRIGGER bank_account_fixed BEFORE UPDATE ON bank_account
                BEGIN SELECT RAISE(ABORT, 'bank details are never edited; a change is a new version'); END;
            CREATE TRIGGER bank_account_no_delete BEFORE DELETE ON bank_account
                BEGIN SELECT RAISE(ABORT, 'bank details are never deleted'); END;

            -- A payer's record that it checked a version with the provider, and how.
            CREATE TABLE bank_account_verification (
                bank_account_id TEXT NOT NULL REFERENCES bank_account(id),
                payer_id TEXT NOT NULL CHECK (payer_id GLOB 'cnc_*' OR payer_id GLOB 'org_*'),
                verified_by TEXT NOT NULL REFERENCES user(id),
                verified_at TEXT NOT NULL,
                method TEXT NOT NULL CHECK (length(trim(method)) BETWEEN 1 AND 500),
                PRIMARY KEY (bank_account_id, payer_id)
            ) STRICT, WITHOUT ROWID;
            CREATE TRIGGER bank_account_verification_other_person BEFORE INSERT ON bank_account_verification
                WHEN new.verified_by = (SELECT entered_by FROM bank_account WHERE id = new.bank_account_id)
                BEGIN SELECT RAISE(ABORT, 'the person who entered bank details can never verify them'); END;
            CREATE TRIGGER bank_account_verification_fixed BEFORE UPDATE ON bank_account_verification
                BEGIN SELECT RAISE(ABORT, 'a verification is never edited'); END;
            CREATE TRIGGER bank_account_verification_no_delete BEFORE DELETE ON bank_account_verification
                BEGIN SELECT RAISE(ABORT, 'a verification is never deleted'); END;

            -- The account a council or broker pays from, and its BACS service user number.
            CREATE TABLE payer_account (
                payer_id TEXT PRIMARY KEY NOT NULL CHECK (payer_id GLOB 'cnc_*' OR payer_id GLOB 'org_*'),
                account_name TEXT NOT NULL CHECK (length(trim(account_name)) BETWEEN 1 AND 70),
                sort_code TEXT NOT NULL CHECK (length(sort_code) = 6 AND sort_code NOT GLOB '*[^0-9]*'),
                account_number TEXT NOT NULL CHECK (length(account_number) = 8 AND account_number NOT GLOB '*[^0-9]*'),
                service_user_number TEXT NOT NULL CHECK (length(service_user_number) = 6 AND service_user_number NOT GLOB '*[^0-9]*'),
                iban TEXT CHECK (length(iban) BETWEEN 15 AND 34 AND iban = upper(iban)),
                bic TEXT CHECK (length(bic) IN (8, 11) AND bic = upper(bic)),
                updated_by TEXT NOT NULL REFERENCES user(id),
                updated_at TEXT NOT NULL
            ) STRICT;

            CREATE TABLE payment_batch (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'pbt_*'),
                payer_kind TEXT NOT NULL CHECK (payer_kind IN ('council', 'broker')),
                payer_id TEXT NOT NULL CHECK (payer_id GLOB 'cnc_*' OR payer_id GLOB 'org_*'),
                cut_off_date TEXT NOT NULL CHECK (cut_off_date GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'exported', 'paid', 'cancelled')),
                originator TEXT NOT NULL CHECK (json_valid(originator)),
                total_pence INTEGER NOT NULL CHECK (total_pence >= 0),
                payment_count INTEGER NOT NULL CHECK (payment_count >= 0),
                held TEXT NOT NULL CHECK (json_valid(held) AND json_type(held) = 'array'),
                created_by TEXT NOT NULL REFERENCES user(id),
                created_at TEXT NOT NULL,
                approved_by TEXT REFERENCES user(id),
                approved_at TEXT,
                exported_by TEXT REFERENCES user(id),
                exported_at TEXT,
                processing_date TEXT CHECK (processing_date GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                paid_by TEXT REFERENCES user(id),
                paid_at TEXT,
                value_date TEXT CHECK (value_date GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                cancelled_by TEXT REFERENCES user(id),
                cancelled_at TEXT,
                CHECK (approved_by IS NULL OR approved_by <> created_by),
                CHECK ((approved_by IS NULL) = (approved_at IS NULL)),
                CHECK (status NOT IN ('approved', 'exported', 'paid') OR approved_at IS NOT NULL),
                CHECK (status NOT IN ('exported', 'paid') OR (exported_at IS NOT NULL AND processing_date IS NOT NULL)),
                CHECK ((status = 'paid') = (value_date IS NOT NULL)),
                CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
            ) STRICT;
            CREATE INDEX payment_batch_payer ON payment_batch(payer_id, seq);
            CREATE TRIGGER payment_batch_fixed BEFORE UPDATE OF id, payer_kind, payer_id, cut_off_date, originator, total_pence,
                payment_count, held, created_by, created_at ON payment_batch
                BEGIN SELECT RAISE(ABORT, 'a payment batch''s contents are fixed once created'); END;
            CREATE TRIGGER payment_batch_no_delete BEFORE DELETE ON payment_batch
                BEGIN SELECT RAISE(ABORT, 'payment batches are never deleted'); END;

            -- One payment per provider per batch; written after what it settles, which it checks.
            CREATE TABLE payment (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'pay_*'),
                batch_id TEXT NOT NULL REFERENCES payment_batch(id),
                provider_id TEXT NOT NULL REFERENCES provider_store(organisation_id),
                bank_account_id TEXT NOT NULL REFERENCES bank_account(id),
                amount_pence INTEGER NOT NULL CHECK (amount_pence > 0),
                reference TEXT NOT NULL CHECK (length(reference) BETWEEN 1 AND 18),
                status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'returned', 'cancelled')),
                returned_reason TEXT CHECK (length(trim(returned_reason)) BETWEEN 1 AND 500),
                returned_by TEXT REFERENCES user(id),
                returned_at TEXT,
                UNIQUE (batch_id, provider_id),
                CHECK ((status = 'returned') = (returned_at IS NOT NULL AND returned_reason IS NOT NULL))
            ) STRICT;
            CREATE INDEX payment_provider ON payment(provider_id, seq);
            CREATE TRIGGER payment_to_verified_details BEFORE INSERT ON payment
                WHEN new.bank_account_id IS NOT (SELECT id FROM bank_account WHERE provider_id = new.provider_id ORDER BY version DESC LIMIT 1)
                  OR NOT EXISTS (SELECT 1 FROM bank_account_verification v JOIN payment_batch b ON b.id = new.batch_id
                        WHERE v.bank_account_id = new.bank_account_id AND v.payer_id = b.payer_id)
                BEGIN SELECT RAISE(ABORT, 'a payment goes only to the provider''s current bank details, verified by the payer'); END;
            CREATE TRIGGER payment_matches_items BEFORE INSERT ON payment
                WHEN new.amount_pence IS NOT (SELECT sum(amount_pence) FROM payment_item WHERE payment_id = new.id)
                BEGIN SELECT RAISE(ABORT, 'a payment''s amount is what it settles'); END;
            CREATE TRIGGER payment_fixed BEFORE UPDATE OF id, batch_id, provider_id, bank_account_id, amount_pence, reference ON payment
                BEGIN SELECT RAISE(ABORT, 'a payment is fixed once created'); END;
            CREATE TRIGGER payment_no_delete BEFORE DELETE ON payment
                BEGIN SELECT RAISE(ABORT, 'payments are never deleted'); END;

            -- What a payment settles: an invoice's outstanding amount, or (negative) a credit note
            -- issued after its invoice was paid, recovered from the provider. `live` is 0 once the
            -- batch is cancelled or the payment returned: the document is free for another batch.
            CREATE TABLE payment_item (
                payment_id TEXT NOT NULL REFERENCES payment(id) DEFERRABLE INITIALLY DEFERRED,
                invoice_id TEXT NOT NULL REFERENCES invoice(id),
                credit_note_id TEXT REFERENCES credit_note(id),
                amount_pence INTEGER NOT NULL CHECK (amount_pence <> 0),
                live INTEGER NOT NULL DEFAULT 1 CHECK (live IN (0, 1)),
                CHECK ((credit_note_id IS NULL) = (amount_pence > 0))
            ) STRICT;
            CREATE INDEX payment_item_payment ON payment_item(payment_id);
            CREATE UNIQUE INDEX payment_item_live_invoice ON payment_item(invoice_id) WHERE live = 1 AND credit_note_id IS NULL;
            CREATE UNIQUE INDEX payment_item_live_credit_note ON payment_item(credit_note_id) WHERE live = 1 AND credit_note_id IS NOT NULL;
            CREATE TRIGGER payment_item_fixed BEFORE UPDATE OF payment_id, invoice_id, credit_note_id, amount_pence ON payment_item
                BEGIN SELECT RAISE(ABORT, 'what a payment settles is fixed'); END;
            CREATE TRIGGER payment_item_never_relive BEFORE UPDATE OF live ON payment_item WHEN new.live > old.live
                BEGIN SELECT RAISE(ABORT, 'a released item is never taken back; a new batch takes the document'); END;
            CREATE TRIGGER payment_item_no_delete BEFORE DELETE ON payment_item
                BEGIN SELECT RAISE(ABORT, 'payment items are never deleted'); END;

            -- A credit note issued on an invoice already paid: money the provider owes back, which
            -- the payer's next batch nets from the provider's payment.
            ALTER TABLE credit_note ADD COLUMN after_payment INTEGER NOT NULL DEFAULT 0 CHECK (after_payment IN (0, 1));

            CREATE TRIGGER invoice_paid_through_payment BEFORE UPDATE OF status ON invoice
                WHEN new.status = 'paid' AND new.payer_kind <> 'budget_holder' AND NOT EXISTS (
                    SELECT 1 FROM payment_item WHERE invoice_id = new.id AND live = 1 AND credit_note_id IS NULL)
                BEGIN SELECT RAISE(ABORT, 'a council''s or broker''s invoice is paid only through a payment batch'); END;

            -- The files as exported: generated once, downloaded byte for byte ever after.
            CREATE TABLE payment_batch_file (
                batch_id TEXT NOT NULL REFERENCES payment_batch(id),
                format TEXT NOT NULL CHECK (format IN ('csv', 'bacs', 'pain.001')),
                content BLOB NOT NULL,
                sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                PRIMARY KEY (batch_id, format)
            ) STRICT;
            CREATE TRIGGER payment_batch_file_fixed BEFORE UPDATE ON payment_batch_file
                BEGIN SELECT RAISE(ABORT, 'an exported file never changes'); END;
            CREATE TRIGGER payment_batch_file_no_delete BEFORE DELETE ON payment_batch_file
                BEGIN SELECT RAISE(ABORT, 'an exported file is never deleted'); END;
            """)
    }

    /// SQLite cannot change a CHECK, so `invoice` is rebuilt (the documented twelve steps) with
    /// `paid` among its statuses and the payment's date, reference and who recorded it.
    /// `legacy_alter_table` keeps the rename from re-checking other tables' triggers, which
    /// name `invoice` and point at the new table once it has that name.
    private static func recreateInvoiceWithPayment(_ db: Database) throws {
        let columns = """
            seq, id, provider_id, sequence_number, number, payer_kind, payer_council_id, payer_organisation_id,
            payer_budget_holder_id, council_id, period_start, period_end, issue_date, due_date, total_pence, credited_pence,
            line_count, status, approved_by, approved_at, disputed_by, disputed_at, dispute_reason, run_id, created_at, supplier
            """
        try db.execute(sql: """
            PRAGMA legacy_alter_table = ON;
            CREATE TABLE invoice_v9 (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'inv_*'),
                provider_id TEXT NOT NULL REFERENCES provider_store(organisation_id),
                sequence_number INTEGER NOT NULL CHECK (sequence_number >= 1),
                number TEXT NOT NULL,
                payer_kind TEXT NOT NULL CHECK (payer_kind IN ('council', 'broker', 'budget_holder')),
                payer_council_id TEXT REFERENCES council(id),
                payer_organisation_id TEXT REFERENCES organisation(id),
                payer_budget_holder_id TEXT REFERENCES budget_holder(id),
                council_id TEXT REFERENCES council(id),
                period_start TEXT NOT NULL CHECK (period_start GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                period_end TEXT NOT NULL CHECK (period_end GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' AND period_end >= period_start),
                issue_date TEXT NOT NULL CHECK (issue_date GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' AND issue_date > period_end),
                due_date TEXT NOT NULL CHECK (due_date GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' AND due_date >= issue_date),
                total_pence INTEGER NOT NULL CHECK (total_pence >= 0),
                credited_pence INTEGER NOT NULL DEFAULT 0 CHECK (credited_pence BETWEEN 0 AND total_pence),
                line_count INTEGER NOT NULL CHECK (line_count >= 1),
                status TEXT NOT NULL CHECK (status IN ('awaiting_approval', 'approved', 'disputed', 'credited', 'paid')),
                approved_by TEXT,
                approved_at TEXT,
                disputed_by TEXT REFERENCES user(id),
                disputed_at TEXT,
                dispute_reason TEXT CHECK (length(dispute_reason) <= 2000),
                run_id TEXT NOT NULL REFERENCES invoicing_run(id),
                created_at TEXT NOT NULL,
                supplier TEXT CHECK (supplier IS NULL OR json_valid(supplier)),
                paid_on TEXT CHECK (paid_on GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                payment_reference TEXT CHECK (length(trim(payment_reference)) BETWEEN 1 AND 60),
                paid_by TEXT REFERENCES user(id),
                paid_at TEXT,
                UNIQUE (provider_id, sequence_number),
                UNIQUE (provider_id, number),
                CHECK ((payer_council_id IS NOT NULL) + (payer_organisation_id IS NOT NULL) + (payer_budget_holder_id IS NOT NULL) = 1),
                CHECK (CASE payer_kind
                    WHEN 'council' THEN payer_council_id IS NOT NULL AND payer_council_id = council_id
                    WHEN 'broker' THEN payer_organisation_id IS NOT NULL
                    WHEN 'budget_holder' THEN payer_budget_holder_id IS NOT NULL
                END),
                CHECK ((approved_by IS NULL) = (approved_at IS NULL)),
                CHECK (approved_by IS NULL OR approved_by = 'automatic' OR approved_by GLOB 'usr_*'),
                CHECK (status NOT IN ('approved', 'paid') OR approved_at IS NOT NULL),
                CHECK (status <> 'disputed' OR disputed_at IS NOT NULL),
                CHECK ((status = 'paid') = (paid_on IS NOT NULL)),
                CHECK ((paid_on IS NULL) = (paid_by IS NULL) AND (paid_on IS NULL) = (paid_at IS NULL)
                    AND (paid_on IS NULL) = (payment_reference IS NULL)),
                CHECK (paid_on IS NULL OR paid_on >= issue_date)
            ) STRICT;
            INSERT INTO invoice_v9 (\(columns)) SELECT \(columns) FROM invoice;
            DROP TABLE invoice;
            ALTER TABLE invoice_v9 RENAME TO invoice;
            PRAGMA legacy_alter_table = OFF;
            CREATE INDEX invoice_provider ON invoice(provider_id, seq);
            CREATE INDEX invoice_council ON invoice(council_id, seq) WHERE council_id IS NOT NULL;
            CREATE INDEX invoice_payer_organisation ON invoice(payer_organisation_id, seq) WHERE payer_organisation_id IS NOT NULL;
            CREATE INDEX invoice_payer_holder ON invoice(payer_budget_holder_id, seq) WHERE payer_budget_holder_id IS NOT NULL;
            CREATE INDEX invoice_approved_due ON invoice(payer_council_id, payer_organisation_id, due_date) WHERE status = 'approved';
            CREATE TRIGGER invoice_matches_lines BEFORE INSERT ON invoice
                WHEN new.total_pence IS NOT (SELECT sum(total_pence) FROM invoice_line WHERE invoice_id = new.id)
                  OR new.line_count IS NOT (SELECT count(*) FROM invoice_line WHERE invoice_id = new.id)
                  OR (SELECT max(line_number) FROM invoice_line WHERE invoice_id = new.id) <> new.line_count
                BEGIN SELECT RAISE(ABORT, 'an invoice''s total and line count are its lines'''); END;
            CREATE TRIGGER invoice_fixed BEFORE UPDATE OF id, provider_id, sequence_number, number, payer_kind,
                payer_council_id, payer_organisation_id, payer_budget_holder_id, council_id, period_start, period_end,
                issue_date, due_date, total_pence, line_count, run_id, created_at, supplier ON invoice
                BEGIN SELECT RAISE(ABORT, 'an invoice is fixed once issued; corrections are credit notes'); END;
            CREATE TRIGGER invoice_no_delete BEFORE DELETE ON invoice
                BEGIN SELECT RAISE(ABORT, 'invoices are never deleted'); END;
            """)
    }
}

extension AppDatabase {
    /// v17: where money goes needs two people.
    ///
    /// - `user.created_by`: who created (invited) each account, so that nobody confirms what an
    ///   account they created did, nor what the account that created them did. Filled for existing
    ///   users from the audit trail's `user.created` records.
    /// - `payer_account_change`: a payer's originating account changes only when a second person
    ///   of its finance staff confirms the change; the schema refuses a confirmation by the
    ///   proposer, and only one change per payer is pending at a time.
    static func migrateSecondPerson(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE user ADD COLUMN created_by TEXT REFERENCES user(id);
            UPDATE user SET created_by = (
                SELECT actor_user_id FROM audit_event
                WHERE action = 'user.created' AND subject_type = 'user' AND subject_id = user.id
                ORDER BY id LIMIT 1);

            CREATE TABLE payer_account_change (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'pac_*'),
                payer_id TEXT NOT NULL CHECK (payer_id GLOB 'cnc_*' OR payer_id GLOB 'org_*'),
                account_name TEXT NOT NULL CHECK (length(trim(account_name)) BETWEEN 1 AND 70),
                sort_code TEXT NOT NULL CHECK (length(sort_code) = 6 AND sort_code NOT GLOB '*[^0-9]*'),
                account_number TEXT NOT NULL CHECK (length(account_number) = 8 AND account_number NOT GLOB '*[^0-9]*'),
                service_user_number TEXT NOT NULL CHECK (length(service_user_number) = 6 AND service_user_number NOT GLOB '*[^0-9]*'),
                iban TEXT CHECK (length(iban) BETWEEN 15 AND 34 AND iban = upper(iban)),
                bic TEXT CHECK (length(bic) IN (8, 11) AND bic = upper(bic)),
                status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'superseded')),
                proposed_by TEXT NOT NULL REFERENCES user(id),
                proposed_at TEXT NOT NULL,
                decided_by TEXT REFERENCES user(id),
                decided_at TEXT,
                CHECK ((status = 'pending') = (decided_at IS NULL)),
                CHECK (status <> 'confirmed' OR (decided_by IS NOT NULL AND decided_by <> proposed_by))
            ) STRICT;
            CREATE UNIQUE INDEX payer_account_change_one_pending ON payer_account_change(payer_id) WHERE status = 'pending';
            CREATE TRIGGER payer_account_change_fixed BEFORE UPDATE OF id, payer_id, account_name, sort_code, account_number,
                service_user_number, iban, bic, proposed_by, proposed_at ON payer_account_change
                BEGIN SELECT RAISE(ABORT, 'a proposed payer account change is never edited'); END;
            CREATE TRIGGER payer_account_change_decided_once BEFORE UPDATE OF status ON payer_account_change
                WHEN old.status <> 'pending'
                BEGIN SELECT RAISE(ABORT, 'a payer account change is decided once'); END;
            CREATE TRIGGER payer_account_change_no_delete BEFORE DELETE ON payer_account_change
                BEGIN SELECT RAISE(ABORT, 'payer account changes are never deleted'); END;
            """)
    }
}
