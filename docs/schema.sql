-- Supportmarket's schema after v22-replays.
-- Written by `supportmarket schema`; SchemaTests keeps this file true. Change the schema
-- with a migration (Sources/MarketStore/Database), then regenerate this file:
--   .build/debug/supportmarket schema > docs/schema.sql

CREATE TABLE access_token (
    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'tok_*'),
    user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL CHECK (expires_at > created_at),
    revoked_at TEXT
, second_factor_at TEXT, last_used_at TEXT, client_address TEXT CHECK (length(client_address) <= 64), user_agent TEXT CHECK (length(user_agent) <= 256)) STRICT;

CREATE TABLE account_link (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    secret_hash TEXT NOT NULL UNIQUE CHECK (length(secret_hash) = 64),
    created_by TEXT REFERENCES user(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL CHECK (expires_at > created_at),
    used_at TEXT
) STRICT;

CREATE TABLE audit_event (
    id INTEGER PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    actor_user_id TEXT REFERENCES user(id),
    action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
) STRICT;

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

CREATE TABLE bank_account_verification (
    bank_account_id TEXT NOT NULL REFERENCES bank_account(id),
    payer_id TEXT NOT NULL CHECK (payer_id GLOB 'cnc_*' OR payer_id GLOB 'org_*'),
    verified_by TEXT NOT NULL REFERENCES user(id),
    verified_at TEXT NOT NULL,
    method TEXT NOT NULL CHECK (length(trim(method)) BETWEEN 1 AND 500),
    PRIMARY KEY (bank_account_id, payer_id)
) STRICT, WITHOUT ROWID;

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
, peppol_id TEXT CHECK (peppol_id GLOB '[0-9][0-9][0-9][0-9]:?*')) STRICT;

CREATE TABLE billing_sequence (
    provider_id TEXT NOT NULL REFERENCES provider_store(organisation_id),
    document TEXT NOT NULL CHECK (document IN ('invoice', 'credit_note')),
    last_number INTEGER NOT NULL,
    PRIMARY KEY (provider_id, document)
) STRICT, WITHOUT ROWID;

CREATE TABLE budget_holder (
    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'bdh_*'),
    display_name TEXT NOT NULL CHECK (length(trim(display_name)) BETWEEN 1 AND 120),
    council_id TEXT REFERENCES council(id),
    user_id TEXT UNIQUE REFERENCES user(id),
    created_by TEXT REFERENCES user(id),
    created_at TEXT NOT NULL
, council_reference TEXT
    CHECK (length(trim(council_reference)) BETWEEN 1 AND 40)) STRICT;

CREATE TABLE community_resource (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'res_*'),
    organisation_id TEXT REFERENCES organisation(id),
    publisher_council_id TEXT REFERENCES council(id),
    council_id TEXT REFERENCES council(id),
    details TEXT NOT NULL CHECK (json_valid(details)),
    last_verified_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    kind TEXT GENERATED ALWAYS AS (details ->> '$.kind') STORED
        CHECK (kind IN ('group', 'service', 'event', 'venue')),
    title TEXT GENERATED ALWAYS AS (details ->> '$.title') STORED
        CHECK (length(trim(title)) BETWEEN 1 AND 120),
    description TEXT GENERATED ALWAYS AS (details ->> '$.description') STORED
        CHECK (length(description) BETWEEN 1 AND 4000),
    categories TEXT GENERATED ALWAYS AS (details -> '$.categories') STORED
        CHECK (json_array_length(categories) >= 1),
    areas TEXT GENERATED ALWAYS AS (details -> '$.areas') STORED
        CHECK (json_array_length(areas) >= 1),
    starts_at TEXT GENERATED ALWAYS AS (details ->> '$.schedule.startsAt') STORED,
    ends_at TEXT GENERATED ALWAYS AS (details ->> '$.schedule.endsAt') STORED,
    -- when the event is over for good: a one-off's end, a bounded series' last day
    final_end_at TEXT GENERATED ALWAYS AS (CASE details ->> '$.schedule.recurrence'
        WHEN 'none' THEN details ->> '$.schedule.endsAt'
        ELSE details ->> '$.schedule.repeatsUntil' END) STORED,
    CHECK ((organisation_id IS NULL) <> (publisher_council_id IS NULL)),
    CHECK ((kind = 'event') = (starts_at IS NOT NULL AND ends_at IS NOT NULL)),
    CHECK (ends_at IS NULL OR ends_at > starts_at)
) STRICT;

CREATE VIRTUAL TABLE community_resource_fts USING fts5(
    title, description, content = 'community_resource', content_rowid = 'seq',
    tokenize = 'porter unicode61 remove_diacritics 2');

CREATE TABLE community_usage (
    resource_id TEXT NOT NULL REFERENCES community_resource(id) ON DELETE CASCADE,
    day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    views INTEGER NOT NULL DEFAULT 0 CHECK (views >= 0),
    click_throughs INTEGER NOT NULL DEFAULT 0 CHECK (click_throughs >= 0),
    PRIMARY KEY (resource_id, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE concern (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'scn_*'),
    council_id TEXT NOT NULL REFERENCES council(id),
    about_provider_id TEXT REFERENCES provider_store(organisation_id),
    about_budget_holder_id TEXT REFERENCES budget_holder(id),
    about TEXT CHECK (length(trim(about)) BETWEEN 1 AND 500),
    description TEXT NOT NULL CHECK (length(trim(description)) BETWEEN 1 AND 4000),
    urgency TEXT NOT NULL CHECK (urgency IN ('routine', 'urgent', 'immediate')),
    status TEXT NOT NULL CHECK (status IN ('received', 'acknowledged', 'closed')),
    outcome TEXT CHECK (length(trim(outcome)) BETWEEN 1 AND 4000),
    raised_by TEXT NOT NULL REFERENCES user(id),
    raised_at TEXT NOT NULL,
    acknowledged_by TEXT REFERENCES user(id),
    acknowledged_at TEXT,
    closed_by TEXT REFERENCES user(id),
    closed_at TEXT,
    CHECK ((about_provider_id IS NOT NULL) + (about_budget_holder_id IS NOT NULL) + (about IS NOT NULL) = 1),
    CHECK ((status = 'received') = (acknowledged_at IS NULL)),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL) AND (status = 'closed') = (outcome IS NOT NULL))
) STRICT;

CREATE TABLE council (
    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'cnc_*'),
    name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 16),
    created_at TEXT NOT NULL
, community_stale_after_days INTEGER NOT NULL DEFAULT 180
    CHECK (community_stale_after_days BETWEEN 1 AND 3650), staff_email_domains TEXT
    CHECK (staff_email_domains IS NULL OR (json_valid(staff_email_domains) AND json_type(staff_email_domains) = 'array'))) STRICT;

