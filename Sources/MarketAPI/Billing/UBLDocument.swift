import MarketCore

/// The e-invoice: an invoice or credit note as UBL 2.1 in the Peppol BIS Billing 3.0 profile of
/// EN 16931, which UK public-sector finance systems take in. Tests validate what this writes
/// against the UBL 2.1 XSD and the EN 16931 and Peppol Schematron rules (`scripts/ubl-validate.py`).
/// Written only when both parties have a Peppol participant id (`PrintableInvoice.eInvoiceRefusal`):
/// Peppol requires both electronic addresses, and a document the network refuses helps no one.
///
/// VAT: social care is exempt, but EN 16931 lets only a VAT-registered seller state the exempt
/// category `E` (BR-E-02). A provider without a VAT registration is outside the scope of VAT,
/// category `O`, and must not state a rate (BR-O-05). Either way every line's VAT is zero.
enum UBLDocument {
    static func invoice(_ printable: PrintableInvoice) -> String {
        let invoice = printable.invoice
        let tax = TaxCategory(printable.profile)
        let lines = invoice.lines.map { line -> String in
            """
              <cac:InvoiceLine>
                <cbc:ID>\(line.lineNumber)</cbc:ID>
            \(line.councilReference.map { "    <cbc:Note>Council reference \(e($0))</cbc:Note>\n" } ?? "")\
                <cbc:InvoicedQuantity unitCode="\(unitCode(line.unit))">\(line.quantity.decimal)</cbc:InvoicedQuantity>
                <cbc:LineExtensionAmount currencyID="GBP">\(amount(line.totalPence))</cbc:LineExtensionAmount>
                <cac:InvoicePeriod>
                  <cbc:StartDate>\(line.deliveredOn.text)</cbc:StartDate>
                  <cbc:EndDate>\(line.deliveredOn.text)</cbc:EndDate>
                </cac:InvoicePeriod>
                <cac:DocumentReference>
                  <cbc:ID>\(e(line.deliveryID.rawValue))</cbc:ID>
                  <cbc:DocumentTypeCode>130</cbc:DocumentTypeCode>
                </cac:DocumentReference>
                <cac:Item>
                  <cbc:Description>Order \(e(line.orderID.rawValue)), delivered \(line.deliveredOn.text)</cbc:Description>
                  <cbc:Name>\(e(String(line.description.prefix(200))))</cbc:Name>
                  <cac:SellersItemIdentification><cbc:ID>\(e(line.offeringID.rawValue))</cbc:ID></cac:SellersItemIdentification>
                  \(tax.classified)
                </cac:Item>
                <cac:Price>
                  <cbc:PriceAmount currencyID="GBP">\(amount(line.unitPricePence))</cbc:PriceAmount>
                </cac:Price>
              </cac:InvoiceLine>
            """
        }.joined(separator: "\n")
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" \(namespaces)>
          \(header)
          <cbc:ID>\(e(invoice.number))</cbc:ID>
          <cbc:IssueDate>\(invoice.issueDate.text)</cbc:IssueDate>
          <cbc:DueDate>\(invoice.dueDate.text)</cbc:DueDate>
          <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
          <cbc:Note>\(e(notes(printable)))</cbc:Note>
          <cbc:DocumentCurrencyCode>GBP</cbc:DocumentCurrencyCode>
          <cbc:BuyerReference>\(e(invoice.payer.id))</cbc:BuyerReference>
          <cac:InvoicePeriod>
            <cbc:StartDate>\(invoice.period.start.text)</cbc:StartDate>
            <cbc:EndDate>\(invoice.period.end.text)</cbc:EndDate>
          </cac:InvoicePeriod>
          \(parties(printable, tax: tax))
          \(paymentTerms(printable))
          \(taxTotal(invoice.totalPence, tax))
          \(monetaryTotal(invoice.totalPence))
        \(lines)
        </Invoice>

        """
    }

    /// A credit note of `printable`'s invoice, referring to it and, line by line, to the invoice
    /// lines it corrects (each credited as one unit of the amount given back).
    static func creditNote(_ note: CreditNote, of printable: PrintableInvoice) -> String {
        let invoice = printable.invoice
        let tax = TaxCategory(printable.profile)
        let lines = note.lines.enumerated().map { index, credited -> String in
            let line = invoice.lines.first { $0.lineNumber == credited.invoiceLineNumber }
            return """
              <cac:CreditNoteLine>
                <cbc:ID>\(index + 1)</cbc:ID>
                <cbc:Note>Corrects invoice \(e(invoice.number)) line \(credited.invoiceLineNumber)</cbc:Note>
                <cbc:CreditedQuantity unitCode="C62">1</cbc:CreditedQuantity>
                <cbc:LineExtensionAmount currencyID="GBP">\(amount(credited.amountPence))</cbc:LineExtensionAmount>
                <cac:Item>
                  <cbc:Name>\(e(String((line?.description ?? "Support").prefix(200))))</cbc:Name>
                  \(tax.classified)
                </cac:Item>
                <cac:Price>
                  <cbc:PriceAmount currencyID="GBP">\(amount(credited.amountPence))</cbc:PriceAmount>
                </cac:Price>
              </cac:CreditNoteLine>
            """
        }.joined(separator: "\n")
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2" \(namespaces)>
          \(header)
          <cbc:ID>\(e(note.number))</cbc:ID>
          <cbc:IssueDate>\(note.issueDate.text)</cbc:IssueDate>
          <cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>
          <cbc:Note>\(e(note.reason))</cbc:Note>
          <cbc:DocumentCurrencyCode>GBP</cbc:DocumentCurrencyCode>
          <cbc:BuyerReference>\(e(invoice.payer.id))</cbc:BuyerReference>
          <cac:BillingReference>
            <cac:InvoiceDocumentReference>
              <cbc:ID>\(e(invoice.number))</cbc:ID>
              <cbc:IssueDate>\(invoice.issueDate.text)</cbc:IssueDate>
            </cac:InvoiceDocumentReference>
          </cac:BillingReference>
          \(parties(printable, tax: tax))
          \(taxTotal(note.totalPence, tax))
          \(monetaryTotal(note.totalPence))
        \(lines)
        </CreditNote>

        """
    }

