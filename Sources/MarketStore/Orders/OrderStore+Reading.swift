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
        typealias Columns = OrderRecord.Columns
        var request = OrderRecord.all()
        switch policy.orderScope {
        case .provider(let provider): request = request.filter(Columns.providerId == provider)
        case .holders(let scope): request = request.filter(scope.contains(Columns.budgetHolderId, today: today))
        }
        if let status { request = request.filter(Columns.status == status) }
        if let holder { request = request.filter(Columns.budgetHolderId == holder) }
        let orders = request
        return try await database.read { db in
            let records = try orders.fetchPage(page, by: Columns.seq, .descending, key: \.seq, db)
            let ids = records.items.map(\.id.rawValue)
            let lines = Dictionary(
                grouping: try OrderLineRecord.filter(ids.contains(OrderLineRecord.Columns.orderId))
                    .order(OrderLineRecord.Columns.orderId, OrderLineRecord.Columns.lineNumber).fetchAll(db),
                by: \.orderId)
            let deliveries = Dictionary(
                grouping: try DeliveryRecord.filter(ids.contains(DeliveryRecord.Columns.orderId)).order(DeliveryRecord.Columns.seq).fetchAll(db),
                by: \.orderId)
            return try records.map { record in
                OrderWithDeliveries(
                    order: record.order(lines: try (lines[record.id] ?? []).map { try $0.line }),
                    deliveries: try (deliveries[record.id] ?? []).map { try $0.delivery })
            }
        }
    }
}
