import Foundation
import MarketCore
import Testing

/// Every (status, step) of an invoice's payer steps and of a payment batch, without a database.
@Suite("Invoice and payment batch lifecycles")
struct PaymentLifecycleTests {
    let issued = CalendarDay("2026-11-02")!
    let now = ISO8601DateFormatter().date(from: "2026-11-20T12:00:00Z")!
    let issuedAt = ISO8601DateFormatter().date(from: "2026-11-02T09:00:00Z")!
    let payerStaff = UserID.random()
    let creator = UserID.random()
    let longAgo = ISO8601DateFormatter().date(from: "2026-01-05T09:00:00Z")!

    /// An approval by `approver` of a batch `creator` made, both long in their roles and
    /// invited by someone else.
    func approval(by approver: UserID, coolingOff: TimeInterval = 7 * 86_400, grantedAt: Date? = nil) -> PaymentBatch.Step {
        .approve(
            by: FourEyes.Person(id: approver, grantedAt: grantedAt ?? longAgo, createdBy: .random()),
            creator: FourEyes.Person(id: creator, grantedAt: longAgo, createdBy: .random()), coolingOff: coolingOff)
    }

    func invoice(_ status: InvoiceStatus, payer: Payer = .council(.random())) -> Invoice {
        Invoice(
            id: .random(), number: "INV-1", sequenceNumber: 1, providerID: .random(), payer: payer, councilID: nil,
            period: BillingPeriod(start: CalendarDay("2026-10-01")!, end: CalendarDay("2026-10-31")!), issueDate: issued,
            dueDate: issued.adding(days: 30), totalPence: 10_000, lineCount: 1, creditedPence: 0, status: status,
            approvedBy: status == .approved ? "usr_earlier" : nil, approvedAt: status == .approved ? issuedAt : nil,
            disputedBy: nil, disputedAt: nil, disputeReason: nil, runID: .random(), createdAt: issuedAt, lines: [],
            creditNotes: [])
    }

    func batch(_ status: PaymentBatchStatus, payments: Int = 1, processing: CalendarDay? = nil) -> PaymentBatch {
        let details = BankDetails(accountName: "Payer", sortCode: "200000", accountNumber: "55779911", rollNumber: nil, iban: nil, bic: nil)
        let id = PaymentBatchID.random()
        let payment = Payment(
            id: .random(), batchID: id, providerID: .random(), providerName: "Provider", bankAccountID: .random(), payee: details,
            amountPence: 10_000, reference: "REF", status: .pending, returnedReason: nil, returnedAt: nil, items: [])
        return PaymentBatch(
            id: id, sequenceNumber: 1, payer: .council(.random()), payerName: "Council", cutOffDate: issued, status: status,
            originator: PayerAccount(payer: .council(.random()), details: details, serviceUserNumber: "123456", updatedAt: issuedAt),
            totalPence: 10_000, held: [], createdBy: creator, createdAt: issuedAt, approvedBy: nil, approvedAt: nil,
            exportedAt: nil, processingDate: processing, valueDate: nil, cancelledAt: nil,
            payments: Array(repeating: payment, count: payments), files: [])
    }

