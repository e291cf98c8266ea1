import Foundation

/// How soon a council should act on a concern.
public enum ConcernUrgency: String, Sendable, Codable, CaseIterable {
    case routine
    case urgent
    /// Someone may be at risk now: the answer says to call 999 as well.
    case immediate
}

public enum ConcernStatus: String, Sendable, Codable, CaseIterable {
    case received
    case acknowledged
    case closed
}

/// Who or what a concern is about: a provider, a budget holder, or described in words.
public enum ConcernSubject: Sendable, Equatable, Codable {
    case provider(OrganisationID)
    case budgetHolder(BudgetHolderID)
    case described(String)
}

/// A safeguarding concern raised with a council: seen by that council's admins (who handle
/// safeguarding) and, as a status only, by whoever raised it. Never by the provider or person
/// it is about, never in public, never in another council's view.
public struct Concern: Sendable, Equatable, Codable {
    public let id: ConcernID
    public let councilID: CouncilID
    public let subject: ConcernSubject
    public let description: String
    public let urgency: ConcernUrgency
    public var status: ConcernStatus
    public var outcome: String?
    public let raisedBy: UserID
    public let raisedAt: Date
    public var acknowledgedAt: Date?
    public var closedAt: Date?

    public init(
        id: ConcernID, councilID: CouncilID, subject: ConcernSubject, description: String, urgency: ConcernUrgency,
        status: ConcernStatus, outcome: String?, raisedBy: UserID, raisedAt: Date, acknowledgedAt: Date?, closedAt: Date?
    ) {
        self.id = id
        self.councilID = councilID
        self.subject = subject
        self.description = description
        self.urgency = urgency
        self.status = status
        self.outcome = outcome
        self.raisedBy = raisedBy
        self.raisedAt = raisedAt
        self.acknowledgedAt = acknowledgedAt
        self.closedAt = closedAt
    }

    /// What every answer about a concern says, whoever reads it.
    public static let emergencyAdvice =
        "If anyone is in immediate danger, call 999 now. If you think a crime has been committed but no one is in danger, call 101."
}

/// A concern as raised, checked field by field.
public struct NewConcern: Sendable, Equatable {
    public let councilID: CouncilID?
    public let subject: ConcernSubject
    public let description: String
    public let urgency: ConcernUrgency

    public init(
        councilID: String?, aboutProviderID: String?, aboutBudgetHolderID: String?, about: String?, description: String?,
        urgency: String?
    ) throws(MarketError) {
        var v = Validator()
        let council = councilID.flatMap(CouncilID.init)
        v.check(councilID == nil || council != nil, "council_id", "must be a council id (cnc_...)")
        let provider = aboutProviderID.flatMap(OrganisationID.init)
        v.check(aboutProviderID == nil || provider != nil, "about_provider_id", "must be a provider's organisation id (org_...)")
        let holder = aboutBudgetHolderID.flatMap(BudgetHolderID.init)
        v.check(aboutBudgetHolderID == nil || holder != nil, "about_budget_holder_id", "must be a budget holder id (bdh_...)")
        let about = v.optionalText(about, "about", maxLength: 500)
        let named = [provider != nil, holder != nil, about != nil].filter { $0 }.count
        if named != 1, aboutProviderID == nil || provider != nil, aboutBudgetHolderID == nil || holder != nil {
            v.add("about", "say who the concern is about: one of about_provider_id, about_budget_holder_id or about (in words)")
        }
        v.check(council != nil || holder != nil || councilID != nil, "council_id",
                "is required: the council to tell (for a concern about a budget holder, it defaults to theirs)")
        let description = v.text(description ?? "", "description", maxLength: 4000)
        let urgency: ConcernUrgency? = v.oneOf(urgency ?? "routine", "urgency")
        try v.throwIfInvalid()
        self.councilID = council
        if let provider { subject = .provider(provider) } else if let holder { subject = .budgetHolder(holder) } else {
            subject = .described(about ?? "")
        }
        self.description = description
        self.urgency = urgency ?? .routine
    }
}
