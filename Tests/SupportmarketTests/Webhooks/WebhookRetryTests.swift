import Foundation
import MarketCore
import Testing

/// The whole retry decision, without a database: every outcome after every attempt.
@Suite("Webhook retry decision")
struct WebhookRetryTests {
    @Test func whatAnAnswerMeans() {
        let cases: [(Int?, WebhookRetry.Outcome)] = [
            (200, .succeeded), (204, .succeeded), (299, .succeeded), (301, .failed), (400, .failed),
            (410, .gone), (429, .failed), (500, .failed), (503, .failed), (nil, .unanswered),
        ]
        for (status, outcome) in cases {
            #expect(WebhookRetry.outcome(ofStatus: status) == outcome, "\(String(describing: status))")
        }
        #expect(WebhookRetry.Outcome.allCases.map(\.rawValue) == ["succeeded", "gone", "failed", "unanswered"])
    }

    @Test func whatFollowsEachAttempt() {
        for attempts in 1...WebhookRetry.schedule.count {
            #expect(WebhookRetry.decision(after: .succeeded, attemptsMade: attempts, retryAfter: nil, jitter: 0) == .delivered)
            #expect(WebhookRetry.decision(after: .gone, attemptsMade: attempts, retryAfter: nil, jitter: 0) == .endpointGone)
            for outcome in [WebhookRetry.Outcome.failed, .unanswered] {
                let decision = WebhookRetry.decision(after: outcome, attemptsMade: attempts, retryAfter: nil, jitter: 0)
                if attempts < WebhookRetry.schedule.count {
                    #expect(decision == .retry(after: WebhookRetry.schedule[attempts]), "\(outcome) after \(attempts)")
                } else {
                    #expect(decision == .exhausted, "\(outcome) after the last attempt")
                }
            }
        }
    }

    @Test func jitterAndRetryAfterBendTheSchedule() {
        // ±10% jitter, clamped to -1...1.
        #expect(WebhookRetry.decision(after: .failed, attemptsMade: 2, retryAfter: nil, jitter: 1) == .retry(after: 330))
        #expect(WebhookRetry.decision(after: .failed, attemptsMade: 2, retryAfter: nil, jitter: -5) == .retry(after: 270))
        // A receiver's Retry-After is honoured when longer, up to 10 hours; never shorter.
        #expect(WebhookRetry.decision(after: .failed, attemptsMade: 1, retryAfter: 60, jitter: 0) == .retry(after: 60))
        #expect(WebhookRetry.decision(after: .failed, attemptsMade: 3, retryAfter: 60, jitter: 0) == .retry(after: 1_800))
        #expect(WebhookRetry.decision(after: .failed, attemptsMade: 1, retryAfter: 86_400, jitter: 0) == .retry(after: 36_000))
        // Retry-After does not add attempts.
        #expect(WebhookRetry.decision(after: .failed, attemptsMade: 8, retryAfter: 60, jitter: 0) == .exhausted)
    }
}
