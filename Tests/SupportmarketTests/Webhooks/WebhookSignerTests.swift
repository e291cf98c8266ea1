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
        let signer = try #require(WebhookSigner(secret: WebhookSigner.newSecret()))
        let one = signer.signature(messageID: "msg_1", timestamp: 1, body: Data("a".utf8))
        let two = signer.signature(messageID: "msg_1", timestamp: 1, body: Data("b".utf8))
        #expect(one != two)
        #expect(signer.headers(messageID: "msg_1", timestamp: 1, body: Data("a".utf8)).map(\.name)
                == ["webhook-id", "webhook-timestamp", "webhook-signature"])
    }

    @Test(arguments: ["", "whsec_", "whsec_not base64", "whsec_c2hvcnQ="])
    func weakOrMalformedSecretsAreRefused(secret: String) {
        #expect(WebhookSigner(secret: secret) == nil)
    }

    @Test func libcurlIsLinked() {
        #expect(Curl.version.hasPrefix("libcurl/"))
    }
}
