import Foundation
import GRDB
import Logging
import MarketCore

struct RegulatorRegistrationRecord: MarketRecord {
    static let databaseTableName = "regulator_registration"
    var providerId: OrganisationID
    var regulator: Regulator
    var locationId: String?
    var status: RegistrationStatus
    var overallRating: RegulatorRating?
    var lastInspectedOn: CalendarDay?
    var syncedAt: Date
    var source: String

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case regulator, status, source
        case providerId = "provider_id"
        case locationId = "location_id"
        case overallRating = "overall_rating"
        case lastInspectedOn = "last_inspected_on"
        case syncedAt = "synced_at"
    }

    typealias Columns = CodingKeys

    init(_ registration: RegulatorRegistration, source: String) {
        providerId = registration.providerID
        regulator = registration.regulator
        locationId = registration.locationID
        status = registration.status
        overallRating = registration.overallRating
        lastInspectedOn = registration.lastInspectedOn
        syncedAt = registration.syncedAt
        self.source = source
    }

    var registration: RegulatorRegistration {
        RegulatorRegistration(
            providerID: providerId, regulator: regulator, locationID: locationId, status: status, overallRating: overallRating,
            lastInspectedOn: lastInspectedOn, syncedAt: syncedAt)
    }
}

extension Regulator: DatabaseValueConvertible {}
extension RegistrationStatus: DatabaseValueConvertible {}
extension RegulatorRating: DatabaseValueConvertible {}

/// Providers' registrations with their care regulator: imported from the regulator's data
/// (`importCQC`) or set by platform admins, read by everyone, and asked by `OrderStore` before
/// regulated care is ordered. Every change is audited; an import that changes nothing writes
/// only the time it was synced.
public struct RegulatorStore: Sendable {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    /// The provider's registration; `notFound` when the provider has none on record, or is no provider.
    public func registration(of provider: OrganisationID) async throws -> RegulatorRegistration {
        try await database.read { db in
            _ = try CatalogueStore.storefront(provider, db)
            guard let registration = try Self.registration(of: provider, db) else {
                throw MarketError.notFound(resource: "regulator registration")
            }
            return registration
        }
    }

    /// Sets a provider's registration by hand: platform admins only (the regulator's word, not
    /// the provider's).
    public func set(
        _ new: NewRegulatorRegistration, for provider: OrganisationID, by policy: AccessPolicy
    ) async throws -> RegulatorRegistration {
        try policy.authorizeSettingRegulatorRegistration()
        let now = database.clock.now()
        return try await database.write { db in
            _ = try CatalogueStore.storefront(provider, db)
            let registration = RegulatorRegistration(
                providerID: provider, regulator: new.regulator, locationID: new.locationID, status: new.status,
                overallRating: new.overallRating, lastInspectedOn: new.lastInspectedOn, syncedAt: now)
            try Self.save(registration, source: "platform_admin", actor: policy.principal.userID, db)
            return registration
        }
    }

    /// What an import did: providers whose registration changed or stayed the same, and the
    /// file's locations that matched no provider or could not be read (with why).
    public struct ImportReport: Sendable, Equatable {
        public var changed: [OrganisationID] = []
        public var unchanged: [OrganisationID] = []
        public var unmatched: [String] = []
        public var invalid: [String] = []
    }

    /// Loads a CQC locations file in one transaction. A location matches the provider whose
    /// store's `registration_number` is its `locationId`, or else its `providerId` when that
    /// provider has only that one location in the file. Idempotent: the same file again changes
    /// only each registration's `synced_at`. Logs every match and miss.
    public func importCQC(_ file: CQCLocationsFile, logger: Logger) async throws -> ImportReport {
        let now = database.clock.now()
        let locationsPerProvider = Dictionary(grouping: file.locations.compactMap(\.providerId), by: { $0 }).mapValues(\.count)
        return try await database.write { db in
            let providers = try Dictionary(
                Row.fetchAll(db, sql: "SELECT registration_number, organisation_id FROM provider_store WHERE registration_number IS NOT NULL")
                    .map { (row: Row) -> (String, OrganisationID) in (row["registration_number"], row["organisation_id"]) },
                uniquingKeysWith: { first, _ in first })
            var report = ImportReport()
            for location in file.locations {
                let byProvider = location.providerId.flatMap { locationsPerProvider[$0] == 1 ? providers[$0] : nil }
                guard let provider = providers[location.locationId] ?? byProvider else {
                    report.unmatched.append(location.locationId)
                    logger.info("regulator import: no provider", metadata: ["cqc.location_id": "\(location.locationId)"])
                    continue
                }
                switch location.registration(of: provider, syncedAt: now) {
                case .failure(let error):
                    report.invalid.append("\(location.locationId): \(error)")
                    logger.warning("regulator import: unreadable location", metadata: [
                        "cqc.location_id": "\(location.locationId)", "error": "\(error)",
                    ])
                case .success(let registration):
                    if let old = try Self.registration(of: provider, db), old.sameFacts(as: registration) {
                        try db.execute(
                            sql: "UPDATE regulator_registration SET synced_at = ? WHERE provider_id = ?", arguments: [now, provider])
                        report.unchanged.append(provider)
                    } else {
                        try Self.save(registration, source: "import", actor: nil, db)
                        report.changed.append(provider)
                    }
                    logger.info("regulator import: matched", metadata: [
                        "cqc.location_id": "\(location.locationId)", "provider.id": "\(provider)",
                        "regulator.status": "\(registration.status.rawValue)",
                    ])
                }
            }
            return report
        }
    }

    /// The demo's registrations: the store's registration number becomes the location id, so
    /// that an import of the regulator's file finds it. Idempotent.
    func seed(_ new: NewRegulatorRegistration, for provider: OrganisationID) async throws {
        let now = database.clock.now()
        try await database.write { db in
            let registration = RegulatorRegistration(
                providerID: provider, regulator: new.regulator, locationID: new.locationID, status: new.status,
                overallRating: new.overallRating, lastInspectedOn: new.lastInspectedOn, syncedAt: now)
            if let old = try Self.registration(of: provider, db), old.sameFacts(as: registration) { return }
            if let location = new.locationID {
                try db.execute(
                    sql: "UPDATE provider_store SET registration_number = ? WHERE organisation_id = ?", arguments: [location, provider])
            }
            try Self.save(registration, source: "import", actor: nil, db)
        }
    }

    static func registration(of provider: OrganisationID, _ db: Database) throws -> RegulatorRegistration? {
        try RegulatorRegistrationRecord.fetchOne(db, key: provider.rawValue)?.registration
    }

    /// Writes the registration with its audit event; `actor` is `nil` for an import.
    private static func save(_ registration: RegulatorRegistration, source: String, actor: UserID?, _ db: Database) throws {
        try RegulatorRegistrationRecord(registration, source: source).upsert(db)
        var details = ["regulator": registration.regulator.rawValue, "status": registration.status.rawValue, "source": source]
        if let rating = registration.overallRating { details["overall_rating"] = rating.rawValue }
        try AuditEventRecord.append(
            db, at: registration.syncedAt, actor: actor, action: "regulator_registration.changed", subjectType: "organisation",
            subjectID: registration.providerID.rawValue, details: details)
    }
}