CREATE TABLE council_billing (
    council_id TEXT PRIMARY KEY NOT NULL REFERENCES council(id),
    cycle TEXT NOT NULL CHECK (cycle IN ('weekly', 'four_weekly', 'monthly')),
    four_weekly_from TEXT CHECK (four_weekly_from GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    deemed_confirmed_after_days INTEGER NOT NULL CHECK (deemed_confirmed_after_days BETWEEN 1 AND 60),
    updated_by TEXT NOT NULL REFERENCES user(id),
    updated_at TEXT NOT NULL, peppol_id TEXT CHECK (peppol_id GLOB '[0-9][0-9][0-9][0-9]:?*'),
    CHECK ((cycle = 'four_weekly') = (four_weekly_from IS NOT NULL))
) STRICT;

CREATE TABLE council_rate (
    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'rat_*'),
    council_id TEXT NOT NULL REFERENCES council(id),
    offering_id TEXT NOT NULL REFERENCES offering(id),
    rate_pence INTEGER NOT NULL CHECK (rate_pence BETWEEN 1 AND 10000000),
    valid_from TEXT NOT NULL CHECK (valid_from GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    valid_to TEXT CHECK (valid_to GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' AND valid_to >= valid_from),
    created_by TEXT REFERENCES user(id),
    created_at TEXT NOT NULL
) STRICT;

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
    issued_at TEXT NOT NULL, after_payment INTEGER NOT NULL DEFAULT 0 CHECK (after_payment IN (0, 1)),
    UNIQUE (provider_id, sequence_number),
    UNIQUE (provider_id, number)
) STRICT;

CREATE TABLE credit_note_line (
    credit_note_id TEXT NOT NULL REFERENCES credit_note(id) DEFERRABLE INITIALLY DEFERRED,
    invoice_id TEXT NOT NULL,
    invoice_line_number INTEGER NOT NULL,
    amount_pence INTEGER NOT NULL CHECK (amount_pence > 0),
    PRIMARY KEY (credit_note_id, invoice_line_number),
    FOREIGN KEY (invoice_id, invoice_line_number) REFERENCES invoice_line(invoice_id, line_number)
) STRICT, WITHOUT ROWID;

CREATE TABLE delegation (
    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'dlg_*'),
    budget_holder_id TEXT NOT NULL REFERENCES budget_holder(id),
    grantee_user_id TEXT REFERENCES user(id),
    grantee_organisation_id TEXT REFERENCES organisation(id),
    may_order INTEGER NOT NULL CHECK (may_order IN (0, 1)),
    may_approve_invoices INTEGER NOT NULL CHECK (may_approve_invoices IN (0, 1)),
    expires_on TEXT CHECK (expires_on GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    granted_by TEXT NOT NULL REFERENCES user(id),
    granted_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT REFERENCES user(id),
    CHECK ((grantee_user_id IS NULL) <> (grantee_organisation_id IS NULL)),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
) STRICT;

CREATE TABLE "delivery" (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'dlv_*'),
    order_id TEXT NOT NULL,
    line_number INTEGER NOT NULL,
    delivered_on TEXT NOT NULL CHECK (delivered_on GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    quantity_hundredths INTEGER NOT NULL CHECK (quantity_hundredths > 0),
    amount_pence INTEGER NOT NULL CHECK (amount_pence >= 0),
    status TEXT NOT NULL CHECK (status IN ('recorded', 'confirmed', 'disputed', 'voided')),
    dispute_reason TEXT CHECK (length(dispute_reason) <= 2000),
    note TEXT CHECK (length(note) <= 500),
    recorded_by TEXT NOT NULL REFERENCES user(id),
    recorded_at TEXT NOT NULL,
    confirmed_by TEXT REFERENCES user(id),
    confirmed_at TEXT,
    disputed_by TEXT REFERENCES user(id),
    disputed_at TEXT,
    voided_by TEXT REFERENCES user(id),
    voided_at TEXT, confirmation_deemed INTEGER NOT NULL DEFAULT 0
    CHECK (confirmation_deemed IN (0, 1)),
    CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL)),
    CHECK ((status = 'voided') = (voided_at IS NOT NULL)),
    FOREIGN KEY (order_id, line_number) REFERENCES order_line(order_id, line_number)
) STRICT;

CREATE TABLE funding_stream (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'fst_*'),
    budget_holder_id TEXT NOT NULL REFERENCES budget_holder(id),
    source TEXT NOT NULL CHECK (source IN ('adult_social_care', 'childrens_services', 'nhs_health',
        'independent_living_fund', 'supporting_people', 'disabled_facilities_grant', 'own_contribution', 'other')),
    management_option TEXT NOT NULL CHECK (management_option IN ('direct_payment', 'council_managed',
        'managed_account', 'individual_service_fund')),
    managing_organisation_id TEXT REFERENCES organisation(id),
    fund_holder TEXT NOT NULL CHECK (fund_holder IN ('council', 'broker', 'holder')),
    period_from TEXT NOT NULL CHECK (period_from GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    period_to TEXT NOT NULL CHECK (period_to GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' AND period_to >= period_from),
    restricted_to_categories TEXT NOT NULL DEFAULT '[]'
        CHECK (json_valid(restricted_to_categories) AND json_type(restricted_to_categories) = 'array'),
    allocated_pence INTEGER NOT NULL DEFAULT 0 CHECK (allocated_pence >= 0),
    committed_pence INTEGER NOT NULL DEFAULT 0 CHECK (committed_pence >= 0),
    spent_pence INTEGER NOT NULL DEFAULT 0 CHECK (spent_pence >= 0),
    created_at TEXT NOT NULL,
    CHECK (committed_pence + spent_pence <= allocated_pence),
    CHECK ((management_option IN ('managed_account', 'individual_service_fund')) = (managing_organisation_id IS NOT NULL))
) STRICT;

CREATE TABLE idempotency_record (
    user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_fingerprint TEXT NOT NULL CHECK (length(request_fingerprint) = 64),
    response TEXT NOT NULL CHECK (json_valid(response)),
    created_at TEXT NOT NULL, answer_status INTEGER CHECK (answer_status BETWEEN 200 AND 299), answer_content_type TEXT CHECK (length(answer_content_type) <= 200), answer_location TEXT CHECK (length(answer_location) <= 2048), answer_body BLOB CHECK (length(answer_body) <= 65536),
    PRIMARY KEY (user_id, idempotency_key)
) STRICT, WITHOUT ROWID;

CREATE TABLE "invoice" (
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

CREATE TABLE known_device (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL UNIQUE CHECK (length(secret_hash) = 64),
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL
) STRICT;

CREATE TABLE ledger_entry (
    id INTEGER PRIMARY KEY,
    stream_id TEXT NOT NULL REFERENCES funding_stream(id),
    budget_holder_id TEXT NOT NULL REFERENCES budget_holder(id),
    kind TEXT NOT NULL CHECK (kind IN ('allocation', 'reservation', 'release', 'spend', 'reversal')),
    amount_pence INTEGER NOT NULL CHECK (amount_pence > 0),
    allocated_change_pence INTEGER NOT NULL,
    committed_change_pence INTEGER NOT NULL,
    spent_change_pence INTEGER NOT NULL,
    order_id TEXT REFERENCES purchase_order(id),
    delivery_id TEXT REFERENCES delivery(id),
    actor_user_id TEXT REFERENCES user(id),
    delegation_id TEXT REFERENCES delegation(id),
    occurred_at TEXT NOT NULL,
    CHECK (CASE kind
        WHEN 'allocation' THEN allocated_change_pence = amount_pence
            AND committed_change_pence = 0 AND spent_change_pence = 0
        WHEN 'reservation' THEN committed_change_pence = amount_pence
            AND allocated_change_pence = 0 AND spent_change_pence = 0
        WHEN 'release' THEN committed_change_pence = -amount_pence
            AND allocated_change_pence = 0 AND spent_change_pence = 0
        WHEN 'spend' THEN spent_change_pence = amount_pence AND committed_change_pence = -amount_pence
            AND allocated_change_pence = 0
        WHEN 'reversal' THEN spent_change_pence = -amount_pence
            AND allocated_change_pence = 0 AND committed_change_pence = 0
    END)
) STRICT;

CREATE TABLE login_throttle (
    email_hash TEXT PRIMARY KEY NOT NULL CHECK (length(email_hash) = 64),
    failure_count INTEGER NOT NULL CHECK (failure_count >= 1),
    window_started_at TEXT NOT NULL,
    locked_until TEXT
) STRICT, WITHOUT ROWID;

CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    recipient TEXT NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254 AND recipient LIKE '%_@_%'),
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'password_reset', 'role_granted', 'second_factor_reset', 'new_sign_in')),
    subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 200 AND instr(subject, char(10)) = 0 AND instr(subject, char(13)) = 0),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT NOT NULL,
    sent_at TEXT,
    last_error TEXT
) STRICT;

CREATE TABLE offering (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'off_*'),
    provider_id TEXT NOT NULL REFERENCES provider_store(organisation_id),
    title TEXT NOT NULL CHECK (length(trim(title)) BETWEEN 1 AND 120),
    description TEXT NOT NULL CHECK (length(trim(description)) BETWEEN 1 AND 4000),
    category TEXT NOT NULL CHECK (length(category) BETWEEN 1 AND 100),
    unit TEXT NOT NULL CHECK (length(unit) BETWEEN 1 AND 32),
    public_price_pence INTEGER NOT NULL CHECK (public_price_pence BETWEEN 1 AND 10000000),
    areas TEXT NOT NULL CHECK (json_valid(areas) AND json_array_length(areas) >= 1),
    attributes TEXT NOT NULL CHECK (json_valid(attributes)),
    tags TEXT NOT NULL CHECK (json_valid(tags) AND json_type(tags) = 'array'),
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'unpublished')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT,
    CHECK ((status = 'draft') = (published_at IS NULL))
) STRICT;

