import Foundation

/// A local authority that funds budget holders, agrees rates and pays providers.
public struct Council: Sendable, Equatable, Codable {
    public let id: CouncilID
    public var name: String
    /// The ONS-style code, such as `E09000005`; unique.
    public var code: String
    /// Community resources listed for this council's area are stale after this many days unverified.
    public var communityStaleAfterDays: Int
    public let createdAt: Date

    public init(
        id: CouncilID, name: String, code: String,
        communityStaleAfterDays: Int = CommunityFreshness.defaultWindowDays, createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.code = code
        self.communityStaleAfterDays = communityStaleAfterDays
        self.createdAt = createdAt
    }
}

/// A provider, community organisation or broker.
public struct Organisation: Sendable, Equatable, Codable {
    public let id: OrganisationID
    public let kind: OrganisationKind
    public var name: String
    public let createdAt: Date

    public init(id: OrganisationID, kind: OrganisationKind, name: String, createdAt: Date) {
        self.id = id
        self.kind = kind
        self.name = name
        self.createdAt = createdAt
    }
}

/// Someone who signs in. Invariant (also a schema `CHECK`): council staff have a council and no
/// organisation; provider, broker and community staff have an organisation of the matching kind.
public struct User: Sendable, Equatable, Codable {
    public let id: UserID
    public let email: EmailAddress
    public var displayName: String
    public let role: Role
    public let councilID: CouncilID?
    public let organisationID: OrganisationID?
    public let createdAt: Date
    /// Set while an admin has disabled the account: it cannot sign in and its tokens fail.
    public var disabledAt: Date?

    public init(
        id: UserID, email: EmailAddress, displayName: String, role: Role,
        councilID: CouncilID?, organisationID: OrganisationID?, createdAt: Date, disabledAt: Date? = nil
    ) {
        self.disabledAt = disabledAt
        self.id = id
        self.email = email
        self.displayName = displayName
        self.role = role
        self.councilID = councilID
        self.organisationID = organisationID
        self.createdAt = createdAt
    }

    /// The principal this user acts as once authenticated.
    public var principal: Principal {
        Principal(userID: id, email: email, role: role, councilID: councilID, organisationID: organisationID)
    }
}

/// A normalised (trimmed, lower-cased) email address of plausible shape.
public struct EmailAddress: Sendable, Hashable, TextCodable, CustomStringConvertible {
    public let value: String

    /// `nil` unless the text is `local@domain.tld`-shaped, ≤ 254 characters, without spaces.
    public init?(_ text: String) {
        let normalised = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = normalised.split(separator: "@", omittingEmptySubsequences: false)
        guard normalised.count <= 254, parts.count == 2, !parts[0].isEmpty,
            parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !normalised.contains(where: { $0.isWhitespace || $0.isNewline })
        else { return nil }
        self.value = normalised
    }

    public var description: String { value }
    public var text: String { value }
    public static var expectedText: String { "an email address" }
}
