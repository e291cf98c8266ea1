import Foundation

/// Where an order is in its life. placed → accepted | declined; accepted → completed once every
/// unit is delivered and confirmed; placed or accepted → cancelled.
public enum OrderStatus: String, Sendable, Codable, CaseIterable {
    case placed
    case accepted
    case declined
    case cancelled
    case completed

    /// Still holding reserved money that a cancellation would release.
    public var isOpen: Bool { self == .placed || self == .accepted }
}

/// One line of an order, priced when the order was placed.
public struct OrderLine: Sendable, Equatable, Codable {
    public let lineNumber: Int
    public let offeringID: OfferingID
    public let title: String
    public let category: String
    public let unit: String
    /// Per week for a recurring order.
    public let quantity: Quantity
    public let unitPricePence: Int64
    public let priceSource: PriceSource
    /// `quantity` × `unitPricePence` (rounded once, by `Money`) × the order's weeks.
    public let lineTotalPence: Int64

    public init(
        lineNumber: Int, offeringID: OfferingID, title: String, category: String, unit: String, quantity: Quantity,
        unitPricePence: Int64, priceSource: PriceSource, lineTotalPence: Int64
    ) {
        self.lineNumber = lineNumber
        self.offeringID = offeringID
        self.title = title
        self.category = category
        self.unit = unit
        self.quantity = quantity
        self.unitPricePence = unitPricePence
        self.priceSource = priceSource
        self.lineTotalPence = lineTotalPence
    }
}

/// An order for one holder from one provider, paid from one funding stream.
public struct Order: Sendable, Equatable, Codable {
    public let id: OrderID
    public let holderID: BudgetHolderID
    public let streamID: FundingStreamID
    public let providerID: OrganisationID
    public var status: OrderStatus
    public let startDate: CalendarDay
    /// `nil` for a one-off order.
    public let weeks: Int?
    public let totalPence: Int64
    public let note: String?
    public let lines: [OrderLine]
    public let placedBy: UserID
    /// Set when a delegate placed the order.
    public let delegationID: DelegationID?
    public let placedAt: Date
    public var updatedAt: Date
    /// When the provider accepted or declined, and when the order was cancelled or completed.
    public var acceptedAt: Date? = nil
    public var declinedAt: Date? = nil
    public var cancelledAt: Date? = nil
    public var completedAt: Date? = nil

    public init(
        id: OrderID, holderID: BudgetHolderID, streamID: FundingStreamID, providerID: OrganisationID, status: OrderStatus,
        startDate: CalendarDay, weeks: Int?, totalPence: Int64, note: String?, lines: [OrderLine], placedBy: UserID,
        delegationID: DelegationID?, placedAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.holderID = holderID
        self.streamID = streamID
        self.providerID = providerID
        self.status = status
        self.startDate = startDate
        self.weeks = weeks
        self.totalPence = totalPence
        self.note = note
        self.lines = lines
        self.placedBy = placedBy
        self.delegationID = delegationID
        self.placedAt = placedAt
        self.updatedAt = updatedAt
    }

    /// How many times each line's quantity is delivered: the weeks of a recurring order, else once.
    public var occurrences: Int { weeks ?? 1 }

    /// The most of `line` that may be delivered in all.
    public func orderedQuantity(of line: OrderLine) -> Int64 { line.quantity.hundredths * Int64(occurrences) }

    /// How many of the order's occurrences have begun by `day`: a weekly order's weeks (the first
    /// begins on its start date), never more than it has; a one-off order's one. 0 before the start.
    public func occurrencesBegun(by day: CalendarDay) -> Int {
        guard day >= startDate else { return 0 }
        guard let weeks else { return 1 }
        return min(weeks, startDate.days(until: day) / 7 + 1)
    }

