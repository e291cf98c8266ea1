import Foundation
import GRDB
import MarketCore

struct OrderRecord: MarketRecord {
    static let databaseTableName = "purchase_order"
    var seq: Int64?
    var id: OrderID
    var budgetHolderId: BudgetHolderID
    var streamId: FundingStreamID
    var providerId: OrganisationID
    var status: OrderStatus
    var startDate: CalendarDay
    var weeks: Int?
    var totalPence: Int64
    var note: String?
    var placedBy: UserID
    var delegationId: DelegationID?
    var placedAt: Date
    var updatedAt: Date
    var acceptedAt: Date?
    var declinedAt: Date?
    var cancelledAt: Date?
    var completedAt: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, status, weeks, note
        case budgetHolderId = "budget_holder_id"
        case streamId = "stream_id"
        case providerId = "provider_id"
        case startDate = "start_date"
        case totalPence = "total_pence"
        case placedBy = "placed_by"
        case delegationId = "delegation_id"
        case placedAt = "placed_at"
        case updatedAt = "updated_at"
        case acceptedAt = "accepted_at"
        case declinedAt = "declined_at"
        case cancelledAt = "cancelled_at"
        case completedAt = "completed_at"
    }

    typealias Columns = CodingKeys

    /// Written out, not `Codable`: the order path writes and reads orders.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.seq] = seq
        container[Columns.id] = id
        container[Columns.budgetHolderId] = budgetHolderId
        container[Columns.streamId] = streamId
        container[Columns.providerId] = providerId
        container[Columns.status] = status
        container[Columns.startDate] = startDate
        container[Columns.weeks] = weeks
        container[Columns.totalPence] = totalPence
        container[Columns.note] = note
        container[Columns.placedBy] = placedBy
        container[Columns.delegationId] = delegationId
        container[Columns.placedAt] = placedAt
        container[Columns.updatedAt] = updatedAt
        container[Columns.acceptedAt] = acceptedAt
        container[Columns.declinedAt] = declinedAt
        container[Columns.cancelledAt] = cancelledAt
        container[Columns.completedAt] = completedAt
    }

    init(_ order: Order) {
        id = order.id
        budgetHolderId = order.holderID
        streamId = order.streamID
        providerId = order.providerID
        status = order.status
        startDate = order.startDate
        weeks = order.weeks
        totalPence = order.totalPence
        note = order.note
        placedBy = order.placedBy
        delegationId = order.delegationID
        placedAt = order.placedAt
        updatedAt = order.updatedAt
        acceptedAt = order.acceptedAt
        declinedAt = order.declinedAt
        cancelledAt = order.cancelledAt
        completedAt = order.completedAt
    }

    func order(lines: [OrderLine]) -> Order {
        var order = Order(
            id: id, holderID: budgetHolderId, streamID: streamId, providerID: providerId, status: status,
            startDate: startDate, weeks: weeks, totalPence: totalPence, note: note, lines: lines, placedBy: placedBy,
            delegationID: delegationId, placedAt: placedAt, updatedAt: updatedAt)
        order.acceptedAt = acceptedAt
        order.declinedAt = declinedAt
        order.cancelledAt = cancelledAt
        order.completedAt = completedAt
        return order
    }
}

struct OrderLineRecord: MarketRecord {
    static let databaseTableName = "order_line"
    var orderId: OrderID
    var lineNumber: Int
    var offeringId: OfferingID
    var title: String
    var category: String
    var unit: String
    var quantityHundredths: Int64
    var unitPricePence: Int64
    var priceSource: PriceSource
    var lineTotalPence: Int64

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case title, category, unit
        case orderId = "order_id"
        case lineNumber = "line_number"
        case offeringId = "offering_id"
        case quantityHundredths = "quantity_hundredths"
        case unitPricePence = "unit_price_pence"
        case priceSource = "price_source"
        case lineTotalPence = "line_total_pence"
    }

    typealias Columns = CodingKeys

    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.orderId] = orderId
        container[Columns.lineNumber] = lineNumber
        container[Columns.offeringId] = offeringId
        container[Columns.title] = title
        container[Columns.category] = category
        container[Columns.unit] = unit
        container[Columns.quantityHundredths] = quantityHundredths
        container[Columns.unitPricePence] = unitPricePence
        container[Columns.priceSource] = priceSource
        container[Columns.lineTotalPence] = lineTotalPence
    }

    init(_ line: OrderLine, of order: OrderID) {
        orderId = order
        lineNumber = line.lineNumber
        offeringId = line.offeringID
        title = line.title
        category = line.category
        unit = line.unit
        quantityHundredths = line.quantity.hundredths
        unitPricePence = line.unitPricePence
        priceSource = line.priceSource
        lineTotalPence = line.lineTotalPence
    }

    var line: OrderLine {
        get throws {
            OrderLine(
                lineNumber: lineNumber, offeringID: offeringId, title: title, category: category, unit: unit,
                quantity: try storedQuantity(quantityHundredths), unitPricePence: unitPricePence,
                priceSource: priceSource, lineTotalPence: lineTotalPence)
        }
    }
}

