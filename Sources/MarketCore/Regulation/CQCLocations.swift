import Foundation

/// A file in the shape of the CQC syndication API's locations (`GET /locations/{id}`): a JSON
/// array of locations, or an object whose `locations` holds them. Only what the market keeps is
/// read; everything else in a location is ignored.
public struct CQCLocationsFile: Sendable, Decodable {
    public struct Location: Sendable, Decodable {
        public let locationId: String
        public let providerId: String?
        public let registrationStatus: String
        public let currentRatings: CurrentRatings?
        public let lastInspection: LastInspection?
    }

    public struct CurrentRatings: Sendable, Decodable {
        public let overall: Overall?
    }

    public struct Overall: Sendable, Decodable {
        public let rating: String?
    }

    public struct LastInspection: Sendable, Decodable {
        public let date: String?
    }

    public let locations: [Location]

    private enum CodingKeys: String, CodingKey { case locations }

    public init(from decoder: any Decoder) throws {
        if let array = try? decoder.singleValueContainer().decode([Location].self) {
            locations = array
        } else {
            locations = try decoder.container(keyedBy: CodingKeys.self).decode([Location].self, forKey: .locations)
        }
    }
}

extension CQCLocationsFile.Location {
    /// CQC's `registrationStatus` in the market's terms: `Registered`, `Deregistered` (cancelled)
    /// or `Suspended`; `nil` for anything else.
    public var status: RegistrationStatus? {
        switch registrationStatus.trimmingCharacters(in: .whitespaces).lowercased() {
        case "registered": .registered
        case "deregistered", "cancelled": .cancelled
        case "suspended": .suspended
        default: nil
        }
    }

    /// The location as the market keeps it for `provider`, or why it cannot be read.
    public func registration(of provider: OrganisationID, syncedAt: Date) -> Result<RegulatorRegistration, MarketError> {
        guard let status else {
            return .failure(.invalid("registrationStatus", "'\(registrationStatus)' is not Registered, Deregistered or Suspended"))
        }
        var rating: RegulatorRating?
        if let text = currentRatings?.overall?.rating, !["", "no published rating", "not rated"].contains(text.lowercased()) {
            guard let known = RegulatorRating(regulatorText: text) else {
                return .failure(.invalid("currentRatings.overall.rating", "'\(text)' is not a CQC rating"))
            }
            rating = known
        }
        var inspected: CalendarDay?
        if let text = lastInspection?.date {
            guard let day = CalendarDay(String(text.prefix(10))) else {
                return .failure(.invalid("lastInspection.date", "'\(text)' is not a date"))
            }
            inspected = day
        }
        return .success(RegulatorRegistration(
            providerID: provider, regulator: .cqc, locationID: locationId, status: status, overallRating: rating,
            lastInspectedOn: inspected, syncedAt: syncedAt))
    }
}
