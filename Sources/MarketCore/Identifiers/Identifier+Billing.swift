public enum InvoiceEntity: IdentifiedEntity { public static var idPrefix: String { "inv" } }
public enum CreditNoteEntity: IdentifiedEntity { public static var idPrefix: String { "crn" } }
public enum InvoicingRunEntity: IdentifiedEntity { public static var idPrefix: String { "ivr" } }

public typealias InvoiceID = Identifier<InvoiceEntity>
public typealias CreditNoteID = Identifier<CreditNoteEntity>
public typealias InvoicingRunID = Identifier<InvoicingRunEntity>
