import Foundation

/// A local authority that funds budget holders, agrees rates and pays providers.
public struct Council: Sendable, Equatable, Codable {
    public let id: CouncilID
    public var name: String
    /// The ONS-style code, such as `E09000005`; unique.
    public var code: String
    /// Community resources listed for this council's area are stale after this many days unverified.
    public var communityStaleAfterDays: Int
    /// The email domains its staff's accounts must use; empty: any.
    public var staffEmailDomains: StaffEmailDomains
    public let createdAt: Date

    public init(
        id: CouncilID, name: String, code: String,
        communityStaleAfterDays: Int = CommunityFreshness.defaultWindowDays, staffEmailDomains: StaffEmailDomains = .any,
        createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.code = code
        self.communityStaleAfterDays = communityStaleAfterDays
        self.staffEmailDomains = staffEmailDomains
        self.createdAt = createdAt
    }
}

/// The email domains a council's staff accounts must be at, so that nobody is invited as its
/// finance officer at a web-mail address. A domain matches exactly: `harrowby.gov.uk` does not
/// admit `mail.harrowby.gov.uk`, which is listed on its own if wanted. Empty: any address.
public struct StaffEmailDomains: Sendable, Equatable, Codable {
    public static let any = StaffEmailDomains(checked: [])
    public static let maximumCount = 20

    /// Lower-case host names, each listed once, in the order given.
    public let domains: [String]

    private init(checked domains: [String]) { self.domains = domains }

    /// Checks and normalises `texts` (trimmed, lower-cased host names of at least two labels,
    /// letters, digits and hyphens); `invalid` naming `field` otherwise.
    public init(_ texts: [String], field: String = "staff_email_domains") throws(MarketError) {
        guard texts.count <= Self.maximumCount else { throw .invalid(field, "may list at most \(Self.maximumCount) domains") }
        var domains: [String] = []
        for (index, text) in texts.enumerated() {
            let domain = text.trimmingCharacters(in: .whitespaces).lowercased()
            let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
            let wellFormed = domain.count <= 253 && labels.count >= 2 && labels.allSatisfy { label in
                (1...63).contains(label.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
            guard wellFormed else { throw .invalid("\(field)[\(index)]", "must be a domain name such as harrowby.gov.uk") }
            if !domains.contains(domain) { domains.append(domain) }
        }
        self.domains = domains
    }

    /// Whether `email` may hold a staff account of the council.
    public func admits(_ email: EmailAddress) -> Bool {
        guard !domains.isEmpty else { return true }
        return domains.contains(String(email.value[email.value.index(after: email.value.lastIndex(of: "@")!)...]))
    }

    public init(from decoder: Decoder) throws { self.domains = try [String](from: decoder) }
    public func encode(to encoder: Encoder) throws { try domains.encode(to: encoder) }

    /// The JSON array a store keeps; `nil` for any.
    public var storedText: String? {
        guard !domains.isEmpty, let data = try? JSONEncoder().encode(domains) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// What `storedText` kept. Text that is not an array of strings (a hand edit) admits nobody,
    /// rather than everybody: `unreadable.invalid` is a reserved name no mailbox has (RFC 2606).
    public init(storedText: String?) {
        guard let storedText else { self = .any; return }
        self.domains = (try? JSONDecoder().decode([String].self, from: Data(storedText.utf8))) ?? ["unreadable.invalid"]
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
