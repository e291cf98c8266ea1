extension AccessPolicy {
    /// The council whose concerns the caller handles: a council admin's own. Nobody else reads
    /// a concern's contents, not even platform admins.
    public var safeguardingCouncil: CouncilID? {
        principal.role == .councilAdmin ? principal.councilID : nil
    }

    /// Whether the caller reads what a concern raised with `council` says (not only its status).
    public func maySeeConcernDetails(of council: CouncilID) -> Bool {
        safeguardingCouncil == council
    }

    /// Acknowledging and closing: the admins of the council the concern was raised with.
    public func authorizeHandling(concernOf council: CouncilID) throws(MarketError) {
        guard safeguardingCouncil == council else {
            throw .forbidden("only the council's admins, who handle safeguarding, act on a concern")
        }
    }
}
