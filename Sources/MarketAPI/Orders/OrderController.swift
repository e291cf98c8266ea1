import Hummingbird
import MarketCore
import MarketStore

/// Orders, quotes and deliveries: `/v1/orders/...`, `/v1/order-quotes` and `/v1/deliveries/...`.
struct OrderController {
    let orders: OrderStore
    let database: AppDatabase

    func addRoutes(to router: Router<AppRequestContext>) {
        let orderRoutes = router.group("v1/orders", context: AuthenticatedContext.self)
        orderRoutes.get(use: list)
        orderRoutes.post(use: place)
        orderRoutes.get(":id", use: show)
        orderRoutes.post(":id/accept", use: accept)
        orderRoutes.post(":id/decline", use: decline)
        orderRoutes.post(":id/cancel", use: cancel)
        orderRoutes.post(":id/deliveries", use: recordDelivery)
        // Its own path: under /v1/orders it would share a pattern with /v1/orders/{id}.
        router.group("v1/order-quotes", context: AuthenticatedContext.self).post(use: quote)
        let deliveries = router.group("v1/deliveries", context: AuthenticatedContext.self)
        deliveries.post(":id/confirm", use: confirm)
        deliveries.post(":id/dispute", use: dispute)
        deliveries.post(":id/void", use: void)
    }

    /// `?status=` and `?budget_holder_id=` narrow the list; newest first.
    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<OrderResponse> {
        let status = try request.queryValue("status", as: OrderStatus.self)
        let holder = try request.queryIdentifier("budget_holder_id", as: BudgetHolderID.self)
        let page = try await orders.orders(by: context.policy, status: status, holder: holder, page: try request.pageRequest)
        return ListResponse(page, OrderResponse.init)
    }

    @Sendable func place(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<OrderResponse> {
        let new = try await newOrder(request, context: context)
        let order = try await orders.place(new, by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: OrderResponse(order))
    }

    /// What the order would cost and which stream could pay, without placing it.
    @Sendable func quote(_ request: Request, context: AuthenticatedContext) async throws -> OrderQuoteResponse {
        OrderQuoteResponse(try await orders.quote(try await newOrder(request, context: context), by: context.policy))
    }

    /// The body of `place` and `quote`, checked.
    private func newOrder(_ request: Request, context: AuthenticatedContext) async throws -> NewOrder {
        let body = try await request.decodeJSON(as: PlaceOrderRequest.self, context: context)
        return try NewOrder(
            holderID: body.budgetHolderId, streamID: body.streamId, startDate: body.startDate, weeks: body.recurrence?.weeks,
            hasRecurrence: body.recurrence != nil, lines: body.lines?.map { ($0.offeringId, $0.quantity) }, note: body.note,
            today: database.today)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> OrderResponse {
        OrderResponse(try await orders.order(try context.parameters.identifier("id", as: OrderID.self), by: context.policy))
    }

    @Sendable func accept(_ request: Request, context: AuthenticatedContext) async throws -> OrderResponse {
        OrderResponse(try await orders.accept(
            try context.parameters.identifier("id", as: OrderID.self), by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func decline(_ request: Request, context: AuthenticatedContext) async throws -> OrderResponse {
        OrderResponse(try await orders.decline(
            try context.parameters.identifier("id", as: OrderID.self), by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func cancel(_ request: Request, context: AuthenticatedContext) async throws -> OrderResponse {
        OrderResponse(try await orders.cancel(
            try context.parameters.identifier("id", as: OrderID.self), by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func recordDelivery(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<DeliveryResponse> {
        let id = try context.parameters.identifier("id", as: OrderID.self)
        let body = try await request.decodeJSON(as: RecordDeliveryRequest.self, context: context)
        let delivery = try await orders.recordDelivery(
            on: id, lineNumber: body.lineNumber, deliveredOn: body.deliveredOn, quantity: body.quantity, note: body.note,
            by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: DeliveryResponse(delivery))
    }

    @Sendable func confirm(_ request: Request, context: AuthenticatedContext) async throws -> DeliveryResponse {
        DeliveryResponse(try await orders.confirm(
            try context.parameters.identifier("id", as: DeliveryID.self), by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func void(_ request: Request, context: AuthenticatedContext) async throws -> DeliveryResponse {
        DeliveryResponse(try await orders.void(
            try context.parameters.identifier("id", as: DeliveryID.self), by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func dispute(_ request: Request, context: AuthenticatedContext) async throws -> DeliveryResponse {
        let id = try context.parameters.identifier("id", as: DeliveryID.self)
        let body = try await request.decodeJSON(as: DisputeDeliveryRequest.self, context: context)
        return DeliveryResponse(try await orders.dispute(
            id, reason: body.reason, by: context.policy, idempotency: context.idempotencyKey))
    }
}