CREATE TABLE offering_area (
    district TEXT NOT NULL,
    category TEXT NOT NULL,
    offering_seq INTEGER NOT NULL,
    PRIMARY KEY (district, category, offering_seq)
) STRICT, WITHOUT ROWID;

CREATE VIRTUAL TABLE offering_fts USING fts5(
    title, description, content = 'offering', content_rowid = 'seq',
    tokenize = 'porter unicode61 remove_diacritics 2');

CREATE TABLE offering_listing (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    category TEXT NOT NULL,
    public_price_pence INTEGER NOT NULL
) STRICT;

CREATE TABLE offering_price (
    id INTEGER PRIMARY KEY,
    offering_id TEXT NOT NULL REFERENCES offering(id),
    public_price_pence INTEGER NOT NULL CHECK (public_price_pence BETWEEN 1 AND 10000000),
    effective_from TEXT NOT NULL
) STRICT;

CREATE TABLE offering_tag (
    tag TEXT NOT NULL,
    offering_seq INTEGER NOT NULL,
    PRIMARY KEY (tag, offering_seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE order_fact (
    council_id TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    order_seq INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    budget_holder_id TEXT NOT NULL,
    provider_type TEXT NOT NULL,
    category TEXT NOT NULL,
    accepted_at TEXT,
    declined_at TEXT,
    cancelled_at TEXT,
    PRIMARY KEY (council_id, placed_at, order_seq, line_number)
) STRICT, WITHOUT ROWID;

CREATE TABLE order_line (
    order_id TEXT NOT NULL REFERENCES purchase_order(id),
    line_number INTEGER NOT NULL CHECK (line_number >= 1),
    offering_id TEXT NOT NULL REFERENCES offering(id),
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    unit TEXT NOT NULL,
    quantity_hundredths INTEGER NOT NULL CHECK (quantity_hundredths > 0),
    unit_price_pence INTEGER NOT NULL CHECK (unit_price_pence >= 1),
    price_source TEXT NOT NULL CHECK (price_source IN ('public', 'council_rate')),
    line_total_pence INTEGER NOT NULL CHECK (line_total_pence > 0),
    PRIMARY KEY (order_id, line_number)
) STRICT, WITHOUT ROWID;

CREATE TABLE order_refusal (
    seq INTEGER PRIMARY KEY,
    refused_on TEXT NOT NULL CHECK (date(refused_on) IS refused_on),
    -- NULL: a self-funder's order (regulator gating applies to everyone)
    council_id TEXT REFERENCES council(id),
    category TEXT NOT NULL,
    offering_id TEXT NOT NULL REFERENCES offering(id),
    provider_id TEXT NOT NULL REFERENCES provider_store(organisation_id),
    reason TEXT NOT NULL CHECK (reason IN ('prohibited_spend', 'regulator_registration')),
    detail TEXT NOT NULL CHECK (length(detail) BETWEEN 1 AND 1000)
) STRICT;

CREATE TABLE organisation (
    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'org_*'),
    kind TEXT NOT NULL CHECK (kind IN ('provider', 'community', 'broker')),
    name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
    created_at TEXT NOT NULL,
    UNIQUE (id, kind)
) STRICT;

CREATE TABLE outbox_audience (
    audience TEXT NOT NULL CHECK (audience GLOB 'org_*' OR audience GLOB 'cnc_*' OR audience GLOB 'usr_*'),
    event_seq INTEGER NOT NULL REFERENCES outbox_event(seq),
    PRIMARY KEY (audience, event_seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE "outbox_event" (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'evt_*'),
    type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
    occurred_at TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload) AND json_type(payload) = 'object'),
    dispatched_at TEXT
) STRICT;

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

CREATE TABLE payment_batch_file (
    batch_id TEXT NOT NULL REFERENCES payment_batch(id),
    format TEXT NOT NULL CHECK (format IN ('csv', 'bacs', 'pain.001')),
    content BLOB NOT NULL,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    PRIMARY KEY (batch_id, format)
) STRICT;

CREATE TABLE payment_item (
    payment_id TEXT NOT NULL REFERENCES payment(id) DEFERRABLE INITIALLY DEFERRED,
    invoice_id TEXT NOT NULL REFERENCES invoice(id),
    credit_note_id TEXT REFERENCES credit_note(id),
    amount_pence INTEGER NOT NULL CHECK (amount_pence <> 0),
    live INTEGER NOT NULL DEFAULT 1 CHECK (live IN (0, 1)),
    CHECK ((credit_note_id IS NULL) = (amount_pence > 0))
) STRICT;

CREATE TABLE prohibited_spend (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'psp_*'),
    council_id TEXT NOT NULL REFERENCES council(id),
    category TEXT CHECK (length(category) BETWEEN 1 AND 100),
    offering_id TEXT REFERENCES offering(id),
    reason TEXT NOT NULL CHECK (length(trim(reason)) BETWEEN 1 AND 500),
    added_by TEXT NOT NULL REFERENCES user(id),
    added_at TEXT NOT NULL,
    withdrawn_by TEXT REFERENCES user(id),
    withdrawn_at TEXT,
    CHECK ((category IS NULL) <> (offering_id IS NULL)),
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
) STRICT;

CREATE TABLE provider_store (
    organisation_id TEXT PRIMARY KEY NOT NULL,
    organisation_kind TEXT NOT NULL DEFAULT 'provider' CHECK (organisation_kind = 'provider'),
    provider_type TEXT CHECK (provider_type IN ('large', 'micro', 'user_led', 'social_enterprise',
        'council_in_house', 'individual_pa', 'voluntary')),
    description TEXT CHECK (length(trim(description)) BETWEEN 1 AND 4000),
    areas TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(areas) AND json_type(areas) = 'array'),
    phone TEXT CHECK (length(phone) BETWEEN 1 AND 32),
    email TEXT CHECK (length(email) BETWEEN 3 AND 254),
    website TEXT CHECK (length(website) BETWEEN 1 AND 2048),
    registration_number TEXT CHECK (length(registration_number) BETWEEN 1 AND 32),
    rating_count INTEGER NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_sum INTEGER NOT NULL DEFAULT 0 CHECK (rating_sum BETWEEN rating_count AND 5 * rating_count),
    -- The Bayesian-smoothed average in thousandths of a star, for sort=rating: as if five
    -- more people had given three stars (the one place this formula lives)
    rating_score INTEGER GENERATED ALWAYS AS ((rating_sum * 1000 + 15000) / (rating_count + 5)) STORED,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (organisation_id, organisation_kind) REFERENCES organisation(id, kind)
) STRICT;

CREATE TABLE purchase_order (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'ord_*'),
    budget_holder_id TEXT NOT NULL REFERENCES budget_holder(id),
    stream_id TEXT NOT NULL REFERENCES funding_stream(id),
    provider_id TEXT NOT NULL REFERENCES provider_store(organisation_id),
    status TEXT NOT NULL CHECK (status IN ('placed', 'accepted', 'declined', 'cancelled', 'completed')),
    start_date TEXT NOT NULL CHECK (start_date GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    weeks INTEGER CHECK (weeks BETWEEN 1 AND 104),
    total_pence INTEGER NOT NULL CHECK (total_pence > 0),
    note TEXT CHECK (length(note) <= 2000),
    placed_by TEXT NOT NULL REFERENCES user(id),
    delegation_id TEXT REFERENCES delegation(id),
    placed_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
, accepted_at TEXT, declined_at TEXT, cancelled_at TEXT, completed_at TEXT) STRICT;

