import Foundation
import MarketCore
import MarketStore
import Testing

/// Whatever text reaches a file writer, the file stays valid: pain.001 against its XSD, BACS
/// parsed back record by record, CSV parsed back field by field, HTML with no markup of its own.
/// The strings are random (seeded, so a failure reproduces) and lean on what breaks files:
/// control characters, bidirectional controls, markup, quotes, combining marks, astral scalars.
@Suite("File writers under random text")
struct FileWriterPropertyTests {
    static let seed: UInt64 = 0x5EED_F11E
    static let runs = 60

    /// A random string of 0...`maximum` scalars, drawn mostly from the troublesome ones.
    static func randomText(_ generator: inout SplitMix64, maximum: Int = 160) -> String {
        let troublesome: [ClosedRange<UInt32>] = [
            0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0xFFFE...0xFFFF, 0x0300...0x036F,
            0x1F600...0x1F64F, 0x20...0x7E, 0x20...0x7E, 0xA0...0x24F, 0x0600...0x06FF,
        ]
        let length = Int.random(in: 0...maximum, using: &generator)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length {
            let range = troublesome.randomElement(using: &generator)!
            if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &generator)) {
                scalars.append(scalar)
            } else {
                scalars.append("&")
            }
        }
        let markup = ["<", ">", "&", "\"", "'", "]]>", "=", "+", "-", "@", "\r\n", ","]
        return String(scalars) + (markup.randomElement(using: &generator) ?? "")
    }

    static func batch(_ generator: inout SplitMix64) -> PaymentBatch {
        let batchID = PaymentBatchID.random()
        let payments = (0..<3).map { index in
            Payment(
                id: .random(), batchID: batchID, providerID: .random(), providerName: randomText(&generator), bankAccountID: .random(),
                payee: BankDetails(
                    accountName: randomText(&generator), sortCode: "200000", accountNumber: "5500000\(index)", rollNumber: nil,
                    iban: nil, bic: nil),
                amountPence: Int64.random(in: 1...9_999_999, using: &generator),
                reference: Payment.reference(batchSequence: 12, index: index + 1), status: .pending, returnedReason: nil,
                returnedAt: nil,
                items: [PaymentItem(invoiceID: .random(), invoiceNumber: "INV-\(index)", creditNoteID: nil, creditNoteNumber: nil, amountPence: 100)])
        }
        return PaymentBatch(
            id: batchID, sequenceNumber: 12, payer: .council(.random()), payerName: randomText(&generator),
            cutOffDate: CalendarDay("2026-12-01")!, status: .exported,
            originator: PayerAccount(
                payer: .council(.random()),
                details: BankDetails(accountName: randomText(&generator), sortCode: "400000", accountNumber: "12345678", rollNumber: nil, iban: nil, bic: nil),
                serviceUserNumber: "123456", updatedAt: Date(timeIntervalSince1970: 1_796_000_000)),
            totalPence: payments.reduce(0) { $0 + $1.amountPence }, held: [], createdBy: .random(),
            createdAt: Date(timeIntervalSince1970: 1_796_000_000), approvedBy: nil, approvedAt: nil, exportedAt: nil,
            processingDate: CalendarDay("2026-12-08"), valueDate: nil, cancelledAt: nil, payments: payments, files: [])
    }

    @Test func pain001IsValidAgainstItsXSDWhateverTheNames() throws {
        var generator = SplitMix64(seed: Self.seed)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pain001-property-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [String] = []
        for run in 0..<Self.runs {
            let batch = Self.batch(&generator)
            // The export refuses such a batch; the writer must still never write an invalid file.
            let xml = BankFiles.render(.pain001, batch, exportedAt: batch.createdAt)
            let file = directory.appendingPathComponent("run-\(run).xml")
            try xml.write(to: file, atomically: true, encoding: .utf8)
            files.append(file.path)
        }
        let schema = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/standards/iso20022/pain.001.001.09.xsd")
        guard FileManager.default.fileExists(atPath: schema.path) else {
            // As `validatePain001` does: the official schema lives beside the repository, not in it.
            print("pain.001 XSD property test skipped: \(schema.path) is not here")
            return
        }
        let result = try runCommand(["xmllint", "--noout", "--schema", schema.path] + files)
        #expect(result.status == 0, "\(result.output.prefix(2_000))")
    }

    @Test func bacsRecordsKeepTheirWidthAndCharacterSetAndParseBack() {
        var generator = SplitMix64(seed: Self.seed ^ 1)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .&/-".unicodeScalars)
        for _ in 0..<Self.runs {
            let batch = Self.batch(&generator)
            let file = BankFiles.render(.bacs, batch, exportedAt: batch.createdAt)
            #expect(file.hasSuffix("\r\n"))
            let lines = file.components(separatedBy: "\r\n").dropLast()
            #expect(lines.count == 4 + batch.payments.count + 1 + 3)
            for line in lines {
                #expect(line.unicodeScalars.allSatisfy { allowed.contains($0) || ("a"..."z").contains($0) }, "\(line)")
            }
            for (index, payment) in batch.payments.enumerated() {
                let record = Array(lines[4 + index].unicodeScalars)
                #expect(record.count == BACSStandard18.recordLength)
                func field(_ from: Int, _ to: Int) -> String { String(String.UnicodeScalarView(record[(from - 1)..<to])) }
                #expect(field(1, 6) == payment.payee.sortCode)
                #expect(field(7, 14) == payment.payee.accountNumber)
                #expect(Int64(field(36, 46)) == payment.amountPence)
                let name = BACSStandard18.text(payment.payee.accountName, 18)
                #expect(field(83, 100) == name + String(repeating: " ", count: 18 - name.count))
            }
        }
    }

    @Test func csvParsesBackToTheSameFieldsWhateverTheText() throws {
        var generator = SplitMix64(seed: Self.seed ^ 2)
        for _ in 0..<(Self.runs * 5) {
            let fields = (0..<4).map { _ in Self.randomText(&generator, maximum: 40) }
            let parsed = Self.parseCSV(CSV.row(fields))
            #expect(parsed.count == 1)
            let row = try #require(parsed.first)
            #expect(row.count == fields.count)
            for (written, field) in zip(row, fields) {
                // The text itself, or `'` and the text where a spreadsheet would read a formula.
                let printable = PrintableText.of(field)
                #expect(written == printable || written == "'" + printable, "\(field.debugDescription)")
                #expect(UntrustedText.isSafe(written, multiline: true))
            }
        }
    }

    @Test func htmlEscapingLeavesNoMarkupAndNoControlsWhateverTheText() {
        var generator = SplitMix64(seed: Self.seed ^ 3)
        for _ in 0..<(Self.runs * 5) {
            let text = Self.randomText(&generator)
            let escaped = HTML.escape(text)
            #expect(!escaped.contains("<") && !escaped.contains(">") && !escaped.contains("\"") && !escaped.contains("'"))
            #expect(UntrustedText.isSafe(escaped, multiline: true))
            #expect(Array(Self.unescapeHTML(escaped).unicodeScalars) == Array(PrintableText.of(text).unicodeScalars))
        }
    }

    /// The five references `HTML.escape` writes, read back scalar by scalar (as an HTML parser
    /// does: a combining mark after `;` does not hide the reference).
    static func unescapeHTML(_ text: String) -> String {
        let references: [String: Unicode.Scalar] = ["&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#39;": "'", "&amp;": "&"]
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        outer: while index < scalars.count {
            if scalars[index] == "&" {
                for (reference, scalar) in references {
                    let candidate = Array(reference.unicodeScalars)
                    if scalars[index...].starts(with: candidate) {
                        result.append(scalar)
                        index += candidate.count
                        continue outer
                    }
                }
            }
            result.append(scalars[index])
            index += 1
        }
        return String(result)
    }

    /// RFC 4180, as a spreadsheet or Python's `csv` reads it: quoted fields, doubled quotes, CRLF rows.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = String.UnicodeScalarView()
        var quoted = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let scalar = pending ?? scalars.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    let next = scalars.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(scalar)
                }
            } else {
                switch scalar {
                case "\"": quoted = true
                case ",": row.append(String(field)); field = .init()
                case "\r": break
                case "\n": row.append(String(field)); field = .init(); rows.append(row); row = []
                default: field.append(scalar)
                }
            }
        }
        return rows
    }
}
