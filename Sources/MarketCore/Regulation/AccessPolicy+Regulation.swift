extension AccessPolicy {
    /// A registration is the regulator's word: set by hand only by platform admins (or imported).
    public func authorizeSettingRegulatorRegistration() throws(MarketError) {
        guard principal.role == .platformAdmin else {
            throw .forbidden("only platform admins set a provider's regulator registration")
        }
    }
}
