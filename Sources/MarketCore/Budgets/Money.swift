/// Budget arithmetic, in integer pence: the one place where quantities meet prices and where
/// rounding happens. Every operation checks for overflow and answers `nil` rather than trapping;
/// callers report that as a validation error.
public enum Money {
    /// £10,000,000: the most one stream may be allocated. Anything more is a typing mistake.
    public static let maximumAllocationPence: Int64 = 1_000_000_000
    public static let allocationRange: ClosedRange<Int64> = 1...maximumAllocationPence

    /// `quantity` × `unitPricePence`, rounded half up to a whole penny.
    public static func price(of quantity: Quantity, at unitPricePence: Int64) -> Int64? {
        let (hundredthsOfPence, overflow) = quantity.hundredths.multipliedReportingOverflow(by: unitPricePence)
        guard !overflow, hundredthsOfPence >= 0 else { return nil }
        return (hundredthsOfPence + 50) / 100
    }

    /// The sum of `amounts`, or `nil` if it overflows.
    public static func sum(_ amounts: some Sequence<Int64>) -> Int64? {
        var total: Int64 = 0
        for amount in amounts {
            let (next, overflow) = total.addingReportingOverflow(amount)
            if overflow { return nil }
            total = next
        }
        return total
    }

    /// An amount in pounds for people to read: `£1,234.50`.
    public static func describe(_ pence: Int64) -> String {
        let magnitude = pence.magnitude
        let pounds = String(magnitude / 100)
        var grouped = ""
        for (index, digit) in pounds.enumerated() {
            if index > 0 && (pounds.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        let remainder = magnitude % 100
        return "\(pence < 0 ? "-" : "")£\(grouped).\(remainder < 10 ? "0" : "")\(remainder)"
    }
}
