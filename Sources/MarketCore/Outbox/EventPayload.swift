/// One value of an event's payload, typed as a receiver reads it: pence and counts as integers,
/// flags as booleans, ids and statuses as strings.
public enum EventValue: Sendable, Equatable, Codable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral
{
    case string(String)
    case integer(Int64)
    case boolean(Bool)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }

    /// Reads a JSON scalar back as it was written: a boolean, an integer, or a string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .boolean(flag)
        } else if let number = try? container.decode(Int64.self) {
            self = .integer(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .integer(let number): try container.encode(number)
        case .boolean(let flag): try container.encode(flag)
        }
    }

    /// The value as text, for the audit trail (whose details are strings).
    public var text: String {
        switch self {
        case .string(let text): text
        case .integer(let number): String(number)
        case .boolean(let flag): String(flag)
        }
    }
}

/// An event's payload: the ids and the fields that matter, never a person's details.
public typealias EventPayload = [String: EventValue]

extension Dictionary where Key == String, Value == EventValue {
    /// The payload as audit details (strings).
    public var auditText: [String: String] { mapValues(\.text) }
}

/// Who may receive an event, decided when it is written: organisations (a provider, a broker),
/// councils and people's own accounts, by id. A webhook endpoint receives an event only if its
/// owner is in the audience; the event feed shows a caller only events whose audience includes
/// them, their organisation or their council.
public struct EventAudience: Sendable, Equatable {
    public private(set) var members: Set<String> = []

    public init() {}

    public static func council(_ id: CouncilID) -> EventAudience { EventAudience().adding(council: id) }
    public static func organisation(_ id: OrganisationID) -> EventAudience { EventAudience().adding(organisation: id) }

    public func adding(council id: CouncilID?) -> EventAudience { adding(id?.rawValue) }
    public func adding(organisation id: OrganisationID?) -> EventAudience { adding(id?.rawValue) }
    public func adding(user id: UserID?) -> EventAudience { adding(id?.rawValue) }

    private func adding(_ member: String?) -> EventAudience {
        var copy = self
        if let member { copy.members.insert(member) }
        return copy
    }
}

extension AccessPolicy {
    /// The audience members the caller is, for the event feed: their own account, and the
    /// organisation or council they work for (the one whose webhooks they would manage). A budget
    /// holder's council funds them but is not theirs to speak for. Platform admins run the
    /// service and are in no audience.
    public var eventAudienceMembers: [String] {
        guard principal.role != .platformAdmin else { return [] }
        return [principal.userID.rawValue, webhookOwner?.id]
            .compactMap { $0 }
    }
}
