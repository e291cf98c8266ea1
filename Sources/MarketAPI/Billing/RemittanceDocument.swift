import Foundation
import MarketCore

/// A remittance advice: what one payment paid one provider, as a printable page or CSV rows.
enum RemittanceDocument {
    static let csvHeader = ["payment_id", "reference", "payment_date", "invoice_number", "invoice_id", "credit_note_number", "amount_pence"]

    static func csvRows(_ remittance: Remittance) -> [[String]] {
        let payment = remittance.payment
        return payment.items.map { item in
            [payment.id.rawValue, payment.reference, remittance.paymentDate?.text ?? "", item.invoiceNumber, item.invoiceID.rawValue,
             item.creditNoteNumber ?? "", String(item.amountPence)]
        }
    }

    static func html(_ remittance: Remittance) -> String {
        let payment = remittance.payment
        let e = HTML.escape
        let rows = payment.items.map { (item: PaymentItem) -> String in
            let what = item.creditNoteNumber.map { "Credit note \(e($0)) on invoice \(e(item.invoiceNumber)), recovered" }
                ?? "Invoice \(e(item.invoiceNumber))"
            return "<tr><td>\(what)</td><td class=\"num\">\(item.amountPence < 0 ? "−" : "")\(Money.describe(Int64(item.amountPence.magnitude)))</td></tr>"
        }.joined(separator: "\n")
        let status = switch payment.status {
        case .returned: "Returned by the bank" + (payment.returnedReason.map { ": \(e($0))" } ?? "")
        case .paid: "Paid"
        case .pending: "Sent to the bank"
        case .cancelled: "Cancelled"
        }
        return """
        <!DOCTYPE html>
        <html lang="en-GB">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Remittance advice \(e(payment.reference))</title>
        <style>
        \(PrintStyle.css)
        </style>
        </head>
        <body>
        <h1>Remittance advice</h1>
        <table class="meta">
          <tr><td class="label">From</td><td>\(e(remittance.payerName))</td></tr>
          <tr><td class="label">To</td><td>\(e(payment.providerName))</td></tr>
          <tr><td class="label">Reference</td><td><strong>\(e(payment.reference))</strong> (on your bank statement)</td></tr>
          <tr><td class="label">Payment date</td><td>\(e(remittance.paymentDate?.text ?? "to be confirmed"))</td></tr>
          <tr><td class="label">Paid to</td><td>\(e(payment.payee.accountName)), sort code \(e(payment.payee.formattedSortCode)), \
        account ending \(e(String(payment.payee.accountNumber.suffix(4))))</td></tr>
          <tr><td class="label">Status</td><td>\(status)</td></tr>
        </table>
        <h2>What this payment settles</h2>
        <table>
          <thead><tr><th>Document</th><th class="num">Amount</th></tr></thead>
          <tbody>
        \(rows)
          </tbody>
        </table>
        <table class="totals">
          <tr class="due"><td>Paid</td><td class="num">\(Money.describe(payment.amountPence))</td></tr>
        </table>
        <footer>Payment \(e(payment.id.rawValue)) in batch \(e(remittance.batchID.rawValue)), through Supportmarket.</footer>
        </body>
        </html>
        """
    }
}
