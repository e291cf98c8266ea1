extension AccessPolicy {
    /// Whose webhook endpoints the caller manages: their organisation's (provider, broker and
    /// community staff) or their council's (council staff). Nobody else has endpoints.
    public var webhookOwner: WebhookOwner? {
        switch principal.role {
        case .provider, .broker, .brokerFinance, .communityPublisher: principal.organisationID.map(WebhookOwner.organisation)
        case .councilAdmin, .commissioner, .finance: principal.councilID.map(WebhookOwner.council)
        case .platformAdmin, .budgetHolder: nil
        }
    }

    /// The owner the caller manages endpoints for; `forbidden` for roles that have none.
    public func authorizeManagingWebhooks() throws(MarketError) -> WebhookOwner {
        guard let owner = webhookOwner else {
            throw .forbidden("webhook endpoints belong to an organisation or a council, managed by its staff")
        }
        return owner
    }
}
