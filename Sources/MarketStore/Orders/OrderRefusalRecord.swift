import Foundation
import GRDB
import MarketCore

/// One refused order line in the log the commissioners' reports read: the day, the council
/// whose rules refused it (or `nil`, a self-funder), what was asked for and from whom, and why.
/// Never who asked: no holder, user or order is in it.
struct OrderRefusalRecord: MarketRecord {
    static let databaseTableName = "order_refusal"
    var seq: Int64?
    var refusedOn: CalendarDay
    var councilId: CouncilID?
    var category: String
    var offeringId: OfferingID
    var providerId: OrganisationID
    var reason: OrderRefusalReason
    var detail: String

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, category, reason, detail
        case refusedOn = "refused_on"
        case councilId = "council_id"
        case offeringId = "offering_id"
        case providerId = "provider_id"
    }

    typealias Columns = CodingKeys

    init(
        _ line: OrderLine, council: CouncilID?, provider: OrganisationID, reason: OrderRefusalReason, detail: String,
        on day: CalendarDay
    ) {
        refusedOn = day
        councilId = council
        category = line.category
        offeringId = line.offeringID
        providerId = provider
        self.reason = reason
        self.detail = String(detail.prefix(1000))
    }
}

extension OrderRefusalReason: DatabaseValueConvertible {}

/// An order refused for a reason the reports count, thrown out of the refused (rolled back)
/// transaction so that `records` can be written in one of their own; the caller sees `error`.
struct RecordedRefusal: Error {
    let error: MarketError
    let records: [OrderRefusalRecord]
}