    // MARK: Parts

    private static let namespaces = """
        xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" \
        xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
        """

    private static let header = """
        <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
          <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
        """

    /// The VAT category every line of a provider's documents carries.
    private struct TaxCategory {
        let code: String
        let reason: String

        init(_ profile: BillingProfile?) {
            if profile?.vatNumber != nil {
                code = "E"
                reason = "Exempt: welfare services (Value Added Tax Act 1994, Schedule 9, Group 7)"
            } else {
                code = "O"
                reason = "Not subject to VAT: the provider is not registered for VAT"
            }
        }

        /// A rate is stated for `E` (0) and never for `O`.
        var percent: String { code == "O" ? "" : "<cbc:Percent>0</cbc:Percent>" }

        var classified: String {
            "<cac:ClassifiedTaxCategory><cbc:ID>\(code)</cbc:ID>\(percent)<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>"
        }
    }

    private static func parties(_ printable: PrintableInvoice, tax: TaxCategory) -> String {
        let profile = printable.profile
        let address = profile.map { profile in
            """
            <cac:PostalAddress>
                    <cbc:StreetName>\(e(profile.address.line1))</cbc:StreetName>
                    \(profile.address.line2.map { "<cbc:AdditionalStreetName>\(e($0))</cbc:AdditionalStreetName>" } ?? "")
                    <cbc:CityName>\(e(profile.address.town))</cbc:CityName>
                    <cbc:PostalZone>\(e(profile.address.postcode))</cbc:PostalZone>
                    <cac:Country><cbc:IdentificationCode>GB</cbc:IdentificationCode></cac:Country>
                  </cac:PostalAddress>
            """
        } ?? "<cac:PostalAddress><cac:Country><cbc:IdentificationCode>GB</cbc:IdentificationCode></cac:Country></cac:PostalAddress>"
        let legalName = profile?.legalName ?? printable.providerName
        let registration = (profile?.companyNumber ?? profile?.charityNumber).map { "<cbc:CompanyID>\(e($0))</cbc:CompanyID>" } ?? ""
        let vat = profile?.vatNumber.map {
            "<cac:PartyTaxScheme><cbc:CompanyID>\(e($0))</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        } ?? ""
        let endpoint = endpointID(profile?.peppolID)
        let buyer = printable.payerName + (printable.councilName.map { " (for people funded by \($0))" } ?? "")
        return """
        <cac:AccountingSupplierParty>
            <cac:Party>
              \(endpoint)
              <cac:PartyName><cbc:Name>\(e(printable.providerName))</cbc:Name></cac:PartyName>
              \(address)
              \(vat)
              <cac:PartyLegalEntity><cbc:RegistrationName>\(e(legalName))</cbc:RegistrationName>\(registration)</cac:PartyLegalEntity>
            </cac:Party>
          </cac:AccountingSupplierParty>
          <cac:AccountingCustomerParty>
            <cac:Party>
              \(endpointID(printable.payerPeppolID))
              <cac:PartyIdentification><cbc:ID>\(e(printable.invoice.payer.id))</cbc:ID></cac:PartyIdentification>
              <cac:PostalAddress><cac:Country><cbc:IdentificationCode>GB</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
              <cac:PartyLegalEntity><cbc:RegistrationName>\(e(buyer))</cbc:RegistrationName></cac:PartyLegalEntity>
            </cac:Party>
          </cac:AccountingCustomerParty>
        """
    }

    private static func endpointID(_ id: PeppolID?) -> String {
        id.map { "<cbc:EndpointID schemeID=\"\($0.scheme)\">\(e($0.identifier))</cbc:EndpointID>" } ?? ""
    }

    private static func paymentTerms(_ printable: PrintableInvoice) -> String {
        guard let profile = printable.profile else { return "" }
        return """
        <cac:PaymentTerms><cbc:Note>Payment within \(profile.paymentTermsDays) days, by \(printable.invoice.dueDate.text), \
        quoting \(e(printable.invoice.number)); remittance advice to \(e(profile.remittanceEmail.value))</cbc:Note></cac:PaymentTerms>
        """
    }

    private static func taxTotal(_ pence: Int64, _ tax: TaxCategory) -> String {
        """
        <cac:TaxTotal>
            <cbc:TaxAmount currencyID="GBP">0.00</cbc:TaxAmount>
            <cac:TaxSubtotal>
              <cbc:TaxableAmount currencyID="GBP">\(amount(pence))</cbc:TaxableAmount>
              <cbc:TaxAmount currencyID="GBP">0.00</cbc:TaxAmount>
              <cac:TaxCategory>
                <cbc:ID>\(tax.code)</cbc:ID>
                \(tax.percent)
                <cbc:TaxExemptionReason>\(e(tax.reason))</cbc:TaxExemptionReason>
                <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
              </cac:TaxCategory>
            </cac:TaxSubtotal>
          </cac:TaxTotal>
        """
    }

    private static func monetaryTotal(_ pence: Int64) -> String {
        """
        <cac:LegalMonetaryTotal>
            <cbc:LineExtensionAmount currencyID="GBP">\(amount(pence))</cbc:LineExtensionAmount>
            <cbc:TaxExclusiveAmount currencyID="GBP">\(amount(pence))</cbc:TaxExclusiveAmount>
            <cbc:TaxInclusiveAmount currencyID="GBP">\(amount(pence))</cbc:TaxInclusiveAmount>
            <cbc:PayableAmount currencyID="GBP">\(amount(pence))</cbc:PayableAmount>
          </cac:LegalMonetaryTotal>
        """
    }

    private static func notes(_ printable: PrintableInvoice) -> String {
        let councilReferences = printable.invoice.lines.contains { $0.councilReference != nil }
        return "Support delivered \(printable.invoice.period.start.text) to \(printable.invoice.period.end.text)"
            + (councilReferences ? "; each line notes the council reference of the person supported" : "")
    }

    /// Pence as a UBL amount: pounds with two decimals, no grouping.
    static func amount(_ pence: Int64) -> String {
        let magnitude = pence.magnitude
        let pennies = magnitude % 100
        return (pence < 0 ? "-" : "") + String(magnitude / 100) + "." + (pennies < 10 ? "0" : "") + String(pennies)
    }

    /// UN/ECE Recommendation 20 codes for the catalogue's units.
    static func unitCode(_ unit: String) -> String {
        switch unit {
        case "hour": "HUR"
        case "day": "DAY"
        case "week": "WEE"
        default: "C62"  // one: a session, night, item or journey
        }
    }

    private static func e(_ text: String) -> String { HTML.escape(text) }
}
