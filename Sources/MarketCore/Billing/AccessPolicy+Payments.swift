/// Whose payment batches a caller can read: stores turn it into a `WHERE` clause.
public enum PaymentBatchScope: Sendable, Equatable {
    case all
    /// The batches of one payer.
    case payer(BatchPayer)
    case none
}

extension AccessPolicy {
    /// The payer the caller makes payments for: a council's finance staff pay for their council,
    /// a broker's staff (and its finance staff) for their organisation. Everyone else pays in no batch.
    public var batchPayer: BatchPayer? {
        switch principal.role {
        case .finance: principal.councilID.map(BatchPayer.council)
        case .broker, .brokerFinance: principal.organisationID.map(BatchPayer.broker)
        default: nil
        }
    }

    /// Throws unless the caller acts for a payer: creating, approving, exporting and settling
    /// batches, verifying bank details and recording the payer's own account.
    public func authorizePaying() throws(MarketError) -> BatchPayer {
        guard let payer = batchPayer else {
            throw .forbidden("only a council's finance staff, or a broker's staff, make payments")
        }
        return payer
    }

    /// Throws unless the caller holds the finance role of the payer they act for: a council's
    /// finance staff, or a broker's finance staff (`Role.confirmsPayments`). Approving a batch,
    /// verifying bank details and confirming an originating account ask this before `FourEyes`.
    public func authorizeConfirmingPayments() throws(MarketError) -> BatchPayer {
        let payer = try authorizePaying()
        guard principal.role.confirmsPayments else {
            throw .forbidden("only the broker's finance staff approve its payments and confirm where its money goes")
        }
        return payer
    }

    /// Platform admins read every batch; a council's admins and finance staff their council's;
    /// a broker's staff their organisation's. Providers read only their remittances.
    public var paymentBatchScope: PaymentBatchScope {
        switch principal.role {
        case .platformAdmin: .all
        case .finance, .councilAdmin: principal.councilID.map { .payer(.council($0)) } ?? .none
        case .broker, .brokerFinance: principal.organisationID.map { .payer(.broker($0)) } ?? .none
        default: .none
        }
    }

    /// Who reads a payer's originating account: the payer's own side and platform admins.
    public func maySeePayerAccount(_ payer: BatchPayer) -> Bool {
        principal.role == .platformAdmin || paymentBatchScope == .payer(payer)
    }
}