    /// Why delivering `quantity` of `line` on `day` would run ahead of the schedule, or `nil` if it
    /// may be recorded. On every date, what has been delivered on a line by then (`delivered`, the
    /// line's deliveries that count, plus this one) is at most the weekly quantity × the weeks
    /// begun by then: a missed week can be made up later, but week 40 is not delivered in week 1.
    /// The one statement of this rule.
    public func scheduleRefusal(
        delivering quantity: Quantity, of line: OrderLine, on day: CalendarDay,
        alongside delivered: [(day: CalendarDay, quantity: Quantity)]
    ) -> String? {
        guard weeks != nil else { return nil }
        // The running total rises at each delivery date on or after `day`; checking there suffices.
        let checkpoints = Set([day] + delivered.map(\.day).filter { $0 > day }).sorted()
        for checkpoint in checkpoints {
            let begun = occurrencesBegun(by: checkpoint)
            let due = line.quantity.hundredths * Int64(begun)
            let byThen = delivered.filter { $0.day <= checkpoint }.reduce(quantity.hundredths) { $0 + $1.quantity.hundredths }
            if byThen > due {
                return "would make \(Quantity.describe(byThen)) \(line.unit) delivered by \(checkpoint), when "
                    + "\(begun) of \(occurrences) weeks have begun and \(Quantity.describe(due)) are due "
                    + "(\(line.quantity.decimal) a week)"
            }
        }
        return nil
    }
}

/// Where a delivery is: recorded by the provider, then confirmed or disputed by the buyer.
/// A disputed delivery keeps its money reserved until it is confirmed. The provider voids one
/// recorded by mistake while it is not confirmed: a voided delivery counts for nothing.
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    case recorded
    case confirmed
    case disputed
    case voided

    /// Whether the delivery counts towards what was delivered and charged.
    public var counts: Bool { self != .voided }
}

/// Support delivered against one order line.
public struct Delivery: Sendable, Equatable, Codable {
    public let id: DeliveryID
    public let orderID: OrderID
    public let lineNumber: Int
    public let deliveredOn: CalendarDay
    public let quantity: Quantity
    /// What the delivery costs, turned from reserved into spent when it is confirmed.
    public let amountPence: Int64
    public var status: DeliveryStatus
    public var disputeReason: String?
    /// The provider's short visit note (not a care record).
    public let note: String?
    public let recordedAt: Date
    /// Each decision keeps its own time: a dispute then a confirmation keeps both.
    public var confirmedAt: Date? = nil
    public var disputedAt: Date? = nil
    public var voidedAt: Date? = nil
    /// Confirmed by the service because the buyer neither confirmed nor disputed it in time.
    public var confirmationDeemed = false

    /// Notes are at most this long: visit notes, not care records.
    public static let maximumNoteLength = 500

    /// The latest decision on it by the buyer, if any.
    public var decidedAt: Date? { [confirmedAt, disputedAt].compactMap { $0 }.max() }

    public init(
        id: DeliveryID, orderID: OrderID, lineNumber: Int, deliveredOn: CalendarDay, quantity: Quantity, amountPence: Int64,
        status: DeliveryStatus, disputeReason: String?, note: String?, recordedAt: Date
    ) {
        self.id = id
        self.orderID = orderID
        self.lineNumber = lineNumber
        self.deliveredOn = deliveredOn
        self.quantity = quantity
        self.amountPence = amountPence
        self.status = status
        self.disputeReason = disputeReason
        self.note = note
        self.recordedAt = recordedAt
    }

    /// The cost of delivering `quantity` of `line`, when `deliveredBefore` (hundredths) was
    /// delivered already. The delivery that completes a line takes whatever of the line total is
    /// left, so that deliveries always add up to the line total exactly, whatever the rounding.
    public static func amount(
        of quantity: Quantity, on line: OrderLine, in order: Order, deliveredBefore: Int64, chargedBefore: Int64
    ) -> Int64 {
        if deliveredBefore + quantity.hundredths == order.orderedQuantity(of: line) {
            return line.lineTotalPence - chargedBefore
        }
        return min(Money.price(of: quantity, at: line.unitPricePence) ?? 0, line.lineTotalPence - chargedBefore)
    }
}

