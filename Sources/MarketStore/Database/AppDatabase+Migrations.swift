import GRDB

extension AppDatabase {
    /// Every schema change, in order. A migration is never edited once it has landed on `main`:
    /// add a new one instead. Tables are STRICT; `CHECK` constraints refuse what must never be
    /// stored, whatever the Swift code does.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-accounts") { db in
            try db.execute(sql: """
                CREATE TABLE council (
                    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'cnc_*'),
                    name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
                    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 16),
                    created_at TEXT NOT NULL
                ) STRICT;

                CREATE TABLE organisation (
                    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'org_*'),
                    kind TEXT NOT NULL CHECK (kind IN ('provider', 'community', 'broker')),
                    name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
                    created_at TEXT NOT NULL,
                    UNIQUE (id, kind)
                ) STRICT;

                -- organisation_kind repeats organisation.kind so that the composite foreign key
                -- lets SQLite itself refuse a provider user in a broker organisation.
                CREATE TABLE user (
                    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'usr_*'),
                    email TEXT NOT NULL UNIQUE
                        CHECK (email = lower(trim(email)) AND length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
                    display_name TEXT NOT NULL CHECK (length(trim(display_name)) BETWEEN 1 AND 120),
                    password_hash TEXT NOT NULL CHECK (password_hash GLOB '$2*'),
                    role TEXT NOT NULL CHECK (role IN ('platform_admin', 'council_admin', 'commissioner',
                        'finance', 'provider', 'broker', 'budget_holder', 'community_publisher')),
                    council_id TEXT REFERENCES council(id),
                    organisation_id TEXT,
                    organisation_kind TEXT,
                    created_at TEXT NOT NULL,
                    FOREIGN KEY (organisation_id, organisation_kind) REFERENCES organisation(id, kind),
                    CHECK ((organisation_id IS NULL) = (organisation_kind IS NULL)),
                    CHECK (CASE role
                        WHEN 'platform_admin' THEN council_id IS NULL AND organisation_id IS NULL
                        WHEN 'council_admin' THEN council_id IS NOT NULL AND organisation_id IS NULL
                        WHEN 'commissioner' THEN council_id IS NOT NULL AND organisation_id IS NULL
                        WHEN 'finance' THEN council_id IS NOT NULL AND organisation_id IS NULL
                        WHEN 'provider' THEN organisation_kind = 'provider' AND council_id IS NULL
                        WHEN 'broker' THEN organisation_kind = 'broker' AND council_id IS NULL
                        WHEN 'community_publisher' THEN organisation_kind = 'community' AND council_id IS NULL
                        WHEN 'budget_holder' THEN organisation_id IS NULL
                    END)
                ) STRICT;
                CREATE INDEX user_council ON user(council_id) WHERE council_id IS NOT NULL;
                CREATE INDEX user_organisation ON user(organisation_id) WHERE organisation_id IS NOT NULL;

                -- Bearer tokens: only the SHA-256 of the token is stored.
                CREATE TABLE access_token (
                    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'tok_*'),
                    user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
                    created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL CHECK (expires_at > created_at),
                    revoked_at TEXT
                ) STRICT;
                CREATE INDEX access_token_user ON access_token(user_id);

                -- Failed logins per email, keyed by the email's SHA-256 so that mistyped
                -- addresses of strangers are not kept.
                CREATE TABLE login_throttle (
                    email_hash TEXT PRIMARY KEY NOT NULL CHECK (length(email_hash) = 64),
                    failure_count INTEGER NOT NULL CHECK (failure_count >= 1),
                    window_started_at TEXT NOT NULL,
                    locked_until TEXT
                ) STRICT, WITHOUT ROWID;

                -- The stored answer of an idempotent POST, per caller and key, written in the
                -- same transaction as the action it guards.
                CREATE TABLE idempotency_record (
                    user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
                    request_fingerprint TEXT NOT NULL CHECK (length(request_fingerprint) = 64),
                    response TEXT NOT NULL CHECK (json_valid(response)),
                    created_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, idempotency_key)
                ) STRICT, WITHOUT ROWID;

                -- Who did what, append-only: the triggers refuse edits and deletions.
                CREATE TABLE audit_event (
                    id INTEGER PRIMARY KEY,
                    occurred_at TEXT NOT NULL,
                    actor_user_id TEXT REFERENCES user(id),
                    action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
                    subject_type TEXT NOT NULL,
                    subject_id TEXT NOT NULL,
                    details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
                ) STRICT;
                CREATE INDEX audit_event_subject ON audit_event(subject_type, subject_id);
                CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
                    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;
                CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
                    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;
                """)
        }
        migrator.registerMigration("v2-community") { db in
            try db.execute(sql: """
                ALTER TABLE council ADD COLUMN community_stale_after_days INTEGER NOT NULL DEFAULT 180
                    CHECK (community_stale_after_days BETWEEN 1 AND 3650);

                -- One JSON document per resource (`details`, the Codable CommunityResourceDetails);
                -- the columns that are filtered or searched are generated from it, so they cannot
                -- disagree with it. `seq` is a stable rowid for the full-text index.
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
                CREATE INDEX community_resource_organisation ON community_resource(organisation_id);
                CREATE INDEX community_resource_council ON community_resource(council_id);
                CREATE INDEX community_resource_publisher_council ON community_resource(publisher_council_id);

                CREATE VIRTUAL TABLE community_resource_fts USING fts5(
                    title, description, content = 'community_resource', content_rowid = 'seq',
                    tokenize = 'porter unicode61 remove_diacritics 2');
                CREATE TRIGGER community_resource_fts_insert AFTER INSERT ON community_resource BEGIN
                    INSERT INTO community_resource_fts(rowid, title, description)
                        VALUES (new.seq, new.title, new.description);
                END;
                CREATE TRIGGER community_resource_fts_delete AFTER DELETE ON community_resource BEGIN
                    INSERT INTO community_resource_fts(community_resource_fts, rowid, title, description)
                        VALUES ('delete', old.seq, old.title, old.description);
                END;
                CREATE TRIGGER community_resource_fts_update AFTER UPDATE ON community_resource BEGIN
                    INSERT INTO community_resource_fts(community_resource_fts, rowid, title, description)
                        VALUES ('delete', old.seq, old.title, old.description);
                    INSERT INTO community_resource_fts(rowid, title, description)
                        VALUES (new.seq, new.title, new.description);
                END;

                -- Views and click-throughs per resource per day; no personal data.
                CREATE TABLE community_usage (
                    resource_id TEXT NOT NULL REFERENCES community_resource(id) ON DELETE CASCADE,
                    day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    views INTEGER NOT NULL DEFAULT 0 CHECK (views >= 0),
                    click_throughs INTEGER NOT NULL DEFAULT 0 CHECK (click_throughs >= 0),
                    PRIMARY KEY (resource_id, day)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3-catalogue") { db in
            try db.execute(sql: """
                -- A provider's store: one row per provider organisation, whose name is the store's.
                -- organisation_kind pins the row to a provider through the composite foreign key.
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
                -- Providers onboarded before stores existed get an empty store; their staff state its type.
                INSERT INTO provider_store (organisation_id, updated_at)
                    SELECT id, created_at FROM organisation WHERE kind = 'provider';

                -- `seq` is the stable key of listing order and the full-text index's rowid.
                -- `tags` are OfferingAttributes.searchTags, written with the attributes they come from.
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
                CREATE INDEX offering_provider ON offering(provider_id, seq);

                -- The searchable catalogue: compact rows, area and tag lists and the full-text index
                -- of published offerings only, kept by the triggers below. Searches filter and order
                -- these small rows and fetch the full offering for the one page they answer.
                CREATE TABLE offering_listing (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL,
                    provider_id TEXT NOT NULL,
                    category TEXT NOT NULL,
                    public_price_pence INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX offering_listing_category ON offering_listing(category, seq);
                CREATE INDEX offering_listing_price ON offering_listing(public_price_pence, seq);
                CREATE INDEX offering_listing_provider ON offering_listing(provider_id, seq);
                -- Category is repeated here so that "this category in this area" is one index range.
                CREATE TABLE offering_area (
                    district TEXT NOT NULL,
                    category TEXT NOT NULL,
                    offering_seq INTEGER NOT NULL,
                    PRIMARY KEY (district, category, offering_seq)
                ) STRICT, WITHOUT ROWID;
                CREATE TABLE offering_tag (
                    tag TEXT NOT NULL,
                    offering_seq INTEGER NOT NULL,
                    PRIMARY KEY (tag, offering_seq)
                ) STRICT, WITHOUT ROWID;
                -- External content: never 'rebuild' it, which would index drafts too.
                CREATE VIRTUAL TABLE offering_fts USING fts5(
                    title, description, content = 'offering', content_rowid = 'seq',
                    tokenize = 'porter unicode61 remove_diacritics 2');

                -- Every public price an offering has had, append-only, written by the schema itself.
                CREATE TABLE offering_price (
                    id INTEGER PRIMARY KEY,
                    offering_id TEXT NOT NULL REFERENCES offering(id),
                    public_price_pence INTEGER NOT NULL CHECK (public_price_pence BETWEEN 1 AND 10000000),
                    effective_from TEXT NOT NULL
                ) STRICT;
                CREATE INDEX offering_price_offering ON offering_price(offering_id, id);
                CREATE TRIGGER offering_price_no_update BEFORE UPDATE ON offering_price
                    BEGIN SELECT RAISE(ABORT, 'offering_price is append-only'); END;
                CREATE TRIGGER offering_price_no_delete BEFORE DELETE ON offering_price
                    BEGIN SELECT RAISE(ABORT, 'offering_price is append-only'); END;
                CREATE TRIGGER offering_price_insert AFTER INSERT ON offering BEGIN
                    INSERT INTO offering_price (offering_id, public_price_pence, effective_from)
                        VALUES (new.id, new.public_price_pence, new.created_at);
                END;
                CREATE TRIGGER offering_price_update AFTER UPDATE OF public_price_pence ON offering
                    WHEN new.public_price_pence <> old.public_price_pence BEGIN
                    INSERT INTO offering_price (offering_id, public_price_pence, effective_from)
                        VALUES (new.id, new.public_price_pence, new.updated_at);
                END;

                -- One trigger per event keeps the removal of the old listing before the new one
                -- (SQLite does not order separate triggers).
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

                -- A council's agreed rate for one offering over a range of days (valid_to inclusive,
                -- NULL open-ended). The triggers refuse overlapping ranges for one council and offering,
                -- so at most one rate applies on any day.
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
                CREATE INDEX council_rate_lookup ON council_rate(council_id, offering_id, valid_from);
                CREATE INDEX council_rate_offering ON council_rate(offering_id);
                CREATE TRIGGER council_rate_no_overlap BEFORE INSERT ON council_rate
                    WHEN EXISTS (SELECT 1 FROM council_rate r
                        WHERE r.council_id = new.council_id AND r.offering_id = new.offering_id
                          AND r.valid_from <= coalesce(new.valid_to, '9999-12-31')
                          AND new.valid_from <= coalesce(r.valid_to, '9999-12-31'))
                    BEGIN SELECT RAISE(ABORT, 'council_rate validity overlaps another rate'); END;
                -- Only the end of a rate may change (a council ends an agreement early).
                CREATE TRIGGER council_rate_fixed_terms BEFORE UPDATE OF id, council_id, offering_id, rate_pence,
                    valid_from, created_by, created_at ON council_rate
                    BEGIN SELECT RAISE(ABORT, 'a council rate''s terms are fixed; agree a new one'); END;
                CREATE TRIGGER council_rate_no_overlap_on_end BEFORE UPDATE OF valid_to ON council_rate
                    WHEN EXISTS (SELECT 1 FROM council_rate r
                        WHERE r.id <> new.id AND r.council_id = new.council_id AND r.offering_id = new.offering_id
                          AND r.valid_from <= coalesce(new.valid_to, '9999-12-31')
                          AND new.valid_from <= coalesce(r.valid_to, '9999-12-31'))
                    BEGIN SELECT RAISE(ABORT, 'council_rate validity overlaps another rate'); END;
                CREATE TRIGGER council_rate_no_delete BEFORE DELETE ON council_rate
                    BEGIN SELECT RAISE(ABORT, 'council rates are ended, never deleted'); END;

                -- What people searched for, without personal data: no user, no text, no address.
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
                CREATE INDEX search_demand_council_time ON search_demand(council_id, occurred_at);
                """)
        }
        migrator.registerMigration("v4-budgets-orders") { db in
            try db.execute(sql: """
                -- A person with an individual budget: funded by a council, or self-funded (no council).
                -- user_id links their own citizen account, when they have one.
                CREATE TABLE budget_holder (
                    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'bdh_*'),
                    display_name TEXT NOT NULL CHECK (length(trim(display_name)) BETWEEN 1 AND 120),
                    council_id TEXT REFERENCES council(id),
                    user_id TEXT UNIQUE REFERENCES user(id),
                    created_by TEXT REFERENCES user(id),
                    created_at TEXT NOT NULL
                ) STRICT;
                CREATE INDEX budget_holder_council ON budget_holder(council_id, id) WHERE council_id IS NOT NULL;
                -- A linked account is a budget holder's, of the same council (or none for a self-funder).
                CREATE TRIGGER budget_holder_account BEFORE INSERT ON budget_holder WHEN new.user_id IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM user WHERE id = new.user_id AND role = 'budget_holder'
                        AND council_id IS new.council_id)
                    BEGIN SELECT RAISE(ABORT, 'a linked account must be a budget holder of the same council'); END;
                CREATE TRIGGER budget_holder_fixed BEFORE UPDATE OF id, council_id, user_id ON budget_holder
                    BEGIN SELECT RAISE(ABORT, 'a budget holder''s council and account are fixed'); END;

                -- One stream of an individual budget. The balance columns are a cache of the stream's
                -- ledger, kept by the ledger_entry_apply trigger in the same transaction as each entry.
                -- The CHECK makes overspending impossible whatever the Swift code does.
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
                CREATE INDEX funding_stream_holder ON funding_stream(budget_holder_id, seq);
                CREATE TRIGGER funding_stream_fixed_terms BEFORE UPDATE OF id, budget_holder_id, source, management_option,
                    managing_organisation_id, fund_holder, period_from, period_to, restricted_to_categories, created_at
                    ON funding_stream
                    BEGIN SELECT RAISE(ABORT, 'a funding stream''s terms are fixed'); END;
                CREATE TRIGGER funding_stream_no_delete BEFORE DELETE ON funding_stream
                    BEGIN SELECT RAISE(ABORT, 'funding streams are never deleted'); END;

                -- Rights over a holder's budget, for a broker organisation or a named user. View is implied.
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
                CREATE INDEX delegation_holder ON delegation(budget_holder_id);
                CREATE INDEX delegation_grantee_user ON delegation(grantee_user_id) WHERE grantee_user_id IS NOT NULL;
                CREATE INDEX delegation_grantee_organisation ON delegation(grantee_organisation_id)
                    WHERE grantee_organisation_id IS NOT NULL;

                -- An order from one provider for one holder, paid from one stream.
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
                ) STRICT;
                CREATE INDEX purchase_order_holder ON purchase_order(budget_holder_id, seq);
                CREATE INDEX purchase_order_provider ON purchase_order(provider_id, seq);

                -- Prices captured when the order was placed; quantities in hundredths of a unit.
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
                CREATE TRIGGER order_line_fixed BEFORE UPDATE ON order_line
                    BEGIN SELECT RAISE(ABORT, 'order lines are fixed once placed'); END;

                CREATE TABLE delivery (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'dlv_*'),
                    order_id TEXT NOT NULL,
                    line_number INTEGER NOT NULL,
                    delivered_on TEXT NOT NULL CHECK (delivered_on GLOB '2[0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                    quantity_hundredths INTEGER NOT NULL CHECK (quantity_hundredths > 0),
                    amount_pence INTEGER NOT NULL CHECK (amount_pence >= 0),
                    status TEXT NOT NULL CHECK (status IN ('recorded', 'confirmed', 'disputed')),
                    dispute_reason TEXT CHECK (length(dispute_reason) <= 2000),
                    recorded_by TEXT NOT NULL REFERENCES user(id),
                    recorded_at TEXT NOT NULL,
                    decided_by TEXT REFERENCES user(id),
                    decided_at TEXT,
                    FOREIGN KEY (order_id, line_number) REFERENCES order_line(order_id, line_number)
                ) STRICT;
                CREATE INDEX delivery_order ON delivery(order_id, line_number);
                -- Never more delivered than ordered, in quantity or in money.
                CREATE TRIGGER delivery_within_order BEFORE INSERT ON delivery
                    WHEN (SELECT coalesce(sum(d.quantity_hundredths), 0) FROM delivery d
                            WHERE d.order_id = new.order_id AND d.line_number = new.line_number) + new.quantity_hundredths
                        > (SELECT l.quantity_hundredths * coalesce(o.weeks, 1) FROM order_line l
                            JOIN purchase_order o ON o.id = l.order_id
                            WHERE l.order_id = new.order_id AND l.line_number = new.line_number)
                      OR (SELECT coalesce(sum(d.amount_pence), 0) FROM delivery d
                            WHERE d.order_id = new.order_id AND d.line_number = new.line_number) + new.amount_pence
                        > (SELECT line_total_pence FROM order_line WHERE order_id = new.order_id AND line_number = new.line_number)
                    BEGIN SELECT RAISE(ABORT, 'a delivery may not exceed what was ordered'); END;
                CREATE TRIGGER delivery_fixed BEFORE UPDATE OF id, order_id, line_number, delivered_on, quantity_hundredths,
                    amount_pence, recorded_by, recorded_at ON delivery
                    BEGIN SELECT RAISE(ABORT, 'a delivery''s record is fixed'); END;

                -- Every movement of money, append-only. The changes per kind are fixed by the CHECK; the
                -- trigger below applies each entry to its stream's cached balance.
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
                CREATE INDEX ledger_entry_holder ON ledger_entry(budget_holder_id, id);
                CREATE INDEX ledger_entry_stream ON ledger_entry(stream_id, id);
                CREATE INDEX ledger_entry_order ON ledger_entry(order_id) WHERE order_id IS NOT NULL;
                CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
                    BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END;
                CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry
                    BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END;
                CREATE TRIGGER ledger_entry_holder_matches BEFORE INSERT ON ledger_entry
                    WHEN NOT EXISTS (SELECT 1 FROM funding_stream WHERE id = new.stream_id AND budget_holder_id = new.budget_holder_id)
                    BEGIN SELECT RAISE(ABORT, 'a ledger entry''s holder is its stream''s holder'); END;
                CREATE TRIGGER ledger_entry_apply AFTER INSERT ON ledger_entry BEGIN
                    UPDATE funding_stream SET
                        allocated_pence = allocated_pence + new.allocated_change_pence,
                        committed_pence = committed_pence + new.committed_change_pence,
                        spent_pence = spent_pence + new.spent_change_pence
                    WHERE id = new.stream_id;
                END;

                -- The transactional outbox: events written with the change they announce.
                CREATE TABLE outbox_event (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'evt_*'),
                    type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
                    occurred_at TEXT NOT NULL,
                    payload TEXT NOT NULL CHECK (json_valid(payload)),
                    dispatched_at TEXT
                ) STRICT;
                CREATE INDEX outbox_event_pending ON outbox_event(seq) WHERE dispatched_at IS NULL;
                """)
        }
        migrator.registerMigration("v5-deliveries-as-they-happen", migrate: migrateDeliveriesAsTheyHappen)
        migrator.registerMigration("v6-billing", migrate: migrateBilling)
        migrator.registerMigration("v7-peppol-participants") { db in
            // Where providers and councils take part in Peppol, for the e-invoices.
            try db.execute(sql: """
                ALTER TABLE billing_profile ADD COLUMN peppol_id TEXT CHECK (peppol_id GLOB '[0-9][0-9][0-9][0-9]:?*');
                ALTER TABLE council_billing ADD COLUMN peppol_id TEXT CHECK (peppol_id GLOB '[0-9][0-9][0-9][0-9]:?*');
                """)
        }
        migrator.registerMigration("v8-invoice-supplier") { db in
            // The provider's billing profile as it was when the invoice was issued: an issued
            // invoice's documents never change with a later edit of the profile.
            try db.execute(sql: """
                ALTER TABLE invoice ADD COLUMN supplier TEXT CHECK (supplier IS NULL OR json_valid(supplier));
                DROP TRIGGER invoice_fixed;
                CREATE TRIGGER invoice_fixed BEFORE UPDATE OF id, provider_id, sequence_number, number, payer_kind,
                    payer_council_id, payer_organisation_id, payer_budget_holder_id, council_id, period_start, period_end,
                    issue_date, due_date, total_pence, line_count, run_id, created_at, supplier ON invoice
                    BEGIN SELECT RAISE(ABORT, 'an invoice is fixed once issued; corrections are credit notes'); END;
                """)
        }
        migrator.registerMigration("v9-payments", migrate: migratePayments)
        migrator.registerMigration("v10-ratings", migrate: migrateRatings)
        migrator.registerMigration("v11-safeguarding", migrate: migrateSafeguarding)
        migrator.registerMigration("v12-regulation", migrate: migrateRegulation)
        migrator.registerMigration("v13-prohibited-spend", migrate: migrateProhibitedSpend)
        migrator.registerMigration("v14-webhooks", migrate: migrateWebhooks)
        migrator.registerMigration("v15-report-facts", migrate: migrateReportFacts)
        migrator.registerMigration("v16-search-changes", migrate: migrateSearchChanges)
        migrator.registerMigration("v17-second-person", migrate: migrateSecondPerson)
        migrator.registerMigration("v18-second-factors", migrate: migrateSecondFactors)
        migrator.registerMigration("v19-invitations", migrate: migrateInvitations)
        migrator.registerMigration("v20-known-devices", migrate: migrateKnownDevices)
        migrator.registerMigration("v21-role-grants", migrate: migrateRoleGrants)
        migrator.registerMigration("v22-replays", migrate: migrateReplays)
        return migrator
    }
}
