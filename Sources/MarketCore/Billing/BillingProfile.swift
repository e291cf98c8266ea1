import Foundation

/// A UK postal address, as invoices print it and e-invoices carry it.
public struct PostalAddress: Sendable, Equatable, Codable {
    public let line1: String
    public let line2: String?
    public let town: String
    public let postcode: String

    public init(line1: String, line2: String?, town: String, postcode: String) {
        self.line1 = line1
        self.line2 = line2
        self.town = town
        self.postcode = postcode
    }

    /// Checks an address under `field` (`address.line1`, …); `nil` when any part is invalid.
    public static func validated(
        line1: String?, line2: String?, town: String?, postcode: String?, _ field: String, _ v: inout Validator
    ) -> PostalAddress? {
        let line1 = v.text(line1 ?? "", "\(field).line1", maxLength: 100)
        let line2 = v.optionalText(line2, "\(field).line2", maxLength: 100)
        let town = v.text(town ?? "", "\(field).town", maxLength: 60)
        let postcode = (postcode ?? "").uppercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let shape = /[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}/
        v.check(postcode.wholeMatch(of: shape) != nil, "\(field).postcode", "must be a UK postcode such as HA1 2AB")
        guard !line1.isEmpty, !town.isEmpty, line1.count <= 100, town.count <= 60, postcode.wholeMatch(of: shape) != nil
        else { return nil }
        return PostalAddress(line1: line1, line2: line2, town: town, postcode: postcode)
    }
}

/// What a provider bills with: who it legally is, where it is, its terms and how invoices are
/// numbered. An invoicing run skips a provider that has none (`BillingProfile` is complete by
/// construction: every required field is checked on entry).
public struct BillingProfile: Sendable, Equatable, Codable {
    public let providerID: OrganisationID
    public let legalName: String
    public let address: PostalAddress
    /// Companies House number, when the provider is a company.
    public let companyNumber: String?
    /// Charity Commission number, when the provider is a charity.
    public let charityNumber: String?
    /// `GB` and 9 or 12 digits; most care is VAT-exempt and most providers have none.
    public let vatNumber: String?
    public let paymentTermsDays: Int
    /// Starts every invoice and credit note number: `PREFIX-000001`, `PREFIX-CN-000001`.
    public let invoicePrefix: String
    /// Where remittance advices are sent.
    public let remittanceEmail: EmailAddress
    /// Where the provider takes part in Peppol: every e-invoice names its seller's.
    public let peppolID: PeppolID?
    public let updatedAt: Date

    public static let paymentTermsRange = 0...120

    public init(
        providerID: OrganisationID, legalName: String, address: PostalAddress, companyNumber: String?, charityNumber: String?,
        vatNumber: String?, paymentTermsDays: Int, invoicePrefix: String, remittanceEmail: EmailAddress,
        peppolID: PeppolID? = nil, updatedAt: Date
    ) {
        self.providerID = providerID
        self.legalName = legalName
        self.address = address
        self.companyNumber = companyNumber
        self.charityNumber = charityNumber
        self.vatNumber = vatNumber
        self.paymentTermsDays = paymentTermsDays
        self.invoicePrefix = invoicePrefix
        self.remittanceEmail = remittanceEmail
        self.peppolID = peppolID
        self.updatedAt = updatedAt
    }
}

extension BillingProfile {
    /// The same profile with its Peppol address replaced: an invoice keeps the legal details it
    /// was issued with, but is delivered where the provider takes e-invoices now.
    public func addressed(at peppolID: PeppolID?) -> BillingProfile {
        BillingProfile(
            providerID: providerID, legalName: legalName, address: address, companyNumber: companyNumber,
            charityNumber: charityNumber, vatNumber: vatNumber, paymentTermsDays: paymentTermsDays,
            invoicePrefix: invoicePrefix, remittanceEmail: remittanceEmail, peppolID: peppolID, updatedAt: updatedAt)
    }
}

/// A provider's billing profile as entered, checked field by field.
public struct BillingProfileInput: Sendable, Equatable {
    public let legalName: String
    public let address: PostalAddress
    public let companyNumber: String?
    public let charityNumber: String?
    public let vatNumber: String?
    public let paymentTermsDays: Int
    public let invoicePrefix: String
    public let remittanceEmail: EmailAddress
    public let peppolID: PeppolID?

    public init(
        legalName: String?, addressLine1: String?, addressLine2: String?, town: String?, postcode: String?,
        companyNumber: String?, charityNumber: String?, vatNumber: String?, paymentTermsDays: Int?,
        invoicePrefix: String?, remittanceEmail: String?, peppolID: String? = nil
    ) throws(MarketError) {
        var v = Validator()
        let legalName = v.text(legalName ?? "", "legal_name", maxLength: 120)
        let address = PostalAddress.validated(
            line1: addressLine1, line2: addressLine2, town: town, postcode: postcode, "address", &v)
        let companyNumber = v.optionalText(companyNumber, "company_number", maxLength: 8)?.uppercased()
        if let companyNumber {
            v.check(companyNumber.wholeMatch(of: /([0-9]{8}|[A-Z]{2}[0-9]{6})/) != nil, "company_number",
                    "must be a Companies House number: 8 digits, or 2 letters and 6 digits")
        }
        let charityNumber = v.optionalText(charityNumber, "charity_number", maxLength: 12)
        if let charityNumber {
            v.check(charityNumber.wholeMatch(of: /[0-9]{6,8}(-[0-9]{1,2})?/) != nil, "charity_number",
                    "must be a charity number of 6 to 8 digits")
        }
        let vatNumber = v.optionalText(vatNumber, "vat_number", maxLength: 16)?.uppercased().filter { $0 != " " }
        if let vatNumber {
            v.check(vatNumber.wholeMatch(of: /GB([0-9]{9}|[0-9]{12})/) != nil, "vat_number",
                    "must be a UK VAT registration number: GB and 9 or 12 digits")
        }
        let terms = paymentTermsDays ?? 30
        v.check(BillingProfile.paymentTermsRange.contains(terms), "payment_terms_days",
                "must be a whole number of days from 0 to \(BillingProfile.paymentTermsRange.upperBound)")
        let prefix = (invoicePrefix ?? "").uppercased()
        v.check(prefix.wholeMatch(of: /[A-Z][A-Z0-9]{1,9}/) != nil, "invoice_prefix",
                "must be 2 to 10 letters and digits, starting with a letter")
        let email = remittanceEmail.flatMap(EmailAddress.init)
        v.check(email != nil, "remittance_email", "must be the email address remittance advices are sent to")
        let peppolID = PeppolID.validated(peppolID, "peppol_id", &v)
        try v.throwIfInvalid()
        guard let address, let email else { throw .invalid("body", "is incomplete") }
        self.legalName = legalName
        self.address = address
        self.companyNumber = companyNumber
        self.charityNumber = charityNumber
        self.vatNumber = vatNumber
        self.paymentTermsDays = terms
        self.invoicePrefix = prefix
        self.remittanceEmail = email
        self.peppolID = peppolID
    }
}
