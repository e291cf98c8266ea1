import HTTPTypes

extension HTTPField.Name {
    // Both names are valid header tokens, so the failable initialiser cannot return nil.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let requestID = HTTPField.Name("X-Request-Id")!
}
