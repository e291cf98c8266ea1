import Foundation
import GRDB

// The storage ceiling for placing an order, for bench/orders.sh: the rows one placement writes
// (order, line, reservation entry whose trigger updates the stream's balance, audit event, outbox
// event), written by prepared statements in one write transaction per order, in a loop, on the
// same WAL database with the same pragmas as the service. No HTTP, no JSON, no validation, no
// reads: what SQLite alone can do.
//
// order-storage-baseline --database FILE --holder BDH --stream FST --offering OFF --provider ORG
//     --user USR [--orders N] [--synchronous FULL|NORMAL]

/// `--name value` pairs.
func parseOptions() -> [String: String] {
    var options: [String: String] = [:]
    var arguments = CommandLine.arguments.dropFirst()
    while let flag = arguments.popFirst() {
        guard flag.hasPrefix("--"), let value = arguments.popFirst() else {
            FileHandle.standardError.write(Data("usage: order-storage-baseline --database FILE --holder ... \n".utf8))
            exit(2)
        }
        options[String(flag.dropFirst(2))] = value
    }
    return options
}
let options = parseOptions()

func option(_ name: String) -> String {
    guard let value = options[name] else {
        FileHandle.standardError.write(Data("missing --\(name)\n".utf8))
        exit(2)
    }
    return value
}
let orders = Int(options["orders"] ?? "5000") ?? 5000
let synchronous = options["synchronous"] ?? "FULL"

var configuration = Configuration()
configuration.foreignKeysEnabled = true
configuration.busyMode = .timeout(10)
configuration.prepareDatabase { db in
    try db.execute(sql: "PRAGMA synchronous = \(synchronous); PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -16384")
}
let pool = try DatabasePool(path: option("database"), configuration: configuration)

func randomID(_ prefix: String) -> String {
    let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
    return prefix + "_" + String((0..<20).map { _ in alphabet.randomElement()! })
}

let (holder, stream, offering, provider, user) = (
    option("holder"), option("stream"), option("offering"), option("provider"), option("user"))
let started = ContinuousClock.now
for _ in 0..<orders {
    try pool.write { db in
        let order = randomID("ord")
        let now = Date()
        try db.cachedStatement(sql: """
            INSERT INTO purchase_order (id, budget_holder_id, stream_id, provider_id, status, start_date, weeks,
                total_pence, note, placed_by, delegation_id, placed_at, updated_at)
            VALUES (?, ?, ?, ?, 'placed', '2026-12-01', NULL, 1000, NULL, ?, NULL, ?, ?)
            """).execute(arguments: [order, holder, stream, provider, user, now, now])
        try db.cachedStatement(sql: """
            INSERT INTO order_line (order_id, line_number, offering_id, title, category, unit, quantity_hundredths,
                unit_price_pence, price_source, line_total_pence)
            VALUES (?, 1, ?, 'Home care visits', 'personal-care.home-care', 'hour', 100, 1000, 'public', 1000)
            """).execute(arguments: [order, offering])
        try db.cachedStatement(sql: """
            INSERT INTO ledger_entry (stream_id, budget_holder_id, kind, amount_pence, allocated_change_pence,
                committed_change_pence, spent_change_pence, order_id, delivery_id, actor_user_id, delegation_id, occurred_at)
            VALUES (?, ?, 'reservation', 1000, 0, 1000, 0, ?, NULL, ?, NULL, ?)
            """).execute(arguments: [stream, holder, order, user, now])
        try db.cachedStatement(sql: """
            INSERT INTO audit_event (occurred_at, actor_user_id, action, subject_type, subject_id, details)
            VALUES (?, ?, 'order.placed', 'order', ?, '{}')
            """).execute(arguments: [now, user, order])
        try db.cachedStatement(sql: """
            INSERT INTO outbox_event (id, type, occurred_at, payload) VALUES (?, 'order.placed', ?, '{}')
            """).execute(arguments: [randomID("evt"), now])
    }
}
let seconds = (ContinuousClock.now - started) / .seconds(1)
print(String(format: "%.0f", Double(orders) / seconds))
