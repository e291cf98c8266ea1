import Foundation

/// The files an exported batch is written as, once: a spreadsheet-safe CSV, a BACS Standard 18
/// file, and an ISO 20022 `pain.001.001.09` credit transfer. Pure functions of the batch and
/// the moment of export, so a batch's files are the same bytes whoever renders them.
public enum BankFiles {
    public static func render(_ format: BankFileFormat, _ batch: PaymentBatch, exportedAt: Date) -> String {
        switch format {
        case .csv: CSV.text(header: csvHeader, rows: batch.exportedPayments.map(csvRow))
        case .bacs: BACSStandard18.file(batch, createdOn: CalendarDay(exportedAt))
        case .pain001: Pain001.document(batch, createdAt: exportedAt)
        }
    }

    /// What in a batch a bank file must not carry: text stored before the edge's rule
    /// (`UntrustedText`) that holds control or bidirectional characters, each named by where it
    /// is. An export with any is refused, so no file reaches a bank with a name that reads as
    /// something other than what it is.
    public static func unsafeTexts(_ batch: PaymentBatch) -> [String] {
        var found: [String] = []
        func check(_ text: String, _ place: String) { if !UntrustedText.isSafe(text) { found.append(place) } }
        check(batch.payerName, "the payer's name")
        check(batch.originator.details.accountName, "the payer's account name")
        for payment in batch.exportedPayments {
            check(payment.providerName, "provider \(payment.providerID.rawValue)'s name")
            check(payment.payee.accountName, "provider \(payment.providerID.rawValue)'s account name")
            check(payment.reference, "payment \(payment.id.rawValue)'s reference")
        }
        return found
    }

    /// The media type each file is served as.
    public static func contentType(_ format: BankFileFormat) -> String {
        switch format {
        case .csv: "text/csv; charset=utf-8; header=present"
        case .bacs: "text/plain; charset=us-ascii"
        case .pain001: "application/xml; charset=utf-8"
        }
    }

    public static func filename(_ format: BankFileFormat, _ batch: PaymentBatch) -> String {
        switch format {
        case .csv: "\(batch.id.rawValue).csv"
        case .bacs: "\(batch.id.rawValue).bacs.txt"
        case .pain001: "\(batch.id.rawValue).pain.001.xml"
        }
    }

    static let csvHeader = [
        "payment_id", "reference", "provider_id", "provider_name", "account_name", "sort_code", "account_number",
        "roll_number", "amount_pence", "amount_gbp", "invoices", "credit_notes_recovered",
    ]

    static func csvRow(_ payment: Payment) -> [String] {
        [
            payment.id.rawValue, payment.reference, payment.providerID.rawValue, payment.providerName,
            payment.payee.accountName, payment.payee.formattedSortCode, payment.payee.accountNumber,
            payment.payee.rollNumber ?? "", String(payment.amountPence), Money.decimal(payment.amountPence),
            payment.items.filter { $0.creditNoteID == nil }.map(\.invoiceNumber).joined(separator: " "),
            payment.items.compactMap(\.creditNoteNumber).joined(separator: " "),
        ]
    }
}

extension Money {
    /// `1234.50` for 123450 pence: two decimals, no currency sign, as bank files carry amounts.
    public static func decimal(_ pence: Int64) -> String {
        let sign = pence < 0 ? "-" : ""
        let magnitude = pence.magnitude
        let fraction = String(magnitude % 100)
        return sign + String(magnitude / 100) + "." + (fraction.count == 1 ? "0" + fraction : fraction)
    }
}

/// BACS Standard 18, the full label set: `VOL1`, `HDR1`, `HDR2`, `UHL1`, one 100-character
/// record per payment (transaction code 99), one contra (17) debiting the payer for their sum,
/// `EOF1`, `EOF2`, `UTL1`. Fixed width, CRLF after every record, the BACS character set only.
/// `docs/features/billing.md` lays out every field.
public enum BACSStandard18 {
    public static let labelLength = 80
    public static let recordLength = 100