CREATE TABLE rating (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'rtg_*'),
    order_id TEXT NOT NULL UNIQUE REFERENCES purchase_order(id),
    provider_id TEXT NOT NULL REFERENCES provider_store(organisation_id),
    budget_holder_id TEXT NOT NULL REFERENCES budget_holder(id),
    -- The holder's council when the order was paid from council funds; NULL: a self-funder.
    rater_council_id TEXT REFERENCES council(id),
    category TEXT NOT NULL,
    stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment TEXT CHECK (length(trim(comment)) BETWEEN 1 AND 2000),
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_by TEXT NOT NULL REFERENCES user(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    reply TEXT CHECK (length(trim(reply)) BETWEEN 1 AND 2000),
    replied_by TEXT REFERENCES user(id),
    replied_at TEXT,
    hidden_reason TEXT CHECK (length(trim(hidden_reason)) BETWEEN 1 AND 500),
    hidden_by TEXT REFERENCES user(id),
    hidden_at TEXT,
    removed_reason TEXT CHECK (length(trim(removed_reason)) BETWEEN 1 AND 500),
    removed_by TEXT REFERENCES user(id),
    removed_at TEXT,
    CHECK ((reply IS NULL) = (replied_at IS NULL) AND (reply IS NULL) = (replied_by IS NULL)),
    CHECK ((hidden_reason IS NULL) = (hidden_at IS NULL) AND (hidden_reason IS NULL) = (hidden_by IS NULL)),
    CHECK ((removed_reason IS NULL) = (removed_at IS NULL) AND (removed_reason IS NULL) = (removed_by IS NULL))
) STRICT;

