/// Who is calling: built once per request by the authentication middleware from a valid token.
/// Handlers never see a token or a raw user row, only this.
public struct Principal: Sendable, Equatable, Codable {
    public let userID: UserID
    public let email: EmailAddress
    public let role: Role
    public let councilID: CouncilID?
    public let organisationID: OrganisationID?

    public init(userID: UserID, email: EmailAddress, role: Role, councilID: CouncilID?, organisationID: OrganisationID?) {
        self.userID = userID
        self.email = email
        self.role = role
        self.councilID = councilID
        self.organisationID = organisationID
    }
}
