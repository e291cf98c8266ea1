import Foundation

/// What kind of provider runs a store; councils watch the mix (micro-provider share, user-led
/// organisations) when they shape their market.
public enum ProviderType: String, Sendable, Codable, CaseIterable {
    case large
    case micro
    case userLed = "user_led"
    case socialEnterprise = "social_enterprise"
    case councilInHouse = "council_in_house"
    case individualPA = "individual_pa"
    case voluntary
}

/// A provider organisation's public store. Its name is the organisation's name, so the directory
/// and the store cannot disagree. Never carries a council rate.
public struct Storefront: Sendable, Equatable {
    public let providerID: OrganisationID
    public var name: String
    /// `nil` only for providers onboarded before stores existed, until their staff say.
    public var providerType: ProviderType?
    public var description: String?
    public var areas: [PostcodeDistrict]
    public var contact: ResourceContact
    /// A regulator's registration (CQC-style), where the provider has one.
    public var registrationNumber: String?
    public var rating: RatingSummary
    /// What the regulator says (`nil`: nothing on record), shown beside `rating`, never mixed in.
    public var regulator: RegulatorRegistration? = nil
    public var updatedAt: Date

    public init(
        providerID: OrganisationID, name: String, providerType: ProviderType?, description: String?,
        areas: [PostcodeDistrict], contact: ResourceContact, registrationNumber: String?, rating: RatingSummary,
        updatedAt: Date
    ) {
        self.providerID = providerID
        self.name = name
        self.providerType = providerType
        self.description = description
        self.areas = areas
        self.contact = contact
        self.registrationNumber = registrationNumber
        self.rating = rating
        self.updatedAt = updatedAt
    }
}

/// How people rated a provider: a count and a sum of 1–5 stars. Zero until ratings exist.
public struct RatingSummary: Sendable, Equatable, Codable {
    public let count: Int
    public let sum: Int

    public init(count: Int, sum: Int) {
        self.count = count
        self.sum = sum
    }

    /// The plain average, 0 when nobody has rated yet.
    public var average: Double { count == 0 ? 0 : Double(sum) / Double(count) }
}

/// What provider staff send to change their store; absent fields stay as they are, and an empty
/// string clears an optional text.
public struct StorefrontPatch: Sendable, Codable, Equatable {
    public var name: String?
    public var providerType: String?
    public var description: String?
    public var areas: [String]?
    public var phone: String?
    public var email: String?
    public var website: String?
    public var registrationNumber: String?

    public init() {}

    public enum Limits {
        public static let name = 120
        public static let description = 4000
        public static let areas = 200
        public static let registrationNumber = 32
    }

    /// `store` with this patch laid over it, checked as a whole; throws naming every bad field.
    public func applied(to store: Storefront) throws(MarketError) -> Storefront {
        var v = Validator()
        var result = store
        if let name { result.name = v.text(name, "name", maxLength: Limits.name) }
        if let providerType { result.providerType = v.oneOf(providerType, "provider_type") }
        if let description { result.description = v.optionalText(description, "description", maxLength: Limits.description) }
        if let areas { result.areas = v.districts(areas, "areas", maximum: Limits.areas) }
        if phone != nil || email != nil || website != nil {
            let old = store.contact
            result.contact = v.contact(
                phone: phone ?? old.phone, email: email ?? old.email?.value, website: website ?? old.website)
        }
        if let registrationNumber {
            result.registrationNumber = v.optionalText(
                registrationNumber, "registration_number", maxLength: Limits.registrationNumber)
            if let number = result.registrationNumber {
                v.check(number.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") },
                        "registration_number", "must be letters, digits and hyphens")
            }
        }
        try v.throwIfInvalid()
        return result
    }
}