CREATE TABLE rating_version (
    rating_id TEXT NOT NULL REFERENCES rating(id),
    version INTEGER NOT NULL,
    stars INTEGER NOT NULL,
    comment TEXT,
    written_at TEXT NOT NULL,
    PRIMARY KEY (rating_id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE recovery_code (
    user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL CHECK (length(code_hash) = 64),
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
) STRICT, WITHOUT ROWID;

CREATE TABLE regulator_registration (
    provider_id TEXT PRIMARY KEY NOT NULL REFERENCES provider_store(organisation_id),
    regulator TEXT NOT NULL CHECK (regulator IN ('cqc', 'ciw', 'care_inspectorate', 'rqia')),
    location_id TEXT CHECK (length(location_id) BETWEEN 1 AND 32),
    status TEXT NOT NULL CHECK (status IN ('registered', 'suspended', 'cancelled', 'not_required')),
    overall_rating TEXT CHECK (overall_rating IN ('outstanding', 'good', 'requires_improvement', 'inadequate')),
    -- RegulatorRating.rank: what min_regulator_rating compares
    rating_rank INTEGER GENERATED ALWAYS AS (CASE overall_rating WHEN 'outstanding' THEN 4 WHEN 'good' THEN 3
        WHEN 'requires_improvement' THEN 2 WHEN 'inadequate' THEN 1 END) STORED,
    last_inspected_on TEXT CHECK (date(last_inspected_on) IS last_inspected_on),
    synced_at TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('import', 'platform_admin')),
    CHECK (status <> 'not_required' OR overall_rating IS NULL)
) STRICT;

CREATE TABLE search_change (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    offering_seq INTEGER,
    provider_id TEXT,
    CHECK ((offering_seq IS NULL) <> (provider_id IS NULL))
) STRICT;

CREATE TABLE search_demand (
    id INTEGER PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    council_id TEXT REFERENCES council(id),
    category TEXT,
    area TEXT,
    filters TEXT NOT NULL CHECK (json_valid(filters)),
    had_text INTEGER NOT NULL CHECK (had_text IN (0, 1)),
    result_count INTEGER NOT NULL CHECK (result_count >= 0),
    more_results INTEGER NOT NULL CHECK (more_results IN (0, 1))
) STRICT;

CREATE TABLE second_factor (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    secret TEXT NOT NULL CHECK (length(secret) = 32 AND secret NOT GLOB '*[^A-Z2-7]*'),
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    last_used_step INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE spend_fact (
    council_id TEXT NOT NULL,
    day TEXT NOT NULL CHECK (day GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    ledger_entry_id INTEGER NOT NULL UNIQUE,
    budget_holder_id TEXT NOT NULL,
    pence INTEGER NOT NULL CHECK (pence <> 0),
    price_source TEXT NOT NULL,
    category TEXT NOT NULL,
    unit TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    provider_type TEXT NOT NULL,
    source TEXT NOT NULL,
    management_option TEXT NOT NULL,
    PRIMARY KEY (council_id, day, ledger_entry_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE "user" (
    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'usr_*'),
    email TEXT NOT NULL UNIQUE
        CHECK (email = lower(trim(email)) AND length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
    display_name TEXT NOT NULL CHECK (length(trim(display_name)) BETWEEN 1 AND 120),
    password_hash TEXT NOT NULL CHECK (password_hash GLOB '$2*'),
    role TEXT NOT NULL CHECK (role IN ('platform_admin', 'council_admin', 'commissioner',
        'finance', 'provider', 'broker', 'broker_finance', 'budget_holder', 'community_publisher')),
    council_id TEXT REFERENCES council(id),
    organisation_id TEXT,
    organisation_kind TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT REFERENCES user(id),
    disabled_at TEXT,
    -- When and by whom the current role was granted, if not at the account's creation
    -- (then `created_at` and `created_by` say it): the four-eyes cooling-off counts from it.
    role_granted_at TEXT CHECK (role_granted_at >= created_at),
    role_granted_by TEXT REFERENCES user(id),
    FOREIGN KEY (organisation_id, organisation_kind) REFERENCES organisation(id, kind),
    CHECK ((organisation_id IS NULL) = (organisation_kind IS NULL)),
    CHECK ((role_granted_by IS NULL) OR (role_granted_at IS NOT NULL)),
    CHECK (CASE role
        WHEN 'platform_admin' THEN council_id IS NULL AND organisation_id IS NULL
        WHEN 'council_admin' THEN council_id IS NOT NULL AND organisation_id IS NULL
        WHEN 'commissioner' THEN council_id IS NOT NULL AND organisation_id IS NULL
        WHEN 'finance' THEN council_id IS NOT NULL AND organisation_id IS NULL
        WHEN 'provider' THEN organisation_kind = 'provider' AND council_id IS NULL
        WHEN 'broker' THEN organisation_kind = 'broker' AND council_id IS NULL
        WHEN 'broker_finance' THEN organisation_kind = 'broker' AND council_id IS NULL
        WHEN 'community_publisher' THEN organisation_kind = 'community' AND council_id IS NULL
        WHEN 'budget_holder' THEN organisation_id IS NULL
    END)
) STRICT;

CREATE TABLE webhook_attempt (
    seq INTEGER PRIMARY KEY,
    delivery_seq INTEGER NOT NULL REFERENCES webhook_delivery(seq),
    attempted_at TEXT NOT NULL,
    status_code INTEGER,
    duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
    error TEXT,
    response_excerpt TEXT CHECK (length(CAST(response_excerpt AS BLOB)) <= 1024)
) STRICT;

CREATE TABLE webhook_delivery (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'whd_*'),
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoint(id),
    event_seq INTEGER NOT NULL REFERENCES outbox_event(seq),
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT,
    last_attempt_at TEXT,
    last_status_code INTEGER,
    created_at TEXT NOT NULL,
    succeeded_at TEXT,
    UNIQUE (endpoint_id, event_seq),
    CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
    CHECK ((status = 'succeeded') = (succeeded_at IS NOT NULL))
) STRICT;

CREATE TABLE webhook_endpoint (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'whe_*'),
    owner_id TEXT NOT NULL CHECK (owner_id GLOB 'org_*' OR owner_id GLOB 'cnc_*'),
    url TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
    description TEXT CHECK (length(description) BETWEEN 1 AND 500),
    event_types TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(event_types) AND json_type(event_types) = 'array'),
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    disabled_reason TEXT,
    -- whsec_ + base64: the key signs, so it is kept as it is (see README, webhooks)
    secret TEXT NOT NULL CHECK (secret GLOB 'whsec_*'),
    previous_secret TEXT CHECK (previous_secret GLOB 'whsec_*'),
    previous_secret_until TEXT,
    failing_since TEXT,
    created_by TEXT NOT NULL REFERENCES user(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL))
) STRICT;

CREATE INDEX access_token_expires ON access_token(expires_at);

CREATE INDEX access_token_revoked ON access_token(revoked_at) WHERE revoked_at IS NOT NULL;

CREATE INDEX access_token_user ON access_token(user_id);

CREATE INDEX account_link_user ON account_link(user_id, purpose);

CREATE INDEX audit_event_subject ON audit_event(subject_type, subject_id);

CREATE INDEX budget_holder_council ON budget_holder(council_id, id) WHERE council_id IS NOT NULL;

CREATE INDEX community_resource_council ON community_resource(council_id);

CREATE INDEX community_resource_organisation ON community_resource(organisation_id);

CREATE INDEX community_resource_publisher_council ON community_resource(publisher_council_id);

CREATE INDEX concern_council ON concern(council_id, seq);

CREATE INDEX concern_raised_by ON concern(raised_by, seq);

CREATE INDEX council_rate_lookup ON council_rate(council_id, offering_id, valid_from);

CREATE INDEX council_rate_offering ON council_rate(offering_id);

CREATE INDEX credit_note_invoice ON credit_note(invoice_id);

CREATE INDEX credit_note_line_invoice ON credit_note_line(invoice_id, invoice_line_number);

CREATE INDEX delegation_grantee_organisation ON delegation(grantee_organisation_id)
    WHERE grantee_organisation_id IS NOT NULL;

CREATE INDEX delegation_grantee_user ON delegation(grantee_user_id) WHERE grantee_user_id IS NOT NULL;

CREATE INDEX delegation_holder ON delegation(budget_holder_id);

CREATE INDEX delivery_confirmed ON delivery(order_id) WHERE status = 'confirmed';

CREATE INDEX delivery_order ON delivery(order_id, line_number);

CREATE INDEX delivery_undecided ON delivery(recorded_at) WHERE status = 'recorded';

CREATE INDEX funding_stream_holder ON funding_stream(budget_holder_id, seq);

CREATE INDEX idempotency_record_created ON idempotency_record(created_at);

CREATE INDEX invoice_approved_due ON invoice(payer_council_id, payer_organisation_id, due_date) WHERE status = 'approved';

CREATE INDEX invoice_council ON invoice(council_id, seq) WHERE council_id IS NOT NULL;

CREATE INDEX invoice_line_order ON invoice_line(order_id);

CREATE INDEX invoice_payer_holder ON invoice(payer_budget_holder_id, seq) WHERE payer_budget_holder_id IS NOT NULL;

CREATE INDEX invoice_payer_organisation ON invoice(payer_organisation_id, seq) WHERE payer_organisation_id IS NOT NULL;

CREATE INDEX invoice_provider ON invoice(provider_id, seq);

CREATE INDEX invoicing_run_council ON invoicing_run(council_id, seq);

CREATE INDEX known_device_user ON known_device(user_id);

CREATE INDEX ledger_entry_holder ON ledger_entry(budget_holder_id, id);

CREATE INDEX ledger_entry_order ON ledger_entry(order_id) WHERE order_id IS NOT NULL;

CREATE INDEX ledger_entry_stream ON ledger_entry(stream_id, id);

CREATE INDEX ledger_entry_time ON ledger_entry(occurred_at, id);

CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE sent_at IS NULL;

CREATE INDEX offering_listing_category ON offering_listing(category, seq);

CREATE INDEX offering_listing_price ON offering_listing(public_price_pence, seq);

CREATE INDEX offering_listing_provider ON offering_listing(provider_id, seq);

CREATE INDEX offering_price_offering ON offering_price(offering_id, id);

CREATE INDEX offering_provider ON offering(provider_id, seq);

CREATE INDEX order_fact_order ON order_fact(order_seq);

CREATE INDEX order_refusal_council ON order_refusal(council_id, refused_on);

CREATE INDEX outbox_audience_event ON outbox_audience(event_seq);

CREATE INDEX outbox_event_pending ON outbox_event(seq) WHERE dispatched_at IS NULL;

CREATE UNIQUE INDEX payer_account_change_one_pending ON payer_account_change(payer_id) WHERE status = 'pending';

CREATE INDEX payment_batch_payer ON payment_batch(payer_id, seq);

CREATE UNIQUE INDEX payment_item_live_credit_note ON payment_item(credit_note_id) WHERE live = 1 AND credit_note_id IS NOT NULL;

CREATE UNIQUE INDEX payment_item_live_invoice ON payment_item(invoice_id) WHERE live = 1 AND credit_note_id IS NULL;

CREATE INDEX payment_item_payment ON payment_item(payment_id);

CREATE INDEX payment_provider ON payment(provider_id, seq);

CREATE UNIQUE INDEX prohibited_spend_live ON prohibited_spend(council_id, coalesce(category, offering_id))
    WHERE withdrawn_at IS NULL;

CREATE INDEX purchase_order_holder ON purchase_order(budget_holder_id, seq);

CREATE INDEX purchase_order_provider ON purchase_order(provider_id, seq);

CREATE INDEX rating_provider ON rating(provider_id, seq) WHERE removed_at IS NULL;

CREATE INDEX rating_rater_council ON rating(rater_council_id, created_at) WHERE rater_council_id IS NOT NULL;

CREATE INDEX regulator_registration_rated ON regulator_registration(status, rating_rank);

CREATE INDEX search_demand_council_time ON search_demand(council_id, occurred_at);

CREATE INDEX user_council ON user(council_id) WHERE council_id IS NOT NULL;

CREATE INDEX user_organisation ON user(organisation_id) WHERE organisation_id IS NOT NULL;

CREATE INDEX webhook_attempt_delivery ON webhook_attempt(delivery_seq, seq);

CREATE INDEX webhook_delivery_due ON webhook_delivery(next_attempt_at) WHERE status = 'pending';

CREATE INDEX webhook_delivery_endpoint ON webhook_delivery(endpoint_id, seq);

CREATE INDEX webhook_endpoint_owner ON webhook_endpoint(owner_id, seq) WHERE deleted_at IS NULL;

CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;

CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;

CREATE TRIGGER bank_account_fixed BEFORE UPDATE ON bank_account
    BEGIN SELECT RAISE(ABORT, 'bank details are never edited; a change is a new version'); END;

CREATE TRIGGER bank_account_next_version BEFORE INSERT ON bank_account
    WHEN new.version IS NOT (SELECT coalesce(max(version), 0) + 1 FROM bank_account WHERE provider_id = new.provider_id)
    BEGIN SELECT RAISE(ABORT, 'bank details are versioned one after another'); END;

CREATE TRIGGER bank_account_no_delete BEFORE DELETE ON bank_account
    BEGIN SELECT RAISE(ABORT, 'bank details are never deleted'); END;

CREATE TRIGGER bank_account_verification_fixed BEFORE UPDATE ON bank_account_verification
    BEGIN SELECT RAISE(ABORT, 'a verification is never edited'); END;

CREATE TRIGGER bank_account_verification_no_delete BEFORE DELETE ON bank_account_verification
    BEGIN SELECT RAISE(ABORT, 'a verification is never deleted'); END;

CREATE TRIGGER bank_account_verification_other_person BEFORE INSERT ON bank_account_verification
    WHEN new.verified_by = (SELECT entered_by FROM bank_account WHERE id = new.bank_account_id)
    BEGIN SELECT RAISE(ABORT, 'the person who entered bank details can never verify them'); END;

CREATE TRIGGER billing_sequence_no_delete BEFORE DELETE ON billing_sequence
    BEGIN SELECT RAISE(ABORT, 'billing sequences are never reset'); END;

CREATE TRIGGER billing_sequence_starts_at_one BEFORE INSERT ON billing_sequence WHEN new.last_number <> 1
    BEGIN SELECT RAISE(ABORT, 'a billing sequence starts at 1'); END;

CREATE TRIGGER billing_sequence_steps_by_one BEFORE UPDATE ON billing_sequence
    WHEN new.last_number <> old.last_number + 1 OR new.provider_id <> old.provider_id OR new.document <> old.document
    BEGIN SELECT RAISE(ABORT, 'a billing sequence only steps by one'); END;

CREATE TRIGGER budget_holder_account BEFORE INSERT ON budget_holder WHEN new.user_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM user WHERE id = new.user_id AND role = 'budget_holder'
        AND council_id IS new.council_id)
    BEGIN SELECT RAISE(ABORT, 'a linked account must be a budget holder of the same council'); END;

