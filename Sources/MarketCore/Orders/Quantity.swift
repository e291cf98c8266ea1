import Foundation

/// An amount of a chargeable unit, in hundredths: 1.5 hours is 150. Whole units only for units
/// that are not divisible (a session, a night). Not money: `Money.price(of:at:)` turns a
/// quantity and a price in pence into pence. Requests are read as `Decimal` (exact decimal, never
/// binary floating point) and become whole hundredths at once.
///
/// Invariant: `hundredths` is positive.
public struct Quantity: Sendable, Hashable, Comparable, Codable {
    public let hundredths: Int64

    public init?(hundredths: Int64) {
        guard hundredths > 0 else { return nil }
        self.hundredths = hundredths
    }

    /// The most of one unit on one order line, per week: 10,000 hours is already 1,400 a day.
    public static let maximumUnits: Int64 = 10_000

    public var isWhole: Bool { hundredths % 100 == 0 }

    /// Checks a requested quantity: positive, at most two decimal places, at most
    /// `maximumUnits`, and whole for units that are not divisible.
    public static func validated(_ value: Decimal?, divisible: Bool, _ field: String, _ v: inout Validator) -> Quantity? {
        guard let value else {
            v.add(field, "is required")
            return nil
        }
        guard value > 0 else {
            v.add(field, "must be more than zero")
            return nil
        }
        guard value <= Decimal(maximumUnits) else {
            v.add(field, "must be at most \(maximumUnits)")
            return nil
        }
        var scaled = value * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled else {
            v.add(field, "must have at most two decimal places")
            return nil
        }
        let quantity = Quantity(hundredths: NSDecimalNumber(decimal: rounded).int64Value)
        guard let quantity else {
            v.add(field, "must be more than zero")
            return nil
        }
        if !divisible && !quantity.isWhole {
            v.add(field, "must be a whole number: this unit cannot be split")
            return nil
        }
        return quantity
    }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.hundredths < rhs.hundredths }

    /// The quantity as JSON clients read it: `1.5`.
    public var decimal: Decimal { Decimal(hundredths) / 100 }

    /// An amount in hundredths as people read it: 150 is "1.5", 0 is "0".
    public static func describe(_ hundredths: Int64) -> String { "\(Decimal(hundredths) / 100)" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let quantity = Quantity(hundredths: try container.decode(Int64.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "quantity must be positive")
        }
        self = quantity
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hundredths)
    }
}
