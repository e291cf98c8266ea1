import Hummingbird

/// The address of the client behind a request, for the audit trail and session lists.
///
/// `X-Forwarded-For` is believed only when the peer is one of the configured reverse proxies
/// (`SUPPORTMARKET_TRUSTED_PROXIES`); then the last address the proxy appended is the client.
/// Anyone else can write that header, so otherwise the peer's own address is the answer.
enum ClientAddress {
    static func of(_ request: Request, peer: String?, trustedProxies: Set<String>) -> String? {
        guard let peer, trustedProxies.contains(peer), let forwarded = request.headers[.xForwardedFor] else { return peer }
        let last = forwarded.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let isAddress = !last.isEmpty && last.count <= 64 && last.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" }
        return isAddress ? last : peer
    }
}