CREATE TRIGGER budget_holder_fixed BEFORE UPDATE OF id, council_id, user_id ON budget_holder
    BEGIN SELECT RAISE(ABORT, 'a budget holder''s council and account are fixed'); END;

CREATE TRIGGER concern_fixed BEFORE UPDATE OF id, council_id, about_provider_id, about_budget_holder_id, about,
    description, urgency, raised_by, raised_at ON concern
    BEGIN SELECT RAISE(ABORT, 'what was raised, and about whom, never changes'); END;

CREATE TRIGGER concern_no_delete BEFORE DELETE ON concern
    BEGIN SELECT RAISE(ABORT, 'concerns are never deleted'); END;

CREATE TRIGGER council_rate_fixed_terms BEFORE UPDATE OF id, council_id, offering_id, rate_pence,
    valid_from, created_by, created_at ON council_rate
    BEGIN SELECT RAISE(ABORT, 'a council rate''s terms are fixed; agree a new one'); END;

CREATE TRIGGER council_rate_no_delete BEFORE DELETE ON council_rate
    BEGIN SELECT RAISE(ABORT, 'council rates are ended, never deleted'); END;

CREATE TRIGGER council_rate_no_overlap BEFORE INSERT ON council_rate
    WHEN EXISTS (SELECT 1 FROM council_rate r
        WHERE r.council_id = new.council_id AND r.offering_id = new.offering_id
          AND r.valid_from <= coalesce(new.valid_to, '9999-12-31')
          AND new.valid_from <= coalesce(r.valid_to, '9999-12-31'))
    BEGIN SELECT RAISE(ABORT, 'council_rate validity overlaps another rate'); END;

CREATE TRIGGER council_rate_no_overlap_on_end BEFORE UPDATE OF valid_to ON council_rate
    WHEN EXISTS (SELECT 1 FROM council_rate r
        WHERE r.id <> new.id AND r.council_id = new.council_id AND r.offering_id = new.offering_id
          AND r.valid_from <= coalesce(new.valid_to, '9999-12-31')
          AND new.valid_from <= coalesce(r.valid_to, '9999-12-31'))
    BEGIN SELECT RAISE(ABORT, 'council_rate validity overlaps another rate'); END;

CREATE TRIGGER credit_note_fixed BEFORE UPDATE ON credit_note
    BEGIN SELECT RAISE(ABORT, 'credit notes are fixed once issued'); END;

CREATE TRIGGER credit_note_line_apply AFTER INSERT ON credit_note_line BEGIN
    UPDATE invoice_line SET credited_pence = credited_pence + new.amount_pence
        WHERE invoice_id = new.invoice_id AND line_number = new.invoice_line_number;
    UPDATE invoice SET credited_pence = credited_pence + new.amount_pence WHERE id = new.invoice_id;
END;

CREATE TRIGGER credit_note_line_before_header BEFORE INSERT ON credit_note_line
    WHEN EXISTS (SELECT 1 FROM credit_note WHERE id = new.credit_note_id)
    BEGIN SELECT RAISE(ABORT, 'an issued credit note''s lines are fixed'); END;

CREATE TRIGGER credit_note_line_fixed BEFORE UPDATE ON credit_note_line
    BEGIN SELECT RAISE(ABORT, 'credit notes are fixed once issued'); END;

CREATE TRIGGER credit_note_line_no_delete BEFORE DELETE ON credit_note_line
    BEGIN SELECT RAISE(ABORT, 'credit notes are never deleted'); END;

CREATE TRIGGER credit_note_matches_lines BEFORE INSERT ON credit_note
    WHEN new.total_pence IS NOT (SELECT sum(amount_pence) FROM credit_note_line WHERE credit_note_id = new.id)
      OR new.line_count IS NOT (SELECT count(*) FROM credit_note_line WHERE credit_note_id = new.id)
      OR new.provider_id IS NOT (SELECT provider_id FROM invoice WHERE id = new.invoice_id)
    BEGIN SELECT RAISE(ABORT, 'a credit note''s total and line count are its lines'''); END;

CREATE TRIGGER credit_note_no_delete BEFORE DELETE ON credit_note
    BEGIN SELECT RAISE(ABORT, 'credit notes are never deleted'); END;

CREATE TRIGGER delivery_final BEFORE UPDATE OF status ON delivery
    WHEN old.status IN ('confirmed', 'voided') AND new.status <> old.status
    BEGIN SELECT RAISE(ABORT, 'a confirmed or voided delivery is final'); END;

CREATE TRIGGER delivery_fixed BEFORE UPDATE OF id, order_id, line_number, delivered_on, quantity_hundredths,
    amount_pence, note, recorded_by, recorded_at ON delivery
    BEGIN SELECT RAISE(ABORT, 'a delivery''s record is fixed'); END;

CREATE TRIGGER delivery_no_delete BEFORE DELETE ON delivery
    BEGIN SELECT RAISE(ABORT, 'deliveries are voided, never deleted'); END;

CREATE TRIGGER delivery_within_order BEFORE INSERT ON delivery
    WHEN (SELECT coalesce(sum(d.quantity_hundredths), 0) FROM delivery d
            WHERE d.order_id = new.order_id AND d.line_number = new.line_number AND d.status <> 'voided')
            + new.quantity_hundredths
        > (SELECT l.quantity_hundredths * coalesce(o.weeks, 1) FROM order_line l
            JOIN purchase_order o ON o.id = l.order_id
            WHERE l.order_id = new.order_id AND l.line_number = new.line_number)
      OR (SELECT coalesce(sum(d.amount_pence), 0) FROM delivery d
            WHERE d.order_id = new.order_id AND d.line_number = new.line_number AND d.status <> 'voided')
            + new.amount_pence
        > (SELECT line_total_pence FROM order_line WHERE order_id = new.order_id AND line_number = new.line_number)
    BEGIN SELECT RAISE(ABORT, 'a delivery may not exceed what was ordered'); END;

CREATE TRIGGER funding_stream_fixed_terms BEFORE UPDATE OF id, budget_holder_id, source, management_option,
    managing_organisation_id, fund_holder, period_from, period_to, restricted_to_categories, created_at
    ON funding_stream
    BEGIN SELECT RAISE(ABORT, 'a funding stream''s terms are fixed'); END;

CREATE TRIGGER funding_stream_no_delete BEFORE DELETE ON funding_stream
    BEGIN SELECT RAISE(ABORT, 'funding streams are never deleted'); END;

CREATE TRIGGER invoice_fixed BEFORE UPDATE OF id, provider_id, sequence_number, number, payer_kind,
    payer_council_id, payer_organisation_id, payer_budget_holder_id, council_id, period_start, period_end,
    issue_date, due_date, total_pence, line_count, run_id, created_at, supplier ON invoice
    BEGIN SELECT RAISE(ABORT, 'an invoice is fixed once issued; corrections are credit notes'); END;

CREATE TRIGGER invoice_line_before_header BEFORE INSERT ON invoice_line
    WHEN EXISTS (SELECT 1 FROM invoice WHERE id = new.invoice_id)
    BEGIN SELECT RAISE(ABORT, 'an issued invoice''s lines are fixed'); END;

CREATE TRIGGER invoice_line_confirmed_delivery BEFORE INSERT ON invoice_line
    WHEN NOT EXISTS (SELECT 1 FROM delivery WHERE id = new.delivery_id AND status = 'confirmed'
            AND amount_pence = new.total_pence AND order_id = new.order_id)
    BEGIN SELECT RAISE(ABORT, 'an invoice line is a confirmed delivery, for what it spent'); END;

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

CREATE TRIGGER invoice_no_delete BEFORE DELETE ON invoice
    BEGIN SELECT RAISE(ABORT, 'invoices are never deleted'); END;

