import GRDB

extension AppDatabase {
    /// v6: invoicing. Providers' billing profiles, councils' billing terms and holders' council
    /// references; deliveries remember whether the service deemed them confirmed; invoices, their
    /// lines, credit notes, the gapless numbers of both, and each invoicing run's record.
    ///
    /// What the schema itself guarantees, whatever the Swift code does:
    /// - a delivery is on at most one invoice line, ever (`invoice_line.delivery_id UNIQUE`), and
    ///   only once it is confirmed, for exactly what it spent;
    /// - an invoice's total and line count are its lines' (checked when the header is written,
    ///   after its lines; no line joins an invoice later), and its amounts never change;
    /// - numbers come from `billing_sequence`, which only ever steps by one: with
    ///   `UNIQUE (provider_id, sequence_number)` that makes them gapless and never reused;
    /// - nothing is credited beyond what was invoiced, per line and per invoice;
    /// - invoices, lines and credit notes are never deleted.
    static func migrateBilling(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE billing_profile (
                provider_id TEXT PRIMARY KEY NOT NULL REFERENCES provider_store(organisation_id),
                legal_name TEXT NOT NULL CHECK (length(trim(legal_name)) BETWEEN 1 AND 120),
                address_line1 TEXT NOT NULL CHECK (length(trim(address_line1)) BETWEEN 1 AND 100),
                address_line2 TEXT CHECK (length(address_line2) <= 100),
                town TEXT NOT NULL CHECK (length(trim(town)) BETWEEN 1 AND 60),
                postcode TEXT NOT NULL CHECK (length(postcode) BETWEEN 6 AND 8),
                company_number TEXT CHECK (length(company_number) = 8),
                charity_number TEXT CHECK (length(charity_number) BETWEEN 6 AND 11),
                vat_number TEXT CHECK (vat_number GLOB 'GB[0-9]*' AND length(vat_number) IN (11, 14)),
                payment_terms_days INTEGER NOT NULL CHECK (payment_terms_days BETWEEN 0 AND 120),
                invoice_prefix TEXT NOT NULL CHECK (length(invoice_prefix) BETWEEN 2 AND 10 AND invoice_prefix = upper(invoice_prefix)),
                remittance_email TEXT NOT NULL CHECK (remittance_email LIKE '%_@_%'),
                updated_by TEXT NOT NULL REFERENCES user(id),
                updated_at TEXT NOT NULL
            ) STRICT;

            -- A council's invoicing terms; a council without a row bills monthly, deemed after 7 days.
            CREATE TABLE council_billing (
                council_id TEXT PRIMARY KEY NOT NULL REFERENCES council(id),
                cycle TEXT NOT NULL CHECK (cycle IN ('weekly', 'four_weekly', 'monthly')),
                four_weekly_from TEXT CHECK (four_weekly_from GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                deemed_confirmed_after_days INTEGER NOT NULL CHECK (deemed_confirmed_after_days BETWEEN 1 AND 60),
                updated_by TEXT NOT NULL REFERENCES user(id),
                updated_at TEXT NOT NULL,
                CHECK ((cycle = 'four_weekly') = (four_weekly_from IS NOT NULL))
            ) STRICT;

            -- The holder's id in the council's social-care system; council invoices print it.
            ALTER TABLE budget_holder ADD COLUMN council_reference TEXT
                CHECK (length(trim(council_reference)) BETWEEN 1 AND 40);

            -- 1 when nobody decided within the council's days and the service confirmed it.
            ALTER TABLE delivery ADD COLUMN confirmation_deemed INTEGER NOT NULL DEFAULT 0
                CHECK (confirmation_deemed IN (0, 1));
            CREATE INDEX delivery_undecided ON delivery(recorded_at) WHERE status = 'recorded';
            CREATE INDEX delivery_confirmed ON delivery(order_id) WHERE status = 'confirmed';

            -- The last number given per provider and document; it only ever steps by one.
            CREATE TABLE billing_sequence (
                provider_id TEXT NOT NULL REFERENCES provider_store(organisation_id),
                document TEXT NOT NULL CHECK (document IN ('invoice', 'credit_note')),
                last_number INTEGER NOT NULL,
                PRIMARY KEY (provider_id, document)
            ) STRICT, WITHOUT ROWID;
            CREATE TRIGGER billing_sequence_starts_at_one BEFORE INSERT ON billing_sequence WHEN new.last_number <> 1
                BEGIN SELECT RAISE(ABORT, 'a billing sequence starts at 1'); END;
            CREATE TRIGGER billing_sequence_steps_by_one BEFORE UPDATE ON billing_sequence
                WHEN new.last_number <> old.last_number + 1 OR new.provider_id <> old.provider_id OR new.document <> old.document
                BEGIN SELECT RAISE(ABORT, 'a billing sequence only steps by one'); END;
            CREATE TRIGGER billing_sequence_no_delete BEFORE DELETE ON billing_sequence
                BEGIN SELECT RAISE(ABORT, 'billing sequences are never reset'); END;

            CREATE TABLE invoicing_run (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'ivr_*'),
                as_of TEXT NOT NULL CHECK (as_of GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                origin TEXT NOT NULL CHECK (origin IN ('schedule', 'request', 'command_line')),
                started_by TEXT REFERENCES user(id),
                council_id TEXT REFERENCES council(id),
                started_at TEXT NOT NULL,
                finished_at TEXT,
                deemed_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (deemed_confirmed >= 0),
                invoices_written INTEGER NOT NULL DEFAULT 0 CHECK (invoices_written >= 0),
                lines_written INTEGER NOT NULL DEFAULT 0 CHECK (lines_written >= 0),
                total_pence INTEGER NOT NULL DEFAULT 0 CHECK (total_pence >= 0),
                skipped TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(skipped) AND json_type(skipped) = 'array'),
                CHECK ((origin = 'request') = (started_by IS NOT NULL))
            ) STRICT;
            CREATE INDEX invoicing_run_council ON invoicing_run(council_id, seq);

            CREATE TABLE invoice (
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
                status TEXT NOT NULL CHECK (status IN ('awaiting_approval', 'approved', 'disputed', 'credited')),
                approved_by TEXT,
                approved_at TEXT,
                disputed_by TEXT REFERENCES user(id),
                disputed_at TEXT,
                dispute_reason TEXT CHECK (length(dispute_reason) <= 2000),
                run_id TEXT NOT NULL REFERENCES invoicing_run(id),
                created_at TEXT NOT NULL,
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
                CHECK (status <> 'approved' OR approved_at IS NOT NULL),
                CHECK (status <> 'disputed' OR disputed_at IS NOT NULL)
            ) STRICT;
            CREATE INDEX invoice_provider ON invoice(provider_id, seq);
            CREATE INDEX invoice_council ON invoice(council_id, seq) WHERE council_id IS NOT NULL;
            CREATE INDEX invoice_payer_organisation ON invoice(payer_organisation_id, seq) WHERE payer_organisation_id IS NOT NULL;
            CREATE INDEX invoice_payer_holder ON invoice(payer_budget_holder_id, seq) WHERE payer_budget_holder_id IS NOT NULL;

            -- One line per delivery, ever. The lines are written first, then the header (whose
            -- foreign key they satisfy at commit), which checks them.
            CREATE TABLE invoice_line (
                invoice_id TEXT NOT NULL REFERENCES invoice(id) DEFERRABLE INITIALLY DEFERRED,
                line_number INTEGER NOT NULL CHECK (line_number >= 1),
                delivery_id TEXT NOT NULL UNIQUE REFERENCES delivery(id),
                order_id TEXT NOT NULL REFERENCES purchase_order(id),
                budget_holder_id TEXT NOT NULL REFERENCES budget_holder(id),
                offering_id TEXT NOT NULL REFERENCES offering(id),
                description TEXT NOT NULL,
                delivered_on TEXT NOT NULL,
                quantity_hundredths INTEGER NOT NULL CHECK (quantity_hundredths > 0),
                unit TEXT NOT NULL,
                unit_price_pence INTEGER NOT NULL CHECK (unit_price_pence >= 1),
                total_pence INTEGER NOT NULL CHECK (total_pence >= 0),
                vat_category TEXT NOT NULL DEFAULT 'E' CHECK (vat_category IN ('E', 'S', 'Z')),
                council_reference TEXT,
                confirmed_by_buyer INTEGER NOT NULL CHECK (confirmed_by_buyer IN (0, 1)),
                disputed INTEGER NOT NULL DEFAULT 0 CHECK (disputed IN (0, 1)),
                credited_pence INTEGER NOT NULL DEFAULT 0 CHECK (credited_pence BETWEEN 0 AND total_pence),
                PRIMARY KEY (invoice_id, line_number)
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX invoice_line_order ON invoice_line(order_id);
            CREATE TRIGGER invoice_line_confirmed_delivery BEFORE INSERT ON invoice_line
                WHEN NOT EXISTS (SELECT 1 FROM delivery WHERE id = new.delivery_id AND status = 'confirmed'
                        AND amount_pence = new.total_pence AND order_id = new.order_id)
                BEGIN SELECT RAISE(ABORT, 'an invoice line is a confirmed delivery, for what it spent'); END;
            CREATE TRIGGER invoice_line_before_header BEFORE INSERT ON invoice_line
                WHEN EXISTS (SELECT 1 FROM invoice WHERE id = new.invoice_id)
                BEGIN SELECT RAISE(ABORT, 'an issued invoice''s lines are fixed'); END;
            CREATE TRIGGER invoice_line_fixed BEFORE UPDATE OF invoice_id, line_number, delivery_id, order_id, budget_holder_id,
                offering_id, description, delivered_on, quantity_hundredths, unit, unit_price_pence, total_pence, vat_category,
                council_reference, confirmed_by_buyer ON invoice_line
                BEGIN SELECT RAISE(ABORT, 'an invoice line is fixed; corrections are credit notes'); END;
            CREATE TRIGGER invoice_line_no_delete BEFORE DELETE ON invoice_line
                BEGIN SELECT RAISE(ABORT, 'invoice lines are never deleted'); END;

            CREATE TRIGGER invoice_matches_lines BEFORE INSERT ON invoice
                WHEN new.total_pence IS NOT (SELECT sum(total_pence) FROM invoice_line WHERE invoice_id = new.id)
                  OR new.line_count IS NOT (SELECT count(*) FROM invoice_line WHERE invoice_id = new.id)
                  OR (SELECT max(line_number) FROM invoice_line WHERE invoice_id = new.id) <> new.line_count
                BEGIN SELECT RAISE(ABORT, 'an invoice''s total and line count are its lines'''); END;
            CREATE TRIGGER invoice_fixed BEFORE UPDATE OF id, provider_id, sequence_number, number, payer_kind, payer_council_id,
                payer_organisation_id, payer_budget_holder_id, council_id, period_start, period_end, issue_date, due_date,
                total_pence, line_count, run_id, created_at ON invoice
                BEGIN SELECT RAISE(ABORT, 'an invoice is fixed once issued; corrections are credit notes'); END;
            CREATE TRIGGER invoice_no_delete BEFORE DELETE ON invoice
                BEGIN SELECT RAISE(ABORT, 'invoices are never deleted'); END;

            CREATE TABLE credit_note (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'crn_*'),
                invoice_id TEXT NOT NULL REFERENCES invoice(id),
                provider_id TEXT NOT NULL REFERENCES provider_store(organisation_id),
                sequence_number INTEGER NOT NULL CHECK (sequence_number >= 1),
                number TEXT NOT NULL,
                reason TEXT NOT NULL CHECK (length(trim(reason)) BETWEEN 1 AND 2000),
                total_pence INTEGER NOT NULL CHECK (total_pence > 0),
                line_count INTEGER NOT NULL CHECK (line_count >= 1),
                issue_date TEXT NOT NULL CHECK (issue_date GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                issued_by TEXT NOT NULL REFERENCES user(id),
                issued_at TEXT NOT NULL,
                UNIQUE (provider_id, sequence_number),
                UNIQUE (provider_id, number)
            ) STRICT;
            CREATE INDEX credit_note_invoice ON credit_note(invoice_id);
            CREATE TRIGGER credit_note_matches_lines BEFORE INSERT ON credit_note
                WHEN new.total_pence IS NOT (SELECT sum(amount_pence) FROM credit_note_line WHERE credit_note_id = new.id)
                  OR new.line_count IS NOT (SELECT count(*) FROM credit_note_line WHERE credit_note_id = new.id)
                  OR new.provider_id IS NOT (SELECT provider_id FROM invoice WHERE id = new.invoice_id)
                BEGIN SELECT RAISE(ABORT, 'a credit note''s total and line count are its lines'''); END;
            CREATE TRIGGER credit_note_fixed BEFORE UPDATE ON credit_note
                BEGIN SELECT RAISE(ABORT, 'credit notes are fixed once issued'); END;
            CREATE TRIGGER credit_note_no_delete BEFORE DELETE ON credit_note
                BEGIN SELECT RAISE(ABORT, 'credit notes are never deleted'); END;

            CREATE TABLE credit_note_line (
                credit_note_id TEXT NOT NULL REFERENCES credit_note(id) DEFERRABLE INITIALLY DEFERRED,
                invoice_id TEXT NOT NULL,
                invoice_line_number INTEGER NOT NULL,
                amount_pence INTEGER NOT NULL CHECK (amount_pence > 0),
                PRIMARY KEY (credit_note_id, invoice_line_number),
                FOREIGN KEY (invoice_id, invoice_line_number) REFERENCES invoice_line(invoice_id, line_number)
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX credit_note_line_invoice ON credit_note_line(invoice_id, invoice_line_number);
            CREATE TRIGGER credit_note_line_before_header BEFORE INSERT ON credit_note_line
                WHEN EXISTS (SELECT 1 FROM credit_note WHERE id = new.credit_note_id)
                BEGIN SELECT RAISE(ABORT, 'an issued credit note''s lines are fixed'); END;
            -- The invoice_line and invoice CHECKs refuse crediting more than was invoiced.
            CREATE TRIGGER credit_note_line_apply AFTER INSERT ON credit_note_line BEGIN
                UPDATE invoice_line SET credited_pence = credited_pence + new.amount_pence
                    WHERE invoice_id = new.invoice_id AND line_number = new.invoice_line_number;
                UPDATE invoice SET credited_pence = credited_pence + new.amount_pence WHERE id = new.invoice_id;
            END;
            CREATE TRIGGER credit_note_line_fixed BEFORE UPDATE ON credit_note_line
                BEGIN SELECT RAISE(ABORT, 'credit notes are fixed once issued'); END;
            CREATE TRIGGER credit_note_line_no_delete BEFORE DELETE ON credit_note_line
                BEGIN SELECT RAISE(ABORT, 'credit notes are never deleted'); END;
            """)
    }
}
