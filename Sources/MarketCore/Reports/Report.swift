/// One council and a range of days (`from` to `to`, both included): what every report and the
/// audit export is asked for.
public struct CouncilPeriod: Sendable, Equatable {
    public let council: CouncilID
    public let from: CalendarDay
    public let to: CalendarDay

    /// The longest range asked for at once: ten years.
    public static let maximumDays = 3_660

    public init(council: CouncilID?, from: CalendarDay?, to: CalendarDay?) throws(MarketError) {
        var v = Validator()
        v.check(council != nil, "council_id", "is required")
        v.check(from != nil, "from", "is required (YYYY-MM-DD)")
        v.check(to != nil, "to", "is required (YYYY-MM-DD)")
        if let from, let to {
            v.check(from <= to, "to", "must not be before from")
            v.check(from.days(until: to) < Self.maximumDays, "to", "must be within \(Self.maximumDays) days of from")
        }
        try v.throwIfInvalid()
        guard let council, let from, let to else { throw .invalid("council_id", "is required") }
        self.council = council
        self.from = from
        self.to = to
    }

    /// How many days the range covers.
    public var days: Int { from.days(until: to) + 1 }

    /// The range of the same length just before this one, for trends.
    public var previous: (from: CalendarDay, to: CalendarDay) { (from.adding(days: -days), from.adding(days: -1)) }
}

/// The commissioning reports, each one question about a council's market.
public enum ReportName: String, Sendable, CaseIterable, TextCodable {
    case spend
    case marketShare = "market-share"
    case unmetDemand = "unmet-demand"
    case supplyGaps = "supply-gaps"
    case communityUsage = "community-usage"
    case utilisation
    case prices
    case ratings
    case orderFlow = "order-flow"
    case refusals

    public init?(_ text: String) { self.init(rawValue: text) }
    public var text: String { rawValue }
    public static var expectedText: String { "one of " + allCases.map(\.rawValue).joined(separator: ", ") }

    public var title: String {
        switch self {
        case .spend: "Spend"
        case .marketShare: "Market share and concentration"
        case .unmetDemand: "Unmet demand"
        case .supplyGaps: "Supply gaps"
        case .communityUsage: "Community catalogue usage"
        case .utilisation: "Budget utilisation"
        case .prices: "Public and council-rate prices"
        case .ratings: "Ratings"
        case .orderFlow: "Order flow"
        case .refusals: "Refused orders"
        }
    }

    public var summary: String {
        switch self {
        case .spend: "Net spend of the council's budget holders by category, provider, provider type, funding source, management option and month; how much was at council rates."
        case .marketShare: "Each provider's share of spend per category, its concentration (HHI, top-three share) and the share going to micro and user-led providers."
        case .unmetDemand: "Searches by the council's people that found nothing or fewer than five results, by category, area and month."
        case .supplyGaps: "Category and area cells where searches are many and providers few, ranked, with each category's orders and declines."
        case .communityUsage: "Views and click-throughs of the council's community listings by category, area and month, the trend against the period before, and stale listings."
        case .utilisation: "Allocated, committed and spent by funding source and management option, and how many people are on course to underspend or run out."
        case .prices: "Public prices against the council's agreed rates per category and unit: the average discount and the share of spend at council rates."
        case .ratings: "How the council's budget holders rated providers, by category and provider type, and providers rated below three stars."
        case .orderFlow: "How quickly providers accept orders (median, 90th percentile), and how often orders are declined or cancelled, by provider type and category."
        case .refusals: "Orders refused because the council does not fund what they buy or the provider is not registered with its regulator, by category."
        }
    }

    /// Finance staff read the money reports; commissioners and council admins read them all.
    public var readableByFinance: Bool { self == .spend || self == .utilisation }
}

/// A report, its figures already suppressed where they rest on too few people.
public struct Report: Sendable, Equatable {
    public let name: ReportName
    public let period: CouncilPeriod
    public let councilName: String
    public let generatedAt: String
    public let table: ReportTable
    /// How to read it: definitions and the limits of its data.
    public let notes: [String]

    /// Builds the report from raw figures, withholding small numbers on the way.
    public init(name: ReportName, period: CouncilPeriod, councilName: String, generatedAt: String, figures: ReportTable, notes: [String]) {
        self.name = name
        self.period = period
        self.councilName = councilName
        self.generatedAt = generatedAt
        self.table = figures.suppressingSmallNumbers()
        self.notes = notes
    }
}

extension AccessPolicy {
    /// A council's reports: its commissioners and council admins read every one, its finance staff
    /// the money reports; platform admins any council's. Another council is `notFound`; other
    /// roles `forbidden`.
    public func authorizeReport(_ name: ReportName, of council: CouncilID) throws(MarketError) {
        guard maySee(council: council) else { throw .notFound(resource: "council") }
        switch principal.role {
        case .platformAdmin, .councilAdmin, .commissioner: return
        case .finance where name.readableByFinance: return
        case .finance: throw .forbidden("finance staff read the spend and utilisation reports; this one is for commissioners")
        default: throw .forbidden("reports are for the council's commissioners, admins and finance staff")
        }
    }
}
