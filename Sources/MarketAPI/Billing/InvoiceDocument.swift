import Foundation
import MarketCore

/// The printable invoice: one self-contained HTML page (no scripts, fonts or images to fetch)
/// that prints on A4 with the provider's and payer's details, the lines, totals, a VAT summary,
/// credit notes, the due date and how to pay.
enum InvoiceDocument {
    static func html(_ printable: PrintableInvoice) -> String {
        let invoice = printable.invoice
        let profile = printable.profile
        let e = HTML.escape
        let from = profile.map { profile in
            [profile.legalName, profile.address.line1, profile.address.line2, profile.address.town, profile.address.postcode]
                .compactMap { $0 }.map(e).joined(separator: "<br>")
        } ?? e(printable.providerName)
        var registrations: [String] = []
        if let number = profile?.companyNumber { registrations.append("Company number \(e(number))") }
        if let number = profile?.charityNumber { registrations.append("Registered charity \(e(number))") }
        if let number = profile?.vatNumber { registrations.append("VAT registration \(e(number))") }
        let payerKind = switch invoice.payer {
        case .council: "Council"
        case .broker: "Managed account provider"
        case .holder: "Budget holder"
        }
        let hasReferences = invoice.lines.contains { $0.councilReference != nil }
        let rows = invoice.lines.map { line in
            """
            <tr><td>\(line.lineNumber)</td><td class="day">\(e(line.deliveredOn.text))</td><td>\(e(line.description))<div class="small">\
            order \(e(line.orderID.rawValue))\(line.disputed ? " · disputed" : "")\(line.confirmedByBuyer ? "" : " · deemed confirmed")</div></td>\
            \(hasReferences ? "<td>\(e(line.councilReference ?? ""))</td>" : "")\
            <td class="num">\(line.quantity.decimal) \(e(line.unit))</td><td class="num">\(Money.describe(line.unitPricePence))</td>\
            <td>\(line.vatCategory.rawValue)</td><td class="num">\(Money.describe(line.totalPence))</td></tr>
            """
        }.joined(separator: "\n")
        let vatRows = VATCategory.allCases.compactMap { category -> String? in
            let lines = invoice.lines.filter { $0.vatCategory == category }
            guard !lines.isEmpty else { return nil }
            let net = lines.reduce(Int64(0)) { $0 + $1.totalPence }
            let label = switch category {
            case .exempt: "E: exempt from VAT (welfare services)"
            case .standard: "S: standard rate"
            case .zeroRated: "Z: zero rated"
            }
            return "<tr><td>\(label)</td><td class=\"num\">\(Money.describe(net))</td><td class=\"num\">\(Money.describe(0))</td></tr>"
        }.joined(separator: "\n")
        let credits = invoice.creditNotes.map { note in
            "<tr><td>\(e(note.number))</td><td>\(e(note.issueDate.text))</td><td>\(e(note.reason))</td><td class=\"num\">−\(Money.describe(note.totalPence))</td></tr>"
        }.joined(separator: "\n")
        let status = switch invoice.status {
        case .awaitingApproval: "Awaiting approval"
        case .approved: invoice.approvedBy == Invoice.automaticApproval ? "Approved (every delivery confirmed by the buyer)" : "Approved"
        case .disputed: "Disputed" + (invoice.disputeReason.map { ": \(e($0))" } ?? "")
        case .credited: "Credited in full"
        case .paid: "Paid" + (invoice.payment.map { " on \(e($0.paidOn.text)), reference \(e($0.reference))" } ?? "")
        }
        return """
        <!DOCTYPE html>
        <html lang="en-GB">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Invoice \(e(invoice.number))</title>
        <style>
        \(PrintStyle.css)
        </style>
        </head>
        <body>
        <div class="head">
          <div>
            <h1>Invoice</h1>
            <table class="meta">
              <tr><td class="label">Number</td><td><strong>\(e(invoice.number))</strong></td></tr>
              <tr><td class="label">Issued</td><td>\(e(invoice.issueDate.text))</td></tr>
              <tr><td class="label">Period</td><td>\(e(invoice.period.start.text)) to \(e(invoice.period.end.text))</td></tr>
              <tr><td class="label">Due</td><td><strong>\(e(invoice.dueDate.text))</strong></td></tr>
              <tr><td class="label">Status</td><td>\(status)</td></tr>
            </table>
          </div>
          <div class="small" style="text-align:right">\(registrations.joined(separator: "<br>"))</div>
        </div>
        <div class="parties">
          <div><div class="label">From</div>\(from)</div>
          <div><div class="label">To (\(payerKind))</div>\(e(printable.payerName))\
        \(printable.councilName.map { "<div class=\"small\">For people funded by \(e($0))</div>" } ?? "")</div>
        </div>
        <h2>Support delivered</h2>
        <table>
          <thead><tr><th>#</th><th>Date</th><th>Description</th>\(hasReferences ? "<th>Council ref.</th>" : "")\
        <th class="num">Quantity</th><th class="num">Unit price</th><th>VAT</th><th class="num">Amount</th></tr></thead>
          <tbody>
        \(rows)
          </tbody>
        </table>
        <table class="totals">
          <tr><td>Total</td><td class="num">\(Money.describe(invoice.totalPence))</td></tr>
          <tr><td>VAT</td><td class="num">\(Money.describe(0))</td></tr>
          \(invoice.creditedPence > 0 ? "<tr><td>Credited</td><td class=\"num\">−\(Money.describe(invoice.creditedPence))</td></tr>" : "")
          <tr class="due"><td>Amount due</td><td class="num">\(Money.describe(invoice.outstandingPence))</td></tr>
        </table>
        <h2>VAT summary</h2>
        <table>
          <thead><tr><th>Category</th><th class="num">Net</th><th class="num">VAT</th></tr></thead>
          <tbody>
        \(vatRows)
          </tbody>
        </table>
        \(credits.isEmpty ? "" : """
        <h2>Credit notes</h2>
        <table>
          <thead><tr><th>Number</th><th>Issued</th><th>Reason</th><th class="num">Amount</th></tr></thead>
          <tbody>
        \(credits)
          </tbody>
        </table>
        """)
        <h2>Payment</h2>
        <p>Please pay \(Money.describe(invoice.outstandingPence)) by \(e(invoice.dueDate.text))\
        \(profile.map { " (\($0.paymentTermsDays) days from issue)" } ?? ""), quoting <strong>\(e(invoice.number))</strong>.\
        \(profile.map { " Remittance advice to \(e($0.remittanceEmail.value))." } ?? "")</p>
        <footer>Issued through Supportmarket from deliveries recorded by the provider and confirmed by the buyer \
        (or deemed confirmed when nobody disputed them in time). Invoice \(e(invoice.id.rawValue)).</footer>
        </body>
        </html>
        """
    }

