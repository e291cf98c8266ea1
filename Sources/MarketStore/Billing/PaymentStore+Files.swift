import Foundation
import GRDB
import MarketCore

/// A batch's bank files and the remittance advice each provider reads.
extension PaymentStore {
    /// An exported file, byte for byte as it was written, with its SHA-256.
    public func file(_ id: PaymentBatchID, _ format: BankFileFormat, by policy: AccessPolicy) async throws -> (batch: PaymentBatch, content: Data, sha256: String) {
        try await database.read { db in
            let batch = try Self.load(id, policy: policy, db)
            guard let row = try Row.fetchOne(
                db, sql: "SELECT content, sha256 FROM payment_batch_file WHERE batch_id = ? AND format = ?", arguments: [id, format])
            else { throw MarketError.conflict("the batch is \(batch.status.rawValue): its files are written when it is exported") }
            return (batch, row["content"], row["sha256"])
        }
    }

    /// What the batch paid one provider, for its staff (their own only) and the payer's side;
    /// written once the batch is exported.
    public func remittance(_ id: PaymentBatchID, provider: OrganisationID, by policy: AccessPolicy) async throws -> Remittance {
        try await database.read { db in
            let principal = policy.principal
            let batch: PaymentBatch
            if principal.role == .provider {
                guard principal.organisationID == provider,
                      let record = try PaymentBatchRecord.filter(PaymentBatchRecord.Columns.id == id.rawValue).fetchOne(db),
                      record.status == .exported || record.status == .paid
                else { throw MarketError.notFound(resource: "remittance") }
                batch = try Self.batch(record, payments: try Self.payments(of: id, db), db)
            } else {
                batch = try Self.load(id, policy: policy, db)
            }
            guard let payment = batch.payments.first(where: { $0.providerID == provider && $0.status != .cancelled }) else {
                throw MarketError.notFound(resource: "remittance")
            }
            guard batch.status == .exported || batch.status == .paid else {
                throw MarketError.conflict("the batch is \(batch.status.rawValue): a remittance is written once it is exported")
            }
            return Remittance(batchID: id, payment: payment, payerName: batch.payerName, paymentDate: batch.valueDate ?? batch.processingDate)
        }
    }
}
