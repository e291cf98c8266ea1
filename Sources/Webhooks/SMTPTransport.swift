import CCurl
import Foundation
import MarketCore

/// How the service reaches its mail server (`SUPPORTMARKET_SMTP_*`).
public struct SMTPSettings: Sendable, Equatable {
    /// `smtp://host:587` (submission; STARTTLS is required) or `smtps://host:465` (implicit TLS).
    public var url: String
    public var username: String?
    public var password: String?
    /// The sender, such as `Supportmarket <no-reply@market.example.org>`.
    public var from: String
    /// Plain SMTP with no TLS, allowed only to a mail server on loopback (a local relay, tests).
    public var plaintextOnLoopback = false
    public var timeout: TimeInterval = 30

    public init(url: String, username: String? = nil, password: String? = nil, from: String) {
        self.url = url
        self.username = username
        self.password = password
        self.from = from
    }

    /// The address inside `from` (`no-reply@…` of `Name <no-reply@…>`), for the envelope.
    var envelopeSender: String {
        guard let open = from.lastIndex(of: "<"), let close = from.lastIndex(of: ">"), open < close else { return from }
        return String(from[from.index(after: open)..<close])
    }

    var host: String? { URLComponents(string: url)?.host }

    /// Why these settings would send mail unsafely, if they would.
    public var problems: [String] {
        var problems: [String] = []
        guard let components = URLComponents(string: url), let scheme = components.scheme, components.host != nil else {
            return ["SUPPORTMARKET_SMTP_URL must be smtp://host:port or smtps://host:port"]
        }
        if !["smtp", "smtps"].contains(scheme) { problems.append("SUPPORTMARKET_SMTP_URL must use smtp:// (STARTTLS) or smtps://") }
        if plaintextOnLoopback, !["127.0.0.1", "localhost", "::1", "[::1]"].contains(host ?? "") {
            problems.append("plain SMTP without TLS is allowed only to a mail server on loopback")
        }
        if !envelopeSender.contains("@") { problems.append("SUPPORTMARKET_MAIL_FROM must contain an email address") }
        return problems
    }
}

/// Sends one mail over SMTP with libcurl (which the service links for webhooks): TLS required
/// (STARTTLS on `smtp://`, implicit on `smtps://`) unless the server is on loopback and
/// `plaintextOnLoopback` says so; authenticated when a user name is set. Each send is one
/// blocking transfer on a thread of its own, off Swift's cooperative pool.
public struct SMTPTransport: Sendable {
    public let settings: SMTPSettings
    let domain: String

    public init(settings: SMTPSettings) {
        self.settings = settings
        self.domain = settings.envelopeSender.split(separator: "@").last.map(String.init) ?? "supportmarket.invalid"
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Sends `message`; throws `Failure` with curl's reason when the server does not take it.
    public func send(_ message: MailMessage) async throws {
        let payload = Array(message.rendered(from: settings.from, domain: domain).utf8)
        let settings = self.settings
        let result: String? = await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: Self.perform(payload, to: message.recipient.value, settings))
            }.start()
        }
        if let result { throw Failure(description: result) }
    }

    /// The upload's bytes and how far curl has read them.
    private final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    /// One transfer; answers curl's error, or `nil` when the server accepted the mail.
    private static func perform(_ payload: [UInt8], to recipient: String, _ settings: SMTPSettings) -> String? {
        guard let handle = curl_easy_init() else { return "curl could not start a transfer" }
        defer { curl_easy_cleanup(handle) }
        let upload = Upload(payload)
        let recipients = curl_slist_append(nil, "<\(recipient)>")
        defer { curl_slist_free_all(recipients) }
        _ = cc_easy_setopt_string(handle, CURLOPT_URL, settings.url)
        _ = cc_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        _ = cc_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = cc_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(settings.timeout * 1000))
        _ = cc_easy_setopt_long(handle, CURLOPT_USE_SSL, Int(settings.plaintextOnLoopback ? CURLUSESSL_NONE.rawValue : CURLUSESSL_ALL.rawValue))
        _ = cc_easy_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(settings.envelopeSender)>")
        _ = cc_easy_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients)
        if let username = settings.username { _ = cc_easy_setopt_string(handle, CURLOPT_USERNAME, username) }
        if let password = settings.password { _ = cc_easy_setopt_string(handle, CURLOPT_PASSWORD, password) }
        _ = cc_easy_setopt_long(handle, CURLOPT_UPLOAD, 1)
        _ = cc_easy_setopt_read_callback(handle) { buffer, size, count, userdata in
            guard let buffer, let userdata else { return 0 }
            let upload = Unmanaged<Upload>.fromOpaque(userdata).takeUnretainedValue()
            let length = min(size * count, upload.bytes.count - upload.offset)
            upload.bytes.withUnsafeBufferPointer { bytes in
                guard let base = bytes.baseAddress, length > 0 else { return }
                memcpy(buffer, base + upload.offset, length)
            }
            upload.offset += length
            return length
        }
        let retained = Unmanaged.passRetained(upload)
        defer { retained.release() }
        _ = cc_easy_setopt_pointer(handle, CURLOPT_READDATA, retained.toOpaque())
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else { return String(cString: curl_easy_strerror(code)) }
        return nil
    }
}