    public static func file(_ batch: PaymentBatch, createdOn: CalendarDay) -> String {
        let origin = batch.originator
        let sun = origin.serviceUserNumber
        let serial = String(String(batch.sequenceNumber % 1_000_000).leftPadded(to: 6, with: "0"))
        let created = julian(createdOn)
        let processing = julian(batch.processingDate ?? createdOn)
        let payments = batch.exportedPayments
        let credits = payments.reduce(Int64(0)) { $0 + $1.amountPence }

        var lines: [String] = []
        lines.append(FixedWidth(labelLength).put("VOL1", at: 1).put(serial, at: 5).put("0", at: 11).put(sun, at: 42).put("1", at: 80).text)
        func header(_ label: String) -> String {
            FixedWidth(labelLength).put(label, at: 1).put("A", at: 5).put(sun, at: 6).put("S", at: 12).put(serial, at: 22)
                .put("00010001", at: 28).put(created, at: 42).put(created, at: 48).put("000000", at: 55).text
        }
        func header2(_ label: String) -> String {
            FixedWidth(labelLength).put(label, at: 1).put("F", at: 5).put("02000", at: 6).put("00100", at: 11).text
        }
        lines.append(header("HDR1"))
        lines.append(header2("HDR2"))
        lines.append(FixedWidth(labelLength).put("UHL1", at: 1).put(processing, at: 5).put(sun, at: 11).put("00", at: 21)
            .put("000000", at: 23).put("1 DAILY  ", at: 29).text)
        for payment in payments {
            lines.append(record(
                to: payment.payee.sortCode, payment.payee.accountNumber, code: "99", from: origin.details,
                amount: payment.amountPence, reference: payment.reference, name: payment.payee.accountName))
        }
        lines.append(record(
            to: origin.details.sortCode, origin.details.accountNumber, code: "17", from: origin.details, amount: credits,
            reference: "CONTRA", name: origin.details.accountName))
        lines.append(header("EOF1"))
        lines.append(header2("EOF2"))
        lines.append(FixedWidth(labelLength).put("UTL1", at: 1).put(digits(credits, 13), at: 5).put(digits(credits, 13), at: 18)
            .put(digits(1, 7), at: 31).put(digits(Int64(payments.count), 7), at: 38).text)
        return lines.map { $0 + "\r\n" }.joined()
    }

    /// A direct credit (99) or contra (17) record: 100 characters.
    static func record(
        to sortCode: String, _ accountNumber: String, code: String, from origin: BankDetails, amount: Int64, reference: String,
        name: String
    ) -> String {
        FixedWidth(recordLength).put(sortCode, at: 1).put(accountNumber, at: 7).put("0", at: 15).put(code, at: 16)
            .put(origin.sortCode, at: 18).put(origin.accountNumber, at: 24).put(digits(amount, 11), at: 36)
            .put(text(origin.accountName, 18), at: 47).put(text(reference, 18), at: 65).put(text(name, 18), at: 83).text
    }

    /// ` yyddd`: a space, the year's last two digits, the day of the year.
    static func julian(_ day: CalendarDay) -> String {
        let year = String(day.text.prefix(4))
        let dayOfYear = (CalendarDay(year + "-01-01")?.days(until: day) ?? 0) + 1
        return " " + year.suffix(2) + String(dayOfYear).leftPadded(to: 3, with: "0")
    }

    static func digits(_ value: Int64, _ width: Int) -> String { String(value).leftPadded(to: width, with: "0") }

    /// `value` in the BACS character set (upper-case letters, digits, space, `. & / -`), accents
    /// folded, apostrophes dropped, anything else a space, cut to `width`.
    public static func text(_ value: String, _ width: Int) -> String {
        let folded = value.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_GB")).uppercased()
        var result = ""
        for character in folded where character != "'" && character != "’" {
            let allowed = character.isASCII && (character.isLetter || character.isNumber || " .&/-".contains(character))
            let kept: Character = allowed ? character : " "
            if kept == " " && (result.isEmpty || result.last == " ") { continue }
            result.append(kept)
        }
        return String(result.prefix(width)).trimmingCharacters(in: .whitespaces)
    }
}

/// A fixed-width record being filled: spaces until a field is put at its 1-based position.
struct FixedWidth {
    private var characters: [Character]

    init(_ length: Int) { characters = Array(repeating: " ", count: length) }

    func put(_ value: String, at position: Int) -> FixedWidth {
        var copy = self
        for (offset, character) in value.enumerated() where position - 1 + offset < copy.characters.count {
            copy.characters[position - 1 + offset] = character
        }
        return copy
    }

    var text: String { String(characters) }
}

extension String {
    func leftPadded(to width: Int, with pad: Character) -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}

/// ISO 20022 `pain.001.001.09`: one group header, one payment information block for the payer's
/// account and the processing date, one credit transfer per payment whose `EndToEndId` is the
/// payment's id, amounts in GBP, remittance information naming what it settles.
public enum Pain001 {
    public static let namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"

