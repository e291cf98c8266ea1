import Foundation
import Logging
import MarketCore
import MarketStore
import Webhooks

/// Sends what waits in the mail outbox: over SMTP when `SUPPORTMARKET_SMTP_URL` is set, otherwise
/// (the demo) into a folder of `.eml` files, logging where each went. A mail the server refuses
/// stays in the outbox and is tried again later (`MailOutbox.markFailed`); none is lost.
struct MailDispatcher: Sendable {
    let outbox: MailOutbox
    let transport: SMTPTransport?
    let folder: URL
    let from: String
    let logger: Logger

    /// Sends every mail now due; answers how many went.
    func sendDue() async throws -> Int {
        var sent = 0
        for message in try await outbox.due() {
            do {
                if let transport {
                    try await transport.send(message)
                    logger.info("mail sent", metadata: ["mail.id": "\(message.id)", "mail.kind": "\(message.kind)"])
                } else {
                    let file = try write(message)
                    logger.info("mail written to a file (no SMTP server is configured)", metadata: [
                        "mail.id": "\(message.id)", "mail.kind": "\(message.kind)", "mail.file": "\(file.path)",
                    ])
                }
                try await outbox.markSent(message.id)
                sent += 1
            } catch {
                logger.warning("mail not sent; kept for a later try", metadata: [
                    "mail.id": "\(message.id)", "mail.kind": "\(message.kind)", "error": "\(error)",
                ])
                try await outbox.markFailed(message.id, error: "\(error)")
            }
        }
        return sent
    }

    /// `mail-<id>.eml`, readable by its owner only: it holds a single-use link.
    private func write(_ message: MailMessage) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file = folder.appendingPathComponent("mail-\(message.id).eml")
        let domain = from.split(separator: "@").last.map { String($0.filter { $0 != ">" }) } ?? "supportmarket.invalid"
        try Data(message.rendered(from: from, domain: domain).utf8).write(to: file, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        return file
    }
}
