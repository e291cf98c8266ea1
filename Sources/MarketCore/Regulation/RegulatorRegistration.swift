import Foundation

/// The bodies that register and inspect care providers in the four nations.
public enum Regulator: String, Sendable, Codable, CaseIterable {
    /// Care Quality Commission (England).
    case cqc
    /// Care Inspectorate Wales.
    case ciw
    /// Care Inspectorate (Scotland).
    case careInspectorate = "care_inspectorate"
    /// Regulation and Quality Improvement Authority (Northern Ireland).
    case rqia

    /// The name people know it by.
    public var name: String {
        switch self {
        case .cqc: "the CQC"
        case .ciw: "Care Inspectorate Wales"
        case .careInspectorate: "the Care Inspectorate"
        case .rqia: "the RQIA"
        }
    }
}

/// Where a provider stands with its regulator. Only `registered` may provide regulated care.
public enum RegistrationStatus: String, Sendable, Codable, CaseIterable {
    case registered
    case suspended
    case cancelled
    /// The provider does nothing the regulator registers (an activities club, a PA employed directly).
    case notRequired = "not_required"
}

/// A regulator's latest overall rating of a provider. Shown beside people's star ratings, never
/// mixed into them.
public enum RegulatorRating: String, Sendable, Codable, CaseIterable {
    case outstanding
    case good
    case requiresImprovement = "requires_improvement"
    case inadequate

    /// Higher is better: outstanding 4 … inadequate 1 (the `min_regulator_rating` filter's order,
    /// and `regulator_registration.rating_rank` in the schema).
    public var rank: Int {
        switch self {
        case .outstanding: 4
        case .good: 3
        case .requiresImprovement: 2
        case .inadequate: 1
        }
    }

    /// CQC's wording ("Requires improvement"), as its syndication API writes it; case and spaces
    /// do not matter.
    public init?(regulatorText: String) {
        let slug = regulatorText.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: " ", with: "_")
        self.init(rawValue: slug)
    }
}

/// A provider's registration with its regulator, as last synced from the regulator's data or
/// set by a platform admin.
public struct RegulatorRegistration: Sendable, Equatable, Codable {
    public let providerID: OrganisationID
    public let regulator: Regulator
    /// The regulator's id of the registered location (CQC rates locations, not providers).
    public let locationID: String?
    public let status: RegistrationStatus
    /// `nil` until the regulator has rated the provider.
    public let overallRating: RegulatorRating?
    public let lastInspectedOn: CalendarDay?
    public let syncedAt: Date

    public init(
        providerID: OrganisationID, regulator: Regulator, locationID: String?, status: RegistrationStatus,
        overallRating: RegulatorRating?, lastInspectedOn: CalendarDay?, syncedAt: Date
    ) {
        self.providerID = providerID
        self.regulator = regulator
        self.locationID = locationID
        self.status = status
        self.overallRating = overallRating
        self.lastInspectedOn = lastInspectedOn
        self.syncedAt = syncedAt
    }

    /// The same registration, whenever it was synced: what an import compares to tell a change.
    public func sameFacts(as other: RegulatorRegistration) -> Bool {
        regulator == other.regulator && locationID == other.locationID && status == other.status
            && overallRating == other.overallRating && lastInspectedOn == other.lastInspectedOn
    }

    /// Why `provider` may not provide `category` (regulated care) with this registration, or
    /// `nil` if it may. `registration` is `nil` when none is on record. The one statement of the
    /// regulated-care rule.
    public static func refusal(
        toProvide category: Category, by providerName: String, registration: RegulatorRegistration?
    ) -> String? {
        guard category.regulated else { return nil }
        let what = "\(category.name) is regulated care"
        guard let registration else {
            return "\(what), and \(providerName) has no registration with a care regulator on record"
        }
        switch registration.status {
        case .registered:
            return nil
        case .notRequired:
            return "\(what), and \(providerName) is not registered to provide it (\(registration.regulator.name) lists it as not requiring registration)"
        case .suspended, .cancelled:
            return "\(what), and \(providerName)'s registration with \(registration.regulator.name) is \(registration.status.rawValue)"
        }
    }
}

/// A registration as a platform admin sets it, checked.
public struct NewRegulatorRegistration: Sendable, Equatable {
    public let regulator: Regulator
    public let locationID: String?
    public let status: RegistrationStatus
    public let overallRating: RegulatorRating?
    public let lastInspectedOn: CalendarDay?

    public static let maximumLocationIDLength = 32

    public init(
        regulator: String?, locationID: String?, status: String?, overallRating: String?, lastInspectedOn: CalendarDay?,
        today: CalendarDay
    ) throws(MarketError) {
        var v = Validator()
        let regulator: Regulator? = v.oneOf(regulator, "regulator", required: true)
        let status: RegistrationStatus? = v.oneOf(status, "status", required: true)
        let rating: RegulatorRating? = v.oneOf(overallRating, "overall_rating")
        let location = v.optionalText(locationID, "location_id", maxLength: Self.maximumLocationIDLength)
        if let location {
            v.check(location.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") },
                    "location_id", "must be letters, digits and hyphens")
        }
        if let lastInspectedOn { v.check(lastInspectedOn <= today, "last_inspection_date", "must not be after today (\(today))") }
        if rating != nil, status == .notRequired {
            v.add("overall_rating", "is only for a provider the regulator registers")
        }
        try v.throwIfInvalid()
        guard let regulator, let status else { throw .invalid("body", "is incomplete") }
        self.regulator = regulator
        self.locationID = location
        self.status = status
        self.overallRating = rating
        self.lastInspectedOn = lastInspectedOn
    }
}