CREATE TRIGGER invoice_paid_through_payment BEFORE UPDATE OF status ON invoice
    WHEN new.status = 'paid' AND new.payer_kind <> 'budget_holder' AND NOT EXISTS (
        SELECT 1 FROM payment_item WHERE invoice_id = new.id AND live = 1 AND credit_note_id IS NULL)
    BEGIN SELECT RAISE(ABORT, 'a council''s or broker''s invoice is paid only through a payment batch'); END;

CREATE TRIGGER ledger_entry_apply AFTER INSERT ON ledger_entry BEGIN
    UPDATE funding_stream SET
        allocated_pence = allocated_pence + new.allocated_change_pence,
        committed_pence = committed_pence + new.committed_change_pence,
        spent_pence = spent_pence + new.spent_change_pence
    WHERE id = new.stream_id;
END;

CREATE TRIGGER ledger_entry_holder_matches BEFORE INSERT ON ledger_entry
    WHEN NOT EXISTS (SELECT 1 FROM funding_stream WHERE id = new.stream_id AND budget_holder_id = new.budget_holder_id)
    BEGIN SELECT RAISE(ABORT, 'a ledger entry''s holder is its stream''s holder'); END;

CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry
    BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END;

CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
    BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END;

CREATE TRIGGER offering_listing_insert AFTER INSERT ON offering WHEN new.status = 'published' BEGIN
    INSERT INTO offering_listing (seq, id, provider_id, category, public_price_pence)
        VALUES (new.seq, new.id, new.provider_id, new.category, new.public_price_pence);
    INSERT INTO offering_area (district, category, offering_seq)
        SELECT DISTINCT value, new.category, new.seq FROM json_each(new.areas);
    INSERT INTO offering_tag (tag, offering_seq) SELECT DISTINCT value, new.seq FROM json_each(new.tags);
    INSERT INTO offering_fts (rowid, title, description) VALUES (new.seq, new.title, new.description);
END;

CREATE TRIGGER offering_listing_update AFTER UPDATE ON offering BEGIN
    DELETE FROM offering_listing WHERE seq = old.seq;
    DELETE FROM offering_area WHERE old.status = 'published' AND offering_seq = old.seq
        AND category = old.category AND district IN (SELECT value FROM json_each(old.areas));
    DELETE FROM offering_tag WHERE old.status = 'published' AND offering_seq = old.seq
        AND tag IN (SELECT value FROM json_each(old.tags));
    INSERT INTO offering_fts (offering_fts, rowid, title, description)
        SELECT 'delete', old.seq, old.title, old.description WHERE old.status = 'published';
    INSERT INTO offering_listing (seq, id, provider_id, category, public_price_pence)
        SELECT new.seq, new.id, new.provider_id, new.category, new.public_price_pence
        WHERE new.status = 'published';
    INSERT INTO offering_area (district, category, offering_seq)
        SELECT DISTINCT value, new.category, new.seq FROM json_each(new.areas) WHERE new.status = 'published';
    INSERT INTO offering_tag (tag, offering_seq)
        SELECT DISTINCT value, new.seq FROM json_each(new.tags) WHERE new.status = 'published';
    INSERT INTO offering_fts (rowid, title, description)
        SELECT new.seq, new.title, new.description WHERE new.status = 'published';
END;

CREATE TRIGGER offering_no_delete BEFORE DELETE ON offering
    BEGIN SELECT RAISE(ABORT, 'offerings are unpublished, never deleted'); END;

CREATE TRIGGER offering_price_insert AFTER INSERT ON offering BEGIN
    INSERT INTO offering_price (offering_id, public_price_pence, effective_from)
        VALUES (new.id, new.public_price_pence, new.created_at);
END;

CREATE TRIGGER offering_price_no_delete BEFORE DELETE ON offering_price
    BEGIN SELECT RAISE(ABORT, 'offering_price is append-only'); END;

CREATE TRIGGER offering_price_no_update BEFORE UPDATE ON offering_price
    BEGIN SELECT RAISE(ABORT, 'offering_price is append-only'); END;

CREATE TRIGGER offering_price_update AFTER UPDATE OF public_price_pence ON offering
    WHEN new.public_price_pence <> old.public_price_pence BEGIN
    INSERT INTO offering_price (offering_id, public_price_pence, effective_from)
        VALUES (new.id, new.public_price_pence, new.updated_at);
END;

CREATE TRIGGER order_fact_follows_order AFTER UPDATE OF accepted_at, declined_at, cancelled_at ON purchase_order BEGIN
    UPDATE order_fact SET accepted_at = new.accepted_at, declined_at = new.declined_at, cancelled_at = new.cancelled_at
        WHERE order_seq = new.seq;
END;

CREATE TRIGGER order_fact_from_line AFTER INSERT ON order_line BEGIN
    INSERT INTO order_fact SELECT h.council_id, o.placed_at, o.seq, new.line_number, o.budget_holder_id, coalesce(p.provider_type, 'unknown'), new.category,
    o.accepted_at, o.declined_at, o.cancelled_at
FROM purchase_order o
JOIN budget_holder h ON h.id = o.budget_holder_id
LEFT JOIN provider_store p ON p.organisation_id = o.provider_id
WHERE h.council_id IS NOT NULL AND o.id = new.order_id;
END;

CREATE TRIGGER order_line_fixed BEFORE UPDATE ON order_line
    BEGIN SELECT RAISE(ABORT, 'order lines are fixed once placed'); END;

CREATE TRIGGER order_refusal_append_only BEFORE UPDATE ON order_refusal
    BEGIN SELECT RAISE(ABORT, 'refusals are recorded once and never changed'); END;

CREATE TRIGGER order_refusal_no_delete BEFORE DELETE ON order_refusal
    BEGIN SELECT RAISE(ABORT, 'refusals are never deleted'); END;

CREATE TRIGGER outbox_event_fixed BEFORE UPDATE OF seq, id, type, occurred_at, payload ON outbox_event
    BEGIN SELECT RAISE(ABORT, 'an event never changes once written'); END;

CREATE TRIGGER outbox_event_no_delete BEFORE DELETE ON outbox_event
    BEGIN SELECT RAISE(ABORT, 'events are never deleted: the feed resumes by their sequence'); END;

CREATE TRIGGER payer_account_change_decided_once BEFORE UPDATE OF status ON payer_account_change
    WHEN old.status <> 'pending'
    BEGIN SELECT RAISE(ABORT, 'a payer account change is decided once'); END;

CREATE TRIGGER payer_account_change_fixed BEFORE UPDATE OF id, payer_id, account_name, sort_code, account_number,
    service_user_number, iban, bic, proposed_by, proposed_at ON payer_account_change
    BEGIN SELECT RAISE(ABORT, 'a proposed payer account change is never edited'); END;

CREATE TRIGGER payer_account_change_no_delete BEFORE DELETE ON payer_account_change
    BEGIN SELECT RAISE(ABORT, 'payer account changes are never deleted'); END;

CREATE TRIGGER payment_batch_file_fixed BEFORE UPDATE ON payment_batch_file
    BEGIN SELECT RAISE(ABORT, 'an exported file never changes'); END;

CREATE TRIGGER payment_batch_file_no_delete BEFORE DELETE ON payment_batch_file
    BEGIN SELECT RAISE(ABORT, 'an exported file is never deleted'); END;

CREATE TRIGGER payment_batch_fixed BEFORE UPDATE OF id, payer_kind, payer_id, cut_off_date, originator, total_pence,
    payment_count, held, created_by, created_at ON payment_batch
    BEGIN SELECT RAISE(ABORT, 'a payment batch''s contents are fixed once created'); END;

CREATE TRIGGER payment_batch_no_delete BEFORE DELETE ON payment_batch
    BEGIN SELECT RAISE(ABORT, 'payment batches are never deleted'); END;

CREATE TRIGGER payment_fixed BEFORE UPDATE OF id, batch_id, provider_id, bank_account_id, amount_pence, reference ON payment
    BEGIN SELECT RAISE(ABORT, 'a payment is fixed once created'); END;

CREATE TRIGGER payment_item_fixed BEFORE UPDATE OF payment_id, invoice_id, credit_note_id, amount_pence ON payment_item
    BEGIN SELECT RAISE(ABORT, 'what a payment settles is fixed'); END;

