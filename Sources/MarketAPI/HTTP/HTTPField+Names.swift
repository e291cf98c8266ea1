import HTTPTypes

extension HTTPField.Name {
    // Each name is a valid header token, so the failable initialiser cannot return nil.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// On the answer to a retry: it is the first request's answer, sent again.
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    static let requestID = HTTPField.Name("X-Request-Id")!
    /// RFC 9530: the SHA-256 of a stored bank file, as downloaded.
    static let contentDigest = HTTPField.Name("Content-Digest")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
