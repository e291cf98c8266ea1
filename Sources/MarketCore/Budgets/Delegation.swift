import Foundation

/// What a delegation lets its grantee do for the holder. `view` comes with every delegation.
public enum DelegatedRight: String, Sendable, Codable, CaseIterable {
    case view
    case order
    case approveInvoices = "approve_invoices"
}

/// Who a delegation is granted to: every member of a broker organisation, or one named user
/// (a family member with their own citizen account).
public enum Grantee: Sendable, Equatable, Codable {
    case organisation(OrganisationID)
    case user(UserID)
}

/// Rights over one holder's budget and orders, granted by the holder (or their council's staff,
/// for someone who lacks capacity). Revoked at once: every request reads the current row.
public struct Delegation: Sendable, Equatable, Codable {
    public let id: DelegationID
    public let holderID: BudgetHolderID
    public let grantee: Grantee
    /// Always contains `view`.
    public let rights: Set<DelegatedRight>
    /// The last day it applies, inclusive; `nil`: until revoked.
    public let expiresOn: CalendarDay?
    public let grantedBy: UserID
    public let grantedAt: Date
    public let revokedAt: Date?

    public init(
        id: DelegationID, holderID: BudgetHolderID, grantee: Grantee, rights: Set<DelegatedRight>, expiresOn: CalendarDay?,
        grantedBy: UserID, grantedAt: Date, revokedAt: Date?
    ) {
        self.id = id
        self.holderID = holderID
        self.grantee = grantee
        self.rights = rights.union([.view])
        self.expiresOn = expiresOn
        self.grantedBy = grantedBy
        self.grantedAt = grantedAt
        self.revokedAt = revokedAt
    }

    /// Whether `principal` is the grantee (the named user, or staff of the named broker).
    public func isGranted(to principal: Principal) -> Bool {
        switch grantee {
        case .user(let user): user == principal.userID
        case .organisation(let organisation): principal.role == .broker && principal.organisationID == organisation
        }
    }
}

/// A request to grant a delegation, checked.
public struct NewDelegation: Sendable, Equatable {
    public let holderID: BudgetHolderID
    public let grantee: Grantee
    public let rights: Set<DelegatedRight>
    public let expiresOn: CalendarDay?

    public init(
        holderID: BudgetHolderID?, granteeOrganisationID: OrganisationID?, granteeUserID: UserID?, rights: [String]?,
        expiresOn: CalendarDay?, today: CalendarDay
    ) throws(MarketError) {
        var v = Validator()
        v.check(holderID != nil, "budget_holder_id", "is required")
        v.check((granteeOrganisationID == nil) != (granteeUserID == nil), "grantee",
                "give exactly one of grantee_organisation_id (a broker) and grantee_user_id (a person)")
        var granted: Set<DelegatedRight> = [.view]
        let texts = rights ?? []
        v.check(!texts.isEmpty, "rights", "must list at least one of \(DelegatedRight.allCases.map(\.rawValue).joined(separator: ", "))")
        for (index, text) in texts.enumerated() {
            if let right = DelegatedRight(rawValue: text) {
                granted.insert(right)
            } else {
                v.add("rights[\(index)]", "must be one of \(DelegatedRight.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let expiresOn { v.check(expiresOn >= today, "expires_on", "must not be before today (\(today))") }
        try v.throwIfInvalid()
        guard let holderID, let grantee = granteeOrganisationID.map(Grantee.organisation) ?? granteeUserID.map(Grantee.user)
        else { throw .invalid("body", "is incomplete") }
        self.holderID = holderID
        self.grantee = grantee
        self.rights = granted
        self.expiresOn = expiresOn
    }
}
