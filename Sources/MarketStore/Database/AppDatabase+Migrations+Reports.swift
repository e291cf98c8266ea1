import GRDB

extension AppDatabase {
    /// v15: `spend_fact`, the reports' copy of every spend and reversal of a council's budget
    /// holders, with what it bought and from whom, clustered by council and day so that a report
    /// reads one council's period as one range instead of joining six tables per ledger entry.
    ///
    /// Written only by a trigger on `ledger_entry` (append-only, like the ledger), in the same
    /// transaction, so it is exact by construction; the provider's type is the one it had when the
    /// money was spent. Self-funders' spend (no council) is not a council's to report and is left
    /// out. Existing entries are copied in by the migration. A test compares it with a recount.
    /// `order_fact` is the same for orders, one row per line, for order flow and supply gaps: written
    /// with each line, and following its order's acceptance, decline or cancellation.
    /// Ratings are indexed by the rater's council and day, as the ratings report reads them, and
    /// ledger entries by time, as the audit export pages through them.
    static func migrateReportFacts(_ db: Database) throws {
        try db.execute(sql: """
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
            CREATE TRIGGER spend_fact_no_update BEFORE UPDATE ON spend_fact
                BEGIN SELECT RAISE(ABORT, 'spend_fact is append-only'); END;
            CREATE TRIGGER spend_fact_no_delete BEFORE DELETE ON spend_fact
                BEGIN SELECT RAISE(ABORT, 'spend_fact is append-only'); END;
            CREATE TRIGGER spend_fact_from_ledger AFTER INSERT ON ledger_entry
                WHEN new.kind IN ('spend', 'reversal') AND new.delivery_id IS NOT NULL
            BEGIN
                INSERT INTO spend_fact \(spendFactSelect.replacingOccurrences(of: "e.", with: "new.")) h.id = new.budget_holder_id;
            END;
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
            CREATE INDEX order_fact_order ON order_fact(order_seq);
            CREATE TRIGGER order_fact_from_line AFTER INSERT ON order_line BEGIN
                INSERT INTO order_fact \(orderFactSelect) o.id = new.order_id;
            END;
            CREATE TRIGGER order_fact_follows_order AFTER UPDATE OF accepted_at, declined_at, cancelled_at ON purchase_order BEGIN
                UPDATE order_fact SET accepted_at = new.accepted_at, declined_at = new.declined_at, cancelled_at = new.cancelled_at
                    WHERE order_seq = new.seq;
            END;
            INSERT INTO order_fact \(orderFactSelect.replacingOccurrences(of: "new.", with: "l.").replacingOccurrences(of: "FROM purchase_order o", with: "FROM order_line l JOIN purchase_order o ON o.id = l.order_id")) 1;
            CREATE INDEX rating_rater_council ON rating(rater_council_id, created_at) WHERE rater_council_id IS NOT NULL;
            CREATE INDEX ledger_entry_time ON ledger_entry(occurred_at, id);
            INSERT INTO spend_fact \(spendFactSelect.replacingOccurrences(of: "FROM budget_holder h", with: "FROM ledger_entry e, budget_holder h"))
                h.id = e.budget_holder_id AND e.kind IN ('spend', 'reversal') AND e.delivery_id IS NOT NULL;
            """)
    }

    /// One order line `new` as a fact: its order's council, time, holder, provider type and
    /// what became of the order.
    static let orderFactSelect = """
        SELECT h.council_id, o.placed_at, o.seq, new.line_number, o.budget_holder_id, coalesce(p.provider_type, 'unknown'), new.category,
            o.accepted_at, o.declined_at, o.cancelled_at
        FROM purchase_order o
        JOIN budget_holder h ON h.id = o.budget_holder_id
        LEFT JOIN provider_store p ON p.organisation_id = o.provider_id
        WHERE h.council_id IS NOT NULL AND
        """

    /// One ledger entry `e` as a fact: its holder's council, day and amount (a reversal negative),
    /// the order line it paid for, the provider and its type, the stream's source and option.
    static let spendFactSelect = """
        SELECT h.council_id, substr(e.occurred_at, 1, 10), e.id, e.budget_holder_id,
            CASE e.kind WHEN 'spend' THEN e.amount_pence ELSE -e.amount_pence END,
            l.price_source, l.category, l.unit, o.provider_id, coalesce(p.provider_type, 'unknown'), s.source, s.management_option
        FROM budget_holder h
        JOIN funding_stream s ON s.id = e.stream_id
        JOIN delivery d ON d.id = e.delivery_id
        JOIN order_line l ON l.order_id = d.order_id AND l.line_number = d.line_number
        JOIN purchase_order o ON o.id = d.order_id
        LEFT JOIN provider_store p ON p.organisation_id = o.provider_id
        WHERE h.council_id IS NOT NULL AND
        """
}
