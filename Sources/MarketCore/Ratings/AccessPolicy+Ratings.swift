extension AccessPolicy {
    /// Who rates an order: the holder themself, or someone the holder delegated to (any right).
    /// Council staff see a holder's orders but do not speak for them. `notFound` unless the
    /// caller can see the holder; `forbidden` when they can but are not on the holder's side.
    public func authorizeRating(for holder: BudgetHolder, delegations: [Delegation]) throws(MarketError) {
        let rights = rights(over: holder, delegations: delegations)
        guard rights.contains(.view) else { throw .notFound(resource: "order") }
        let isHolder = holder.userID == principal.userID
        let isDelegate = delegations.contains { $0.holderID == holder.id && $0.isGranted(to: principal) }
        guard isHolder || isDelegate else {
            throw .forbidden("only the person who bought, or someone they delegated to, rates an order")
        }
    }

    /// Provider staff answer the ratings of their own store.
    public func authorizeReply(as provider: OrganisationID) throws(MarketError) {
        guard principal.role == .provider, principal.organisationID == provider else {
            throw .forbidden("only the provider's staff reply to its ratings")
        }
    }

    /// Hiding a comment: platform admins, and council admins of the council whose funds paid.
    public func authorizeHiding(raterCouncil: CouncilID?) throws(MarketError) {
        switch principal.role {
        case .platformAdmin: return
        case .councilAdmin where raterCouncil != nil && principal.councilID == raterCouncil: return
        default: throw .forbidden("only platform admins, and the admins of the rater's council, hide a comment")
        }
    }

    /// Removing a fake or unlawful rating: platform admins only.
    public func authorizeRemoving() throws(MarketError) {
        guard principal.role == .platformAdmin else { throw .forbidden("only platform admins remove a rating") }
    }
}
