import Foundation
import Testing
import Webhooks

@Suite("Standard Webhooks signatures")
struct WebhookSignerTests {
    /// The example of the Standard Webhooks reference libraries; the expected value was also
    /// produced here by the `standardwebhooks` Python package.
    @Test func matchesTheReferenceVector() throws {
        let signer = try #require(WebhookSigner(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = signer.signature(
            messageID: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Data(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func aChangedBodyChangesTheSignature() throws {
        let signer = try #require(WebhookSigner(secret: "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()))
        let one = signer.signature(messageID: "msg_1", timestamp: 1, body: Data("a".utf8))
        let two = signer.signature(messageID: "msg_1", timestamp: 1, body: Data("b".utf8))
        #expect(one != two)
        #expect(signer.verifies(header: one, messageID: "msg_1", timestamp: 1, body: Data("a".utf8)))
        #expect(!signer.verifies(header: two, messageID: "msg_1", timestamp: 1, body: Data("a".utf8)))
        #expect(!signer.verifies(header: one, messageID: "msg_1", timestamp: 2, body: Data("a".utf8)))
    }

    /// During a rotation both secrets sign, space-separated, and a receiver holding either verifies.
    @Test func aRotatedSecretAndTheOneBeforeBothSign() throws {
        let old = try #require(WebhookSigner(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let new = try #require(WebhookSigner(secret: "whsec_" + Data(repeating: 9, count: 32).base64EncodedString()))
        let body = Data(#"{"type":"order.placed"}"#.utf8)
        let headers = WebhookSigner.headers(signers: [new, old], messageID: "evt_1", timestamp: 1_700_000_000, body: body)
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        let signature = try #require(headers.last?.value)
        #expect(signature.split(separator: " ").count == 2)
        #expect(old.verifies(header: signature, messageID: "evt_1", timestamp: 1_700_000_000, body: body))
        #expect(new.verifies(header: signature, messageID: "evt_1", timestamp: 1_700_000_000, body: body))
    }

    @Test(arguments: ["", "whsec_", "whsec_not base64", "whsec_c2hvcnQ="])
    func weakOrMalformedSecretsAreRefused(secret: String) {
        #expect(WebhookSigner(secret: secret) == nil)
    }

    @Test func libcurlIsLinked() {
        #expect(Curl.version.hasPrefix("libcurl/"))
    }
}
