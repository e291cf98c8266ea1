/// An optional that is always sent, as `null` when absent. Synthesised `Encodable` leaves out
/// `nil` optionals; the API promises some fields are present even when empty (`next_cursor`,
/// `council_id`, ...).
struct Nullable<Wrapped: Encodable & Sendable>: Encodable, Sendable {
    let value: Wrapped?

    init(_ value: Wrapped?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}