    public static func document(_ batch: PaymentBatch, createdAt: Date) -> String {
        let payments = batch.exportedPayments
        let total = Money.decimal(payments.reduce(Int64(0)) { $0 + $1.amountPence })
        let count = String(payments.count)
        let origin = batch.originator.details
        let e = HTML.escape
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="\(namespace)">
              <CstmrCdtTrfInitn>
                <GrpHdr>
                  <MsgId>\(batch.id.rawValue)</MsgId>
                  <CreDtTm>\(createdAt.formatted(Date.ISO8601FormatStyle()))</CreDtTm>
                  <NbOfTxs>\(count)</NbOfTxs>
                  <CtrlSum>\(total)</CtrlSum>
                  <InitgPty><Nm>\(e(PrintableText.prefix(batch.payerName, scalars: 140)))</Nm></InitgPty>
                </GrpHdr>
                <PmtInf>
                  <PmtInfId>\(batch.id.rawValue)</PmtInfId>
                  <PmtMtd>TRF</PmtMtd>
                  <BtchBookg>true</BtchBookg>
                  <NbOfTxs>\(count)</NbOfTxs>
                  <CtrlSum>\(total)</CtrlSum>
                  <PmtTpInf><SvcLvl><Cd>NURG</Cd></SvcLvl></PmtTpInf>
                  <ReqdExctnDt><Dt>\((batch.processingDate ?? CalendarDay(createdAt)).text)</Dt></ReqdExctnDt>
                  <Dbtr><Nm>\(e(PrintableText.prefix(origin.accountName, scalars: 140)))</Nm></Dbtr>
                  <DbtrAcct>\(account(origin))<Ccy>GBP</Ccy></DbtrAcct>
                  <DbtrAgt>\(agent(origin))</DbtrAgt>
                  <ChrgBr>SLEV</ChrgBr>

            """
        for payment in payments {
            xml += """
                      <CdtTrfTxInf>
                        <PmtId><InstrId>\(e(PrintableText.prefix(payment.reference, scalars: 35)))</InstrId><EndToEndId>\(payment.id.rawValue)</EndToEndId></PmtId>
                        <Amt><InstdAmt Ccy="GBP">\(Money.decimal(payment.amountPence))</InstdAmt></Amt>
                        <CdtrAgt>\(agent(payment.payee))</CdtrAgt>
                        <Cdtr><Nm>\(e(PrintableText.prefix(payment.providerName, scalars: 140)))</Nm></Cdtr>
                        <CdtrAcct>\(account(payment.payee))<Nm>\(e(PrintableText.prefix(payment.payee.accountName, scalars: 70)))</Nm></CdtrAcct>
                        <RmtInf>\(remittance(payment).map { "<Ustrd>\(e($0))</Ustrd>" }.joined())</RmtInf>
                      </CdtTrfTxInf>

                """
        }
        xml += """
                </PmtInf>
              </CstmrCdtTrfInitn>
            </Document>

            """
        return xml
    }

    /// The account by IBAN when there is one, else sort code and account number as a BBAN.
    static func account(_ details: BankDetails) -> String {
        if let iban = details.iban { return "<Id><IBAN>\(iban)</IBAN></Id>" }
        return "<Id><Othr><Id>\(details.sortCode)\(details.accountNumber)</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id>"
    }

    /// The bank by BIC when known, and always by its UK sort code (clearing system `GBDSC`).
    static func agent(_ details: BankDetails) -> String {
        let bic = details.bic.map { "<BICFI>\($0)</BICFI>" } ?? ""
        return "<FinInstnId>\(bic)<ClrSysMmbId><ClrSysId><Cd>GBDSC</Cd></ClrSysId><MmbId>\(details.sortCode)</MmbId></ClrSysMmbId></FinInstnId>"
    }

    /// "Invoices A-1 A-2 less credit notes A-CN-1", in pieces of at most 140 characters.
    static func remittance(_ payment: Payment) -> [String] {
        let words = ["Invoices"] + payment.items.filter { $0.creditNoteID == nil }.map(\.invoiceNumber)
            + (payment.items.contains { $0.creditNoteID != nil } ? ["less", "credit", "notes"] + payment.items.compactMap(\.creditNoteNumber) : [])
        var pieces: [String] = []
        var current = ""
        for word in words {
            if current.isEmpty { current = word } else if current.count + 1 + word.count <= 140 { current += " " + word } else {
                pieces.append(current)
                current = word
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