    /// The status a step leads to from `status`, or `nil` where it must be refused.
    func expectOutcome<Value, Status: Equatable>(
        _ apply: () throws -> Value, _ status: KeyPath<Value, Status>, _ expected: Status?, _ label: String
    ) {
        do {
            let after = try apply()
            #expect(expected != nil, "\(label) was allowed")
            if let expected { #expect(after[keyPath: status] == expected, "\(label)") }
        } catch {
            #expect(expected == nil, "\(label) was refused: \(error)")
        }
    }

    @Test func everyInvoiceStepFromEveryStatus() throws {
        let steps: [(Invoice.Step, [InvoiceStatus: InvoiceStatus])] = [
            (.approve(by: payerStaff), [.awaitingApproval: .approved]),
            (.dispute(by: payerStaff, reason: "two visits missing"), [.awaitingApproval: .disputed, .approved: .disputed]),
        ]
        for (step, allowed) in steps {
            for status in InvoiceStatus.allCases {
                expectOutcome({ try invoice(status).applying(step, at: now) }, \.status, allowed[status], "\(step) from \(status)")
            }
        }
        let approved = try invoice(.awaitingApproval).applying(.approve(by: payerStaff), at: now)
        #expect(approved.approvedBy == payerStaff.rawValue && approved.approvedAt == now)
        let disputed = try invoice(.approved).applying(.dispute(by: payerStaff, reason: "late"), at: now)
        #expect(disputed.approvedBy == nil && disputed.approvedAt == nil, "a dispute withdraws the approval")
        #expect(disputed.disputedBy == payerStaff && disputed.disputeReason == "late" && disputed.disputedAt == now)
    }

    @Test func onlyAHolderMarksTheirApprovedInvoicePaidOnADayThatCanBe() throws {
        let payment = InvoicePayment(paidOn: CalendarDay("2026-11-10")!, reference: "BANK 1", recordedBy: payerStaff, recordedAt: now)
        for status in InvoiceStatus.allCases {
            expectOutcome({ try invoice(status, payer: .holder(.random())).applying(.markPaid(payment), at: now) },
                          \.status, status == .approved ? .paid : nil, "markPaid from \(status)")
            expectOutcome({ try invoice(status).applying(.markPaid(payment), at: now) }, \.status, InvoiceStatus?.none,
                          "a council's invoice marked paid from \(status)")
        }
        let paid = try invoice(.approved, payer: .holder(.random())).applying(.markPaid(payment), at: now)
        #expect(paid.payment == payment)
        for day in [issued.adding(days: -1), CalendarDay(now).adding(days: 1)] {
            let early = InvoicePayment(paidOn: day, reference: "X", recordedBy: payerStaff, recordedAt: now)
            #expect(throws: MarketError.invalid("paid_on", "must be from the issue date \(issued.text) to today")) {
                try invoice(.approved, payer: .holder(.random())).applying(.markPaid(early), at: now)
            }
        }
    }

    @Test func everyBatchStepFromEveryStatus() throws {
        let processing = CalendarDay("2026-11-23")!
        let steps: [(PaymentBatch.Step, [PaymentBatchStatus: PaymentBatchStatus])] = [
            (approval(by: payerStaff), [.draft: .approved]),
            (.cancel, [.draft: .cancelled, .approved: .cancelled]),
            (.export(processingDate: processing), [.approved: .exported]),
            (.markPaid(valueDate: processing, today: processing), [.exported: .paid]),
        ]
        for (step, allowed) in steps {
            for status in PaymentBatchStatus.allCases {
                expectOutcome({ try batch(status, processing: processing).applying(step, at: now) }, \.status, allowed[status],
                              "\(step) from \(status)")
            }
        }
        let exported = try batch(.approved).applying(.export(processingDate: processing), at: now)
        #expect(exported.processingDate == processing && exported.exportedAt == now)
        #expect(throws: MarketError.conflict("the batch is already exported: download its files")) {
            try batch(.exported).applying(.export(processingDate: processing), at: now)
        }
    }

    @Test func fourEyesAndEmptyBatchesAreRefusedBeforeApproval() {
        #expect(throws: MarketError.forbidden(
            "four eyes: the person who created a batch cannot approve it; another of the payer's finance staff must")) {
            try batch(.draft).applying(approval(by: creator), at: now)
        }
        #expect(throws: MarketError.self, "a finance officer new in the role waits out the cooling-off") {
            try batch(.draft).applying(approval(by: payerStaff, grantedAt: now.addingTimeInterval(-3_600)), at: now)
        }
        // The cooling-off is judged before emptiness, so a newcomer learns the rule that binds them.
        do {
            _ = try batch(.draft, payments: 0).applying(approval(by: payerStaff, grantedAt: now.addingTimeInterval(-3_600)), at: now)
            Issue.record("an empty batch was approved")
        } catch {
            guard case .forbidden(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("confirms payments from"), "\(message)")
        }
        #expect(throws: MarketError.conflict("the batch pays nobody: cancel it")) {
            try batch(.draft, payments: 0).applying(approval(by: payerStaff), at: now)
        }
    }

    @Test func aValueDateIsBetweenProcessingAndToday() {
        let processing = CalendarDay("2026-11-23")!
        let today = CalendarDay("2026-11-25")!
        for valueDate in [processing.adding(days: -1), today.adding(days: 1)] {
            #expect(throws: MarketError.self) {
                try batch(.exported, processing: processing).applying(.markPaid(valueDate: valueDate, today: today), at: now)
            }
        }
        #expect((try? batch(.exported, processing: processing).applying(.markPaid(valueDate: today, today: today), at: now))?.valueDate == today)
    }
}
