/// A JSON object key known only at run time (an event's payload fields, a report's columns).
struct DynamicCodingKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}