/// A request to place an order, checked against every rule that needs no database.
public struct NewOrder: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public let offeringID: OfferingID
        /// The requested amount, checked against the offering's unit once it is known.
        public let quantity: Decimal
    }

    /// Weekly orders run for at most two years.
    public static let maximumWeeks = 104
    public static let maximumLines = 50

    public let holderID: BudgetHolderID
    public let streamID: FundingStreamID?
    public let startDate: CalendarDay
    public let weeks: Int?
    public let lines: [Line]
    public let note: String?

    /// The last day the order runs: the start date for a one-off order, else the last day of its
    /// last week. A stream pays only for orders that fall wholly within its period.
    public var lastDay: CalendarDay { weeks.map { startDate.adding(days: 7 * $0 - 1) } ?? startDate }

    public init(
        holderID: BudgetHolderID?, streamID: FundingStreamID?, startDate: CalendarDay?, weeks: Int?, hasRecurrence: Bool,
        lines: [(offeringID: OfferingID?, quantity: Decimal?)]?, note: String?, today: CalendarDay
    ) throws(MarketError) {
        var v = Validator()
        v.check(holderID != nil, "budget_holder_id", "is required")
        v.check(startDate != nil, "start_date", "is required")
        if let startDate { v.check(startDate >= today, "start_date", "must not be before today (\(today))") }
        if hasRecurrence {
            v.check(weeks.map { (1...Self.maximumWeeks).contains($0) } ?? false, "recurrence.weeks",
                    "must be a whole number of weeks from 1 to \(Self.maximumWeeks)")
        }
        let lines = lines ?? []
        v.check((1...Self.maximumLines).contains(lines.count), "lines", "must have 1 to \(Self.maximumLines) lines")
        var checked: [Line] = []
        for (index, line) in lines.enumerated() {
            v.check(line.offeringID != nil, "lines[\(index)].offering_id", "is required")
            v.check(line.quantity != nil, "lines[\(index)].quantity", "is required")
            if let offeringID = line.offeringID, let quantity = line.quantity {
                checked.append(Line(offeringID: offeringID, quantity: quantity))
            }
        }
        let note = v.optionalText(note, "note", maxLength: 2000)
        try v.throwIfInvalid()
        guard let holderID, let startDate else { throw .invalid("body", "is incomplete") }
        self.holderID = holderID
        self.streamID = streamID
        self.startDate = startDate
        self.weeks = hasRecurrence ? weeks : nil
        self.lines = checked
        self.note = note
    }

    /// Prices the lines at the offerings' prices for this holder (found in `offerings`, which
    /// holds every requested offering that is published): quantity checks against each unit, one
    /// provider per order, and totals with overflow checks. Field errors name `lines[i]`.
    public func priced(with offerings: [OfferingID: ListedOffering], taxonomy: CategoryTaxonomy) throws(MarketError) -> [OrderLine] {
        var v = Validator()
        var priced: [OrderLine] = []
        let providers = Set(offerings.values.map(\.offering.providerID))
        v.check(providers.count <= 1, "lines", "every line must be from the same provider: place one order per provider")
        for (index, line) in lines.enumerated() {
            guard let listed = offerings[line.offeringID] else {
                v.add("lines[\(index)].offering_id", "no published offering has this id")
                continue
            }
            let details = listed.offering.details
            let divisible = taxonomy.unit(details.unit)?.divisible ?? false
            guard let quantity = Quantity.validated(line.quantity, divisible: divisible, "lines[\(index)].quantity", &v) else {
                continue
            }
            let perOccurrence = Money.price(of: quantity, at: listed.effectivePricePence)
            let (total, overflow) = (perOccurrence ?? 0).multipliedReportingOverflow(by: Int64(weeks ?? 1))
            guard perOccurrence != nil, !overflow else {
                v.add("lines[\(index)].quantity", "makes a total too large to pay")
                continue
            }
            v.check(total > 0, "lines[\(index)].quantity", "costs less than a penny: order more")
            priced.append(OrderLine(
                lineNumber: index + 1, offeringID: line.offeringID, title: details.title, category: details.category,
                unit: details.unit, quantity: quantity, unitPricePence: listed.effectivePricePence,
                priceSource: listed.priceSource, lineTotalPence: total))
        }
        if Money.sum(priced.map(\.lineTotalPence)) == nil { v.add("lines", "the order's total is too large to pay") }
        try v.throwIfInvalid()
        return priced
    }
}

/// An order with the deliveries recorded against it, oldest first: how the API shows an order.
public struct OrderWithDeliveries: Sendable, Equatable, Codable {
    public let order: Order
    public let deliveries: [Delivery]

    public init(order: Order, deliveries: [Delivery]) {
        self.order = order
        self.deliveries = deliveries
    }
}