    /// The CSV of an invoice list: one row per invoice.
    static let csvHeader = [
        "number", "invoice_id", "provider_id", "payer_kind", "payer_id", "council_id", "period_start", "period_end",
        "issue_date", "due_date", "status", "total_pence", "credited_pence", "outstanding_pence", "line_count",
        "paid_on", "payment_reference",
    ]

    static func csvRow(_ invoice: Invoice) -> [String] {
        [
            invoice.number, invoice.id.rawValue, invoice.providerID.rawValue, invoice.payer.kind.rawValue, invoice.payer.id,
            invoice.councilID?.rawValue ?? "", invoice.period.start.text, invoice.period.end.text, invoice.issueDate.text,
            invoice.dueDate.text, invoice.status.rawValue, String(invoice.totalPence), String(invoice.creditedPence),
            String(invoice.outstandingPence), String(invoice.lineCount), invoice.payment?.paidOn.text ?? "",
            invoice.payment?.reference ?? "",
        ]
    }
}

/// The style sheet of every printable page (invoices, remittance advices): A4, print first.
enum PrintStyle {
    static let css = """
        @page { size: A4; margin: 16mm 14mm; }
        * { box-sizing: border-box; }
        body { font: 10.5pt/1.4 "Helvetica Neue", Arial, sans-serif; color: #111; max-width: 182mm; margin: 0 auto; padding: 8mm 0; }
        h1 { font-size: 20pt; margin: 0 0 2mm; letter-spacing: 0.02em; }
        h2 { font-size: 11pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; padding-bottom: 1mm; }
        .head { display: flex; justify-content: space-between; gap: 10mm; }
        .parties { display: flex; gap: 10mm; margin-top: 6mm; }
        .parties > div { flex: 1; border: 1px solid #ccc; padding: 3mm 4mm; border-radius: 2mm; }
        .label { font-size: 8pt; text-transform: uppercase; letter-spacing: 0.06em; color: #555; }
        .small { font-size: 8.5pt; color: #555; }
        table { width: 100%; border-collapse: collapse; }
        th, td { text-align: left; padding: 1.5mm 2mm; border-bottom: 1px solid #ddd; vertical-align: top; }
        th { font-size: 8.5pt; text-transform: uppercase; letter-spacing: 0.04em; color: #333; border-bottom: 1.5px solid #333; }
        .num { text-align: right; white-space: nowrap; }
        .day { white-space: nowrap; }
        tr { break-inside: avoid; }
        thead { display: table-header-group; }
        .totals { margin-left: auto; width: 80mm; margin-top: 3mm; }
        .totals td { border: none; padding: 1mm 2mm; }
        .totals .due td { font-weight: bold; font-size: 12pt; border-top: 1.5px solid #333; }
        .meta td { border: none; padding: 0.5mm 2mm 0.5mm 0; }
        footer { margin-top: 8mm; font-size: 8.5pt; color: #444; border-top: 1px solid #ccc; padding-top: 2mm; }
        """
}
