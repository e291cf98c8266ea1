import Foundation

/// A freshly issued bearer token. `token` is shown once, to the caller who logged in; the service
/// keeps only its SHA-256.
public struct IssuedToken: Sendable {
    public let token: String
    public let tokenID: AccessTokenID
    public let expiresAt: Date
    public let user: User

    public init(token: String, tokenID: AccessTokenID, expiresAt: Date, user: User) {
        self.token = token
        self.tokenID = tokenID
        self.expiresAt = expiresAt
        self.user = user
    }
}

/// What a valid bearer token resolves to.
public struct Authentication: Sendable {
    public let principal: Principal
    public let tokenID: AccessTokenID
    public let expiresAt: Date

    public init(principal: Principal, tokenID: AccessTokenID, expiresAt: Date) {
        self.principal = principal
        self.tokenID = tokenID
        self.expiresAt = expiresAt
    }
}