/// Why a stream cannot pay for an order.
public struct StreamRefusal: Sendable, Equatable, CustomStringConvertible {
    /// What the buyer reads: "funds 2026-04-01 to 2027-03-31, and the order runs …".
    public let reason: String
    /// Set when the council's prohibited-spend list refused it, with the line it forbids.
    public let prohibition: Prohibition?

    public struct Prohibition: Sendable, Equatable {
        public let line: OrderLine
        public let entry: ProhibitedSpend
    }

    public var description: String { reason }
}

extension FundingStream {
    /// Why this stream cannot pay for `order` priced as `lines` costing `totalPence`, or `nil` if
    /// it can: its period must cover every day of the order, it must permit every line's
    /// category, the holder's council must not forbid any line (`prohibited`, its list; not for
    /// the holder's own contribution), and it must have the whole total available. The one
    /// statement of this rule.
    public func refusal(
        toPay order: NewOrder, lines: [OrderLine], totalPence: Int64, prohibited: [ProhibitedSpend]
    ) -> StreamRefusal? {
        if !covers(from: order.startDate, to: order.lastDay) {
            let runs = order.weeks == nil ? "is for \(order.startDate)" : "runs from \(order.startDate) to \(order.lastDay)"
            return StreamRefusal(reason: "funds \(periodFrom) to \(periodTo), and the order \(runs)", prohibition: nil)
        }
        if let line = lines.first(where: { !permits(category: $0.category) }) {
            return StreamRefusal(
                reason: "may not pay for \(line.category) (restricted to \(restrictedToCategories.joined(separator: ", ")))",
                prohibition: nil)
        }
        if source != .ownContribution, let (line, entry) = ProhibitedSpend.firstForbidden(in: lines, by: prohibited) {
            return StreamRefusal(
                reason: "may not pay for \(line.title) (\(line.category)): the council's funds may not buy \(entry.subject): \(entry.reason)",
                prohibition: .init(line: line, entry: entry))
        }
        if balance.availablePence < totalPence {
            return StreamRefusal(
                reason: "has \(Money.describe(balance.availablePence)) available and the order costs \(Money.describe(totalPence))",
                prohibition: nil)
        }
        return nil
    }
}

/// What an order would cost a holder today, and which of their streams could pay for it and
/// why the others could not: the answer to "can I afford this?" before ordering.
public struct OrderQuote: Sendable, Equatable {
    public struct StreamAnswer: Sendable, Equatable {
        public let stream: FundingStream
        /// `nil`: this stream can pay.
        public let refusal: StreamRefusal?

        public init(stream: FundingStream, refusal: StreamRefusal?) {
            self.stream = stream
            self.refusal = refusal
        }
    }

    public let holderID: BudgetHolderID
    public let lines: [OrderLine]
    public let totalPence: Int64
    /// Every stream of the holder, oldest first; the first that can pay is the one an order
    /// without `stream_id` would use.
    public let streams: [StreamAnswer]
    /// Lines that may not be ordered whichever stream pays (regulated care from a provider that
    /// is not registered).
    public let refusals: [LineRefusal]

    public init(holderID: BudgetHolderID, lines: [OrderLine], totalPence: Int64, streams: [StreamAnswer], refusals: [LineRefusal]) {
        self.holderID = holderID
        self.lines = lines
        self.totalPence = totalPence
        self.streams = streams
        self.refusals = refusals
    }

    /// Whether placing this order now would succeed.
    public var canBeOrdered: Bool { refusals.isEmpty && streams.contains { $0.refusal == nil } }
}

/// Why one line of an order may not be ordered at all, whichever stream would pay.
public struct LineRefusal: Sendable, Equatable {
    public let line: OrderLine
    public let reason: String

    public init(line: OrderLine, reason: String) {
        self.line = line
        self.reason = reason
    }

    /// The request field it is about: `lines[i].offering_id`.
    public var field: String { "lines[\(line.lineNumber - 1)].offering_id" }
}

/// Why an order was refused, where the commissioners' reports count it: the council's
/// prohibited-spend list, or regulated care from a provider that is not registered.
public enum OrderRefusalReason: String, Sendable, Codable, CaseIterable {
    case prohibitedSpend = "prohibited_spend"
    case regulatorRegistration = "regulator_registration"
}
