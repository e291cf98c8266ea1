extension AccessPolicy {
    /// A council's admins and commissioners keep its prohibited-spend list (platform admins
    /// any council's). Another council is `notFound`; other roles `forbidden`. Anyone reads it:
    /// councils publish what their funds may not buy.
    public func authorizeKeepingProhibitedSpend(of council: CouncilID) throws(MarketError) {
        guard maySee(council: council) else { throw .notFound(resource: "council") }
        guard [.platformAdmin, .councilAdmin, .commissioner].contains(principal.role) else {
            throw .forbidden("only council admins and commissioners keep the council's prohibited-spend list")
        }
    }
}
