import Foundation
import GRDB
import MarketCore

/// Orders and their deliveries, as the caller may see them.
extension OrderStore {
    /// The order with its deliveries, for its provider's staff and whoever can see its holder.
    public func order(_ id: OrderID, by policy: AccessPolicy) async throws -> OrderWithDeliveries {
        let today = CalendarDay(database.clock.now())
        return try await database.read { db in
            let context = try OrderContext.load(id, policy: policy, today: today, db)
            return OrderWithDeliveries(order: context.order, deliveries: try context.deliveries(db))
        }
    }

    /// The orders the caller can see, newest first, optionally by status or holder.
    public func orders(
        by policy: AccessPolicy, status: OrderStatus?, holder: BudgetHolderID?, page: PageRequest
    ) async throws -> Page<OrderWithDeliveries> {
        let today = CalendarDay(database.clock.now())
        var sql = "SELECT * FROM purchase_order WHERE "
        var arguments: StatementArguments = []
        switch policy.orderScope {
        case .provider(let provider):
            sql += "provider_id = ?"
            arguments += [provider]
        case .holders(let scope):
            let condition = scope.condition(on: "budget_holder_id", today: today)
            sql += condition.sql
            arguments += condition.arguments
        }
        if let status {
            sql += " AND status = ?"
            arguments += [status]
        }
        if let holder {
            sql += " AND budget_holder_id = ?"
            arguments += [holder]
        }
        try page.newestFirst(&sql, &arguments)
        let query = sql
        let fetched = try await database.read { [arguments] db in
            let records = try OrderRecord.fetchAll(db, sql: query, arguments: arguments)
            let ids = records.map(\.id.rawValue)
            let lines = Dictionary(
                grouping: try OrderLineRecord.filter(ids.contains(Column("order_id")))
                    .order(Column("order_id"), Column("line_number")).fetchAll(db),
                by: \.orderId)
            let deliveries = Dictionary(
                grouping: try DeliveryRecord.filter(ids.contains(Column("order_id"))).order(Column("seq")).fetchAll(db),
                by: \.orderId)
            return try records.map { record in
                (seq: record.seq ?? 0, order: OrderWithDeliveries(
                    order: record.order(lines: try (lines[record.id] ?? []).map { try $0.line }),
                    deliveries: try (deliveries[record.id] ?? []).map { try $0.delivery }))
            }
        }
        return Page(fetched: fetched, limit: page.limit, key: { String($0.seq) }).map(\.order)
    }
}
