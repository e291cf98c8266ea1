/// The invoices a caller can see; stores turn it into a `WHERE` clause.
public enum InvoiceScope: Sendable, Equatable {
    case all
    /// Invoices the provider issued.
    case provider(OrganisationID)
    /// Invoices for the council's holders (whoever pays them).
    case council(CouncilID)
    /// Invoices a broker pays, and invoices paid by holders the caller acts for.
    case payer(broker: OrganisationID?, holders: BudgetHolderScope)
    case none
}

extension AccessPolicy {
    public var invoiceScope: InvoiceScope {
        switch principal.role {
        case .platformAdmin: .all
        case .provider: principal.organisationID.map(InvoiceScope.provider) ?? .none
        case .councilAdmin, .commissioner, .finance: principal.councilID.map(InvoiceScope.council) ?? .none
        case .broker, .brokerFinance, .budgetHolder:
            .payer(broker: principal.role.organisationKind == .broker ? principal.organisationID : nil, holders: budgetHolderScope)
        case .communityPublisher: .none
        }
    }

    /// Throws unless the caller is on the payer's side of `payer` for approving and disputing:
    /// the council's finance staff, the broker's staff, or (for a holder who pays) whoever
    /// `holderRights` says has `approveInvoices`. `holderRights` is `nil` unless the payer is a
    /// holder the caller can see.
    public func authorizeApproving(payer: Payer, holderRights: HolderRights?) throws(MarketError) {
        let allowed: Bool = switch payer {
        case .council(let council): principal.role == .finance && principal.councilID == council
        case .broker(let broker): principal.role.organisationKind == .broker && principal.organisationID == broker
        case .holder: holderRights?.contains(.approveInvoices) ?? false
        }
        guard allowed else {
            let who = switch payer {
            case .council: "only the council's finance staff approve or dispute the invoices it pays"
            case .broker: "only the broker's staff approve or dispute the invoices it pays"
            case .holder: "only the budget holder, or a delegate with the approve_invoices right, approves or disputes this invoice"
            }
            throw .forbidden(who)
        }
    }

    /// Provider staff edit their own billing profile and issue their own credit notes.
    public func authorizeBilling(as provider: OrganisationID) throws(MarketError) {
        guard principal.role == .provider, principal.organisationID == provider else {
            throw .forbidden("only the provider's staff do this")
        }
    }

    /// Who may read a provider's billing profile: its staff and platform admins.
    public func maySeeBillingProfile(of provider: OrganisationID) -> Bool {
        principal.role == .platformAdmin || (principal.role == .provider && principal.organisationID == provider)
    }

    /// Who starts an invoicing run: platform admins for everything (`nil`), a council's finance
    /// staff for what their council pays. Returns the council the run is limited to.
    public func authorizeInvoicingRun() throws(MarketError) -> CouncilID? {
        switch principal.role {
        case .platformAdmin: return nil
        case .finance:
            guard let council = principal.councilID else { throw .forbidden("a finance user belongs to a council") }
            return council
        default: throw .forbidden("only platform admins, and council finance staff for what their council pays, run invoicing")
        }
    }

    /// Which runs' records the caller may read: every run (`.all`), their council's, or none.
    public var invoicingRunScope: CouncilScope {
        switch principal.role {
        case .platformAdmin: .all
        case .finance: principal.councilID.map(CouncilScope.only) ?? .none
        default: .none
        }
    }

    /// Council admins and finance staff set their council's billing terms and holders' council
    /// references; platform admins any council's. Everyone else who cannot see the council: 404.
    public func authorizeCouncilBilling(_ council: CouncilID) throws(MarketError) {
        guard maySee(council: council) else { throw .notFound(resource: "council") }
        guard [.platformAdmin, .councilAdmin, .finance].contains(principal.role) else {
            throw .forbidden("only the council's admins and finance staff set its billing terms and council references")
        }
    }
}
