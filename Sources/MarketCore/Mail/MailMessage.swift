import Foundation

/// One plain-text mail the service sends: invitations, password resets, notices of sign-ins,
/// second-factor resets and role grants. Written to the mail outbox in the transaction of the
/// action it tells of, so that a mail server that is down loses nothing.
public struct MailMessage: Sendable, Equatable {
    public let id: Int64
    public let recipient: EmailAddress
    /// What the mail is about: `invitation`, `password_reset`, `role_granted`, …
    public let kind: String
    public let subject: String
    public let body: String
    public let createdAt: Date

    public init(id: Int64, recipient: EmailAddress, kind: String, subject: String, body: String, createdAt: Date) {
        self.id = id
        self.recipient = recipient
        self.kind = kind
        self.subject = subject
        self.body = body
        self.createdAt = createdAt
    }

    /// RFC 5322 text with CRLF line ends: UTF-8 body, an encoded-word subject when not ASCII.
    public func rendered(from sender: String, domain: String) -> String {
        let subjectField = subject.allSatisfy(\.isASCII)
            ? subject : "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
        let date = Self.dateFormatter.string(from: createdAt)
        let headers = [
            "From: \(sender)", "To: \(recipient.value)", "Subject: \(subjectField)", "Date: \(date)",
            "Message-ID: <mail-\(id)-\(Int(createdAt.timeIntervalSince1970))@\(domain)>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "Auto-Submitted: auto-generated",
        ]
        let encoded = Data(body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + encoded + "\r\n"
    }

    private static let dateFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter
    }()
}
