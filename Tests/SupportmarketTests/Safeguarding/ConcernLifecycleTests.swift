import Foundation
import MarketCore
import Testing

/// Every (status, step) of a safeguarding concern, without a database.
@Suite("Concern lifecycle")
struct ConcernLifecycleTests {
    let raisedAt = Date(timeIntervalSince1970: 1_790_000_000)
    let earlier = Date(timeIntervalSince1970: 1_790_040_000)
    let now = Date(timeIntervalSince1970: 1_790_086_400)

    func concern(_ status: ConcernStatus) -> Concern {
        Concern(
            id: .random(), councilID: .random(), subject: .described("a neighbour"), description: "Seen left alone",
            urgency: .urgent, status: status, outcome: status == .closed ? "resolved" : nil, raisedBy: .random(),
            raisedAt: raisedAt, acknowledgedAt: status == .received ? nil : earlier, closedAt: status == .closed ? earlier : nil)
    }

    @Test func everyStepFromEveryStatus() throws {
        let table: [(Concern.Step, [ConcernStatus: ConcernStatus])] = [
            (.acknowledge, [.received: .acknowledged]),
            (.close(outcome: "referred to the adult social care team"), [.received: .closed, .acknowledged: .closed]),
        ]
        for (step, allowed) in table {
            for status in ConcernStatus.allCases {
                do {
                    let after = try concern(status).applying(step, at: now)
                    #expect(after.status == allowed[status], "\(step) from \(status)")
                } catch {
                    #expect(allowed[status] == nil, "\(step) from \(status) was refused: \(error)")
                    guard case .conflict = error else { Issue.record("\(error)"); continue }
                }
            }
        }
    }

    @Test func closingKeepsAnEarlierAcknowledgementAndAcknowledgesOtherwise() throws {
        let acknowledgedFirst = try concern(.acknowledged).applying(.close(outcome: "done"), at: now)
        #expect(acknowledgedFirst.acknowledgedAt == earlier && acknowledgedFirst.closedAt == now && acknowledgedFirst.outcome == "done")
        let closedAtOnce = try concern(.received).applying(.close(outcome: "done"), at: now)
        #expect(closedAtOnce.acknowledgedAt == now && closedAtOnce.closedAt == now)
    }
}