CREATE TRIGGER payment_item_never_relive BEFORE UPDATE OF live ON payment_item WHEN new.live > old.live
    BEGIN SELECT RAISE(ABORT, 'a released item is never taken back; a new batch takes the document'); END;

CREATE TRIGGER payment_item_no_delete BEFORE DELETE ON payment_item
    BEGIN SELECT RAISE(ABORT, 'payment items are never deleted'); END;

CREATE TRIGGER payment_matches_items BEFORE INSERT ON payment
    WHEN new.amount_pence IS NOT (SELECT sum(amount_pence) FROM payment_item WHERE payment_id = new.id)
    BEGIN SELECT RAISE(ABORT, 'a payment''s amount is what it settles'); END;

CREATE TRIGGER payment_no_delete BEFORE DELETE ON payment
    BEGIN SELECT RAISE(ABORT, 'payments are never deleted'); END;

CREATE TRIGGER payment_to_verified_details BEFORE INSERT ON payment
    WHEN new.bank_account_id IS NOT (SELECT id FROM bank_account WHERE provider_id = new.provider_id ORDER BY version DESC LIMIT 1)
      OR NOT EXISTS (SELECT 1 FROM bank_account_verification v JOIN payment_batch b ON b.id = new.batch_id
            WHERE v.bank_account_id = new.bank_account_id AND v.payer_id = b.payer_id)
    BEGIN SELECT RAISE(ABORT, 'a payment goes only to the provider''s current bank details, verified by the payer'); END;

CREATE TRIGGER prohibited_spend_fixed BEFORE UPDATE OF id, council_id, category, offering_id, reason, added_by,
    added_at ON prohibited_spend
    BEGIN SELECT RAISE(ABORT, 'an entry of a prohibited-spend list never changes: withdraw it and add another'); END;

CREATE TRIGGER prohibited_spend_no_delete BEFORE DELETE ON prohibited_spend
    BEGIN SELECT RAISE(ABORT, 'prohibited-spend entries are withdrawn, never deleted'); END;

CREATE TRIGGER prohibited_spend_withdrawn_once BEFORE UPDATE OF withdrawn_at ON prohibited_spend
    WHEN OLD.withdrawn_at IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'the entry is withdrawn already'); END;

CREATE TRIGGER rating_counts AFTER INSERT ON rating WHEN new.removed_at IS NULL BEGIN
    UPDATE provider_store SET rating_count = rating_count + 1, rating_sum = rating_sum + new.stars
        WHERE organisation_id = new.provider_id;
END;

CREATE TRIGGER rating_edit_keeps_the_last BEFORE UPDATE OF stars, comment ON rating BEGIN
    SELECT RAISE(ABORT, 'an edit of a rating steps its version by one') WHERE new.version IS NOT old.version + 1;
    INSERT INTO rating_version (rating_id, version, stars, comment, written_at)
        VALUES (old.id, old.version, old.stars, old.comment, old.updated_at);
END;

CREATE TRIGGER rating_fixed BEFORE UPDATE OF id, order_id, provider_id, budget_holder_id, rater_council_id, category,
    created_by, created_at ON rating
    BEGIN SELECT RAISE(ABORT, 'who rated what is fixed'); END;

CREATE TRIGGER rating_no_delete BEFORE DELETE ON rating
    BEGIN SELECT RAISE(ABORT, 'ratings are removed by moderation, never deleted'); END;

CREATE TRIGGER rating_recounts AFTER UPDATE OF stars, removed_at ON rating BEGIN
    UPDATE provider_store SET
        rating_count = rating_count - (old.removed_at IS NULL) + (new.removed_at IS NULL),
        rating_sum = rating_sum - CASE WHEN old.removed_at IS NULL THEN old.stars ELSE 0 END
            + CASE WHEN new.removed_at IS NULL THEN new.stars ELSE 0 END
        WHERE organisation_id = new.provider_id;
END;

CREATE TRIGGER rating_removed_for_good BEFORE UPDATE OF removed_at ON rating WHEN old.removed_at IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'a removed rating stays removed'); END;

CREATE TRIGGER rating_version_fixed BEFORE UPDATE ON rating_version
    BEGIN SELECT RAISE(ABORT, 'earlier versions of a rating are kept as they were'); END;

CREATE TRIGGER rating_version_no_delete BEFORE DELETE ON rating_version
    BEGIN SELECT RAISE(ABORT, 'earlier versions of a rating are kept as they were'); END;

CREATE TRIGGER search_change_offering_insert AFTER INSERT ON offering WHEN new.status = 'published' BEGIN
    INSERT INTO search_change (offering_seq) VALUES (new.seq);
END;

CREATE TRIGGER search_change_offering_update AFTER UPDATE ON offering
    WHEN old.status = 'published' OR new.status = 'published' BEGIN
    INSERT INTO search_change (offering_seq) VALUES (new.seq);
END;

CREATE TRIGGER search_change_rate_insert AFTER INSERT ON council_rate BEGIN
    INSERT INTO search_change (offering_seq) SELECT seq FROM offering WHERE id = new.offering_id;
END;

CREATE TRIGGER search_change_rate_update AFTER UPDATE ON council_rate BEGIN
    INSERT INTO search_change (offering_seq) SELECT seq FROM offering WHERE id = new.offering_id;
END;

CREATE TRIGGER search_change_registration_delete AFTER DELETE ON regulator_registration BEGIN
    INSERT INTO search_change (provider_id) VALUES (old.provider_id);
END;

CREATE TRIGGER search_change_registration_insert AFTER INSERT ON regulator_registration BEGIN
    INSERT INTO search_change (provider_id) VALUES (new.provider_id);
END;

CREATE TRIGGER search_change_registration_update AFTER UPDATE ON regulator_registration BEGIN
    INSERT INTO search_change (provider_id) VALUES (new.provider_id);
END;

CREATE TRIGGER search_change_store_insert AFTER INSERT ON provider_store BEGIN
    INSERT INTO search_change (provider_id) VALUES (new.organisation_id);
END;

CREATE TRIGGER search_change_store_name AFTER UPDATE OF name ON organisation
    WHEN new.name IS NOT old.name AND EXISTS (SELECT 1 FROM provider_store WHERE organisation_id = new.id) BEGIN
    INSERT INTO search_change (provider_id) VALUES (new.id);
END;

CREATE TRIGGER search_change_store_update AFTER UPDATE OF provider_type, rating_count, rating_sum ON provider_store BEGIN
    INSERT INTO search_change (provider_id) VALUES (new.organisation_id);
END;

CREATE TRIGGER spend_fact_from_ledger AFTER INSERT ON ledger_entry
    WHEN new.kind IN ('spend', 'reversal') AND new.delivery_id IS NOT NULL
BEGIN
    INSERT INTO spend_fact SELECT h.council_id, substr(new.occurred_at, 1, 10), new.id, new.budget_holder_id,
    CASE new.kind WHEN 'spend' THEN new.amount_pence ELSE -new.amount_pence END,
    l.price_source, l.category, l.unit, o.provider_id, coalesce(p.provider_type, 'unknown'), s.source, s.management_option
FROM budget_holder h
JOIN funding_stream s ON s.id = new.stream_id
JOIN delivery d ON d.id = new.delivery_id
JOIN order_line l ON l.order_id = d.order_id AND l.line_number = d.line_number
JOIN purchase_order o ON o.id = d.order_id
LEFT JOIN provider_store p ON p.organisation_id = o.provider_id
WHERE h.council_id IS NOT NULL AND h.id = new.budget_holder_id;
END;

CREATE TRIGGER spend_fact_no_delete BEFORE DELETE ON spend_fact
    BEGIN SELECT RAISE(ABORT, 'spend_fact is append-only'); END;

CREATE TRIGGER spend_fact_no_update BEFORE UPDATE ON spend_fact
    BEGIN SELECT RAISE(ABORT, 'spend_fact is append-only'); END;

CREATE TRIGGER webhook_attempt_append_only BEFORE UPDATE ON webhook_attempt
    BEGIN SELECT RAISE(ABORT, 'attempts are recorded once'); END;
