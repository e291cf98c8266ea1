public enum InvoiceEntity: IdentifiedEntity { public static var idPrefix: String { "inv" } }
public enum CreditNoteEntity: IdentifiedEntity { public static var idPrefix: String { "crn" } }
public enum InvoicingRunEntity: IdentifiedEntity { public static var idPrefix: String { "ivr" } }

public typealias InvoiceID = Identifier<InvoiceEntity>
public typealias CreditNoteID = Identifier<CreditNoteEntity>
public typealias InvoicingRunID = Identifier<InvoicingRunEntity>

public enum BankAccountEntity: IdentifiedEntity { public static var idPrefix: String { "bnk" } }
public enum PaymentBatchEntity: IdentifiedEntity { public static var idPrefix: String { "pbt" } }
public enum PaymentEntity: IdentifiedEntity { public static var idPrefix: String { "pay" } }

public typealias BankAccountID = Identifier<BankAccountEntity>
public typealias PaymentBatchID = Identifier<PaymentBatchEntity>
public typealias PaymentID = Identifier<PaymentEntity>

public enum PayerAccountChangeEntity: IdentifiedEntity { public static var idPrefix: String { "pac" } }
public typealias PayerAccountChangeID = Identifier<PayerAccountChangeEntity>
