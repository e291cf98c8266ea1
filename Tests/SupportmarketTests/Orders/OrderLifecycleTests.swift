import Foundation
import MarketCore
import Testing

/// Every (status, step) of an order and of a delivery, without a database: which steps each
/// status allows, what the value is after, and what a refused step says.
@Suite("Order and delivery lifecycles")
struct OrderLifecycleTests {
    let placedAt = Date(timeIntervalSince1970: 1_790_000_000)
    let now = Date(timeIntervalSince1970: 1_790_086_400)

    func order(_ status: OrderStatus) -> Order {
        Order(
            id: .random(), holderID: .random(), streamID: .random(), providerID: .random(), status: status,
            startDate: CalendarDay(placedAt), weeks: nil, totalPence: 5_000, note: nil, lines: [], placedBy: .random(),
            delegationID: nil, placedAt: placedAt, updatedAt: placedAt)
    }

    func delivery(_ status: DeliveryStatus) -> Delivery {
        Delivery(
            id: .random(), orderID: .random(), lineNumber: 1, deliveredOn: CalendarDay(placedAt),
            quantity: Quantity(hundredths: 100)!, amountPence: 2_500, status: status, disputeReason: nil, note: nil,
            recordedAt: placedAt)
    }

    @Test func everyOrderStepFromEveryStatus() throws {
        // (step, the statuses it starts from, the status it ends in)
        let table: [(Order.Step, Set<OrderStatus>, OrderStatus)] = [
            (.accept, [.placed], .accepted),
            (.decline, [.placed], .declined),
            (.cancel, [.placed, .accepted], .cancelled),
            (.complete, [.accepted], .completed),
        ]
        #expect(table.map(\.0) == Order.Step.allCases)
        for (step, from, to) in table {
            for status in OrderStatus.allCases {
                let before = order(status)
                if from.contains(status) {
                    let after = try before.applying(step, at: now)
                    #expect(after.status == to, "\(step) from \(status)")
                    #expect(after.updatedAt == now)
                    let stamps = [after.acceptedAt, after.declinedAt, after.cancelledAt, after.completedAt]
                    #expect(stamps.compactMap { $0 } == [now], "\(step) stamps only its own time")
                    #expect(after.id == before.id && after.totalPence == before.totalPence && after.placedAt == placedAt)
                } else {
                    do {
                        _ = try before.applying(step, at: now)
                        Issue.record("\(step) from \(status) was allowed")
                    } catch {
                        guard case .conflict(let message) = error else { Issue.record("\(error)"); continue }
                        #expect(message.hasPrefix("the order is \(status.rawValue): only "), "\(message)")
                    }
                }
            }
        }
    }

    @Test func everyDeliveryStepFromEveryStatus() throws {
        for step in Delivery.Step.examples {
            for status in DeliveryStatus.allCases {
                let before = delivery(status)
                let allowed: Set<DeliveryStatus> = switch step {
                case .confirm, .void: [.recorded, .disputed]
                case .dispute: [.recorded]
                }
                guard allowed.contains(status) else {
                    do {
                        _ = try before.applying(step, at: now)
                        Issue.record("\(step) from \(status) was allowed")
                    } catch {
                        guard case .conflict(let message) = error else { Issue.record("\(error)"); continue }
                        #expect(message.hasPrefix("the delivery is \(status.rawValue): only "), "\(message)")
                    }
                    continue
                }
                let after = try before.applying(step, at: now)
                switch step {
                case .confirm(let deemed):
                    #expect(after.status == .confirmed && after.confirmedAt == now && after.confirmationDeemed == deemed)
                case .dispute(let reason):
                    #expect(after.status == .disputed && after.disputedAt == now && after.disputeReason == reason)
                case .void:
                    #expect(after.status == .voided && after.voidedAt == now)
                }
                #expect(after.amountPence == before.amountPence && after.quantity == before.quantity)
            }
        }
    }

    @Test func aConfirmedOrVoidedDeliveryIsFinal() {
        for status in [DeliveryStatus.confirmed, .voided] {
            for step in Delivery.Step.examples {
                #expect(throws: MarketError.self) { try delivery(status).applying(step, at: now) }
            }
        }
    }
}
