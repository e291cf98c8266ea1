import Foundation
import Hummingbird
import MarketCore

struct PlaceOrderRequest: Decodable {
    struct Recurrence: Decodable {
        let weeks: Int?
    }

    struct Line: Decodable {
        let offeringId: OfferingID?
        /// Decimal, so that `1.5` hours is exact.
        let quantity: Decimal?
    }

    let budgetHolderId: BudgetHolderID?
    let streamId: FundingStreamID?
    let startDate: CalendarDay?
    let recurrence: Recurrence?
    let lines: [Line]?
    let note: String?
}

struct OrderLineResponse: Encodable, Sendable {
    let lineNumber: Int
    let offeringId: OfferingID
    let title: String
    let category: String
    let unit: String
    let quantity: Decimal
    let unitPricePence: Int64
    let priceSource: PriceSource
    let lineTotalPence: Int64

    init(_ line: OrderLine) {
        lineNumber = line.lineNumber
        offeringId = line.offeringID
        title = line.title
        category = line.category
        unit = line.unit
        quantity = line.quantity.decimal
        unitPricePence = line.unitPricePence
        priceSource = line.priceSource
        lineTotalPence = line.lineTotalPence
    }
}

struct DeliveryResponse: ResponseEncodable, Sendable {
    let id: DeliveryID
    let orderId: OrderID
    let lineNumber: Int
    let deliveredOn: CalendarDay
    let quantity: Decimal
    let amountPence: Int64
    let status: DeliveryStatus
    let disputeReason: Nullable<String>
    let note: Nullable<String>
    let recordedAt: Date
    /// The buyer's latest decision: `confirmed_at` or `disputed_at`, whichever is later.
    let decidedAt: Nullable<Date>
    let confirmedAt: Nullable<Date>
    let disputedAt: Nullable<Date>
    let voidedAt: Nullable<Date>
    /// Confirmed by the service: nobody confirmed or disputed it within the council's days.
    let confirmationDeemed: Bool

    init(_ delivery: Delivery) {
        id = delivery.id
        orderId = delivery.orderID
        lineNumber = delivery.lineNumber
        deliveredOn = delivery.deliveredOn
        quantity = delivery.quantity.decimal
        amountPence = delivery.amountPence
        status = delivery.status
        disputeReason = Nullable(delivery.disputeReason)
        note = Nullable(delivery.note)
        recordedAt = delivery.recordedAt
        decidedAt = Nullable(delivery.decidedAt)
        confirmedAt = Nullable(delivery.confirmedAt)
        disputedAt = Nullable(delivery.disputedAt)
        voidedAt = Nullable(delivery.voidedAt)
        confirmationDeemed = delivery.confirmationDeemed
    }
}

struct OrderResponse: ResponseEncodable, Sendable {
    struct Recurrence: Encodable, Sendable {
        let weeks: Int
    }

    let id: OrderID
    let budgetHolderId: BudgetHolderID
    let streamId: FundingStreamID
    let providerId: OrganisationID
    let status: OrderStatus
    let startDate: CalendarDay
    let recurrence: Nullable<Recurrence>
    let totalPence: Int64
    let note: Nullable<String>
    let lines: [OrderLineResponse]
    let deliveries: [DeliveryResponse]
    let placedBy: UserID
    /// The delegation the order was placed under, when a delegate placed it.
    let delegationId: Nullable<DelegationID>
    let placedAt: Date
    let acceptedAt: Nullable<Date>
    let declinedAt: Nullable<Date>
    let cancelledAt: Nullable<Date>
    let completedAt: Nullable<Date>
    let updatedAt: Date

    init(_ tracked: OrderWithDeliveries) {
        let order = tracked.order
        id = order.id
        budgetHolderId = order.holderID
        streamId = order.streamID
        providerId = order.providerID
        status = order.status
        startDate = order.startDate
        recurrence = Nullable(order.weeks.map(Recurrence.init))
        totalPence = order.totalPence
        note = Nullable(order.note)
        lines = order.lines.map(OrderLineResponse.init)
        deliveries = tracked.deliveries.map(DeliveryResponse.init)
        placedBy = order.placedBy
        delegationId = Nullable(order.delegationID)
        placedAt = order.placedAt
        acceptedAt = Nullable(order.acceptedAt)
        declinedAt = Nullable(order.declinedAt)
        cancelledAt = Nullable(order.cancelledAt)
        completedAt = Nullable(order.completedAt)
        updatedAt = order.updatedAt
    }
}

struct RecordDeliveryRequest: Decodable {
    let lineNumber: Int?
    let deliveredOn: CalendarDay?
    let quantity: Decimal?
    let note: String?
}

struct DisputeDeliveryRequest: Decodable {
    let reason: String?
}

struct OrderQuoteResponse: ResponseEncodable, Sendable {
    struct StreamAnswer: Encodable, Sendable {
        let streamId: FundingStreamID
        let availablePence: Int64
        let canPay: Bool
        /// Why this stream cannot pay; `null` when it can.
        let reason: Nullable<String>
    }

    /// A line that may not be ordered whichever stream pays (regulated care from a provider
    /// that is not registered), named as the order's problem document would name it.
    struct LineRefusal: Encodable, Sendable {
        let field: String
        let lineNumber: Int
        let reason: String
    }

    let budgetHolderId: BudgetHolderID
    let totalPence: Int64
    /// Whether placing this order now would succeed.
    let canOrder: Bool
    let lines: [OrderLineResponse]
    let streams: [StreamAnswer]
    let refusals: [LineRefusal]

    init(_ quote: OrderQuote) {
        budgetHolderId = quote.holderID
        totalPence = quote.totalPence
        canOrder = quote.canBeOrdered
        lines = quote.lines.map(OrderLineResponse.init)
        streams = quote.streams.map { answer in
            StreamAnswer(
                streamId: answer.stream.id, availablePence: answer.stream.balance.availablePence, canPay: answer.refusal == nil,
                reason: Nullable(answer.refusal?.reason))
        }
        refusals = quote.refusals.map { LineRefusal(field: $0.field, lineNumber: $0.line.lineNumber, reason: $0.reason) }
    }
}
