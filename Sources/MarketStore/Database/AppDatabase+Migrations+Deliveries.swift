import GRDB

extension AppDatabase {
    /// v5: deliveries as they happen, and what the retention service deletes.
    ///
    /// - Deliveries keep each decision's time and who made it (`confirmed_*`, `disputed_*`), can be
    ///   voided (`voided_*`, a status of its own that counts for nothing), carry a short note, and
    ///   a confirmed or voided delivery is final. The table is rebuilt (SQLite cannot change a
    ///   CHECK in place); `decided_*` becomes `confirmed_*` or `disputed_*` by the status it
    ///   decided, and a dispute later confirmed gets its time from the audit trail.
    /// - Orders keep when they were accepted, declined, cancelled and completed, filled in for
    ///   existing orders from the audit trail.
    /// - Indexes for deleting expired idempotency keys and spent tokens.
    static func migrateDeliveriesAsTheyHappen(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE new_delivery (
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
                voided_at TEXT,
                CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL)),
                CHECK ((status = 'voided') = (voided_at IS NOT NULL)),
                FOREIGN KEY (order_id, line_number) REFERENCES order_line(order_id, line_number)
            ) STRICT;
            INSERT INTO new_delivery (seq, id, order_id, line_number, delivered_on, quantity_hundredths, amount_pence,
                status, dispute_reason, recorded_by, recorded_at, confirmed_by, confirmed_at, disputed_by, disputed_at)
            SELECT seq, id, order_id, line_number, delivered_on, quantity_hundredths, amount_pence,
                status, dispute_reason, recorded_by, recorded_at,
                CASE WHEN status = 'confirmed' THEN decided_by END, CASE WHEN status = 'confirmed' THEN decided_at END,
                CASE WHEN status = 'disputed' THEN decided_by END, CASE WHEN status = 'disputed' THEN decided_at END
            FROM delivery;
            UPDATE new_delivery SET disputed_at = a.occurred_at, disputed_by = a.actor_user_id
            FROM (SELECT subject_id, max(occurred_at) AS occurred_at, actor_user_id FROM audit_event
                  WHERE subject_type = 'delivery' AND action = 'delivery.disputed' GROUP BY subject_id) AS a
            WHERE a.subject_id = new_delivery.id AND new_delivery.disputed_at IS NULL;
            DROP TABLE delivery;
            ALTER TABLE new_delivery RENAME TO delivery;
            CREATE INDEX delivery_order ON delivery(order_id, line_number);

            -- Never more delivered than ordered, in quantity or in money; voided deliveries count for nothing.
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
            CREATE TRIGGER delivery_fixed BEFORE UPDATE OF id, order_id, line_number, delivered_on, quantity_hundredths,
                amount_pence, note, recorded_by, recorded_at ON delivery
                BEGIN SELECT RAISE(ABORT, 'a delivery''s record is fixed'); END;
            CREATE TRIGGER delivery_final BEFORE UPDATE OF status ON delivery
                WHEN old.status IN ('confirmed', 'voided') AND new.status <> old.status
                BEGIN SELECT RAISE(ABORT, 'a confirmed or voided delivery is final'); END;
            CREATE TRIGGER delivery_no_delete BEFORE DELETE ON delivery
                BEGIN SELECT RAISE(ABORT, 'deliveries are voided, never deleted'); END;

            ALTER TABLE purchase_order ADD COLUMN accepted_at TEXT;
            ALTER TABLE purchase_order ADD COLUMN declined_at TEXT;
            ALTER TABLE purchase_order ADD COLUMN cancelled_at TEXT;
            ALTER TABLE purchase_order ADD COLUMN completed_at TEXT;
            """)
        for status in ["accepted", "declined", "cancelled", "completed"] {
            try db.execute(sql: """
                UPDATE purchase_order SET \(status)_at = a.occurred_at
                FROM (SELECT subject_id, min(occurred_at) AS occurred_at FROM audit_event
                      WHERE subject_type = 'order' AND action = 'order.\(status)' GROUP BY subject_id) AS a
                WHERE a.subject_id = purchase_order.id
                """)
        }
        try db.execute(sql: """
            CREATE INDEX idempotency_record_created ON idempotency_record(created_at);
            CREATE INDEX access_token_expires ON access_token(expires_at);
            CREATE INDEX access_token_revoked ON access_token(revoked_at) WHERE revoked_at IS NOT NULL;
            """)
    }
}