struct DeliveryRecord: MarketRecord {
    static let databaseTableName = "delivery"
    var seq: Int64?
    var id: DeliveryID
    var orderId: OrderID
    var lineNumber: Int
    var deliveredOn: CalendarDay
    var quantityHundredths: Int64
    var amountPence: Int64
    var status: DeliveryStatus
    var disputeReason: String?
    var note: String?
    var recordedBy: UserID
    var recordedAt: Date
    var confirmedBy: UserID?
    var confirmedAt: Date?
    var disputedBy: UserID?
    var disputedAt: Date?
    var voidedBy: UserID?
    var voidedAt: Date?
    var confirmationDeemed = false

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, status, note
        case orderId = "order_id"
        case lineNumber = "line_number"
        case deliveredOn = "delivered_on"
        case quantityHundredths = "quantity_hundredths"
        case amountPence = "amount_pence"
        case disputeReason = "dispute_reason"
        case recordedBy = "recorded_by"
        case recordedAt = "recorded_at"
        case confirmedBy = "confirmed_by"
        case confirmedAt = "confirmed_at"
        case disputedBy = "disputed_by"
        case disputedAt = "disputed_at"
        case voidedBy = "voided_by"
        case voidedAt = "voided_at"
        case confirmationDeemed = "confirmation_deemed"
    }

    typealias Columns = CodingKeys

    init(_ delivery: Delivery, recordedBy: UserID) {
        id = delivery.id
        orderId = delivery.orderID
        lineNumber = delivery.lineNumber
        deliveredOn = delivery.deliveredOn
        quantityHundredths = delivery.quantity.hundredths
        amountPence = delivery.amountPence
        status = delivery.status
        disputeReason = delivery.disputeReason
        note = delivery.note
        self.recordedBy = recordedBy
        recordedAt = delivery.recordedAt
        confirmedAt = delivery.confirmedAt
        disputedAt = delivery.disputedAt
        voidedAt = delivery.voidedAt
    }

    var delivery: Delivery {
        get throws {
            var delivery = Delivery(
                id: id, orderID: orderId, lineNumber: lineNumber, deliveredOn: deliveredOn,
                quantity: try storedQuantity(quantityHundredths, in: Self.databaseTableName), amountPence: amountPence,
                status: status, disputeReason: disputeReason, note: note, recordedAt: recordedAt)
            delivery.confirmedAt = confirmedAt
            delivery.disputedAt = disputedAt
            delivery.voidedAt = voidedAt
            delivery.confirmationDeemed = confirmationDeemed
            return delivery
        }
    }
}

/// A quantity read back from a column whose `CHECK` keeps it positive.
func storedQuantity(_ hundredths: Int64, in table: String = "order_line") throws -> Quantity {
    guard let quantity = Quantity(hundredths: hundredths) else {
        throw UnreadableRow(table: table, reason: "a quantity of \(hundredths) hundredths is not positive")
    }
    return quantity
}

extension OrderStatus: DatabaseValueConvertible {}
extension DeliveryStatus: DatabaseValueConvertible {}
extension PriceSource: DatabaseValueConvertible {}

extension OrderRecord {
    /// Writes an order's status after a step (`Order.applying`), with the time of that step in
    /// its status's own column and nothing else.
    static func writeStatus(of order: Order, _ db: Database) throws {
        let when: ColumnAssignment = switch order.status {
        case .placed: Columns.placedAt.set(to: order.placedAt)
        case .accepted: Columns.acceptedAt.set(to: order.acceptedAt)
        case .declined: Columns.declinedAt.set(to: order.declinedAt)
        case .cancelled: Columns.cancelledAt.set(to: order.cancelledAt)
        case .completed: Columns.completedAt.set(to: order.completedAt)
        }
        try filter(Columns.id == order.id)
            .updateAll(db, [Columns.status.set(to: order.status), Columns.updatedAt.set(to: order.updatedAt), when])
    }
}

extension DeliveryRecord {
    /// Writes a delivery's status after a step (`Delivery.applying`), with what that step
    /// decided, when, and by whom (`nil`: the service).
    static func writeStep(of delivery: Delivery, by actor: UserID?, _ db: Database) throws {
        let decision: [ColumnAssignment] = switch delivery.status {
        case .recorded: []
        case .confirmed: [Columns.confirmedBy.set(to: actor), Columns.confirmedAt.set(to: delivery.confirmedAt),
                          Columns.confirmationDeemed.set(to: delivery.confirmationDeemed)]
        case .disputed: [Columns.disputeReason.set(to: delivery.disputeReason), Columns.disputedBy.set(to: actor),
                         Columns.disputedAt.set(to: delivery.disputedAt)]
        case .voided: [Columns.voidedBy.set(to: actor), Columns.voidedAt.set(to: delivery.voidedAt)]
        }
        try filter(Columns.id == delivery.id).updateAll(db, [Columns.status.set(to: delivery.status)] + decision)
    }
}
