import Foundation
import GRDB
import MarketCore

/// Loads the demo market (`seed-data/demo.json`): councils, organisations and the demo accounts.
///
/// Idempotent: a council, organisation or user that already exists (by code, name or email) is
/// left as it is, so running `seed --demo` twice changes nothing the second time.
public struct DemoSeed: Sendable {
    struct File: Decodable {
        struct CouncilEntry: Decodable { let key, name, code: String }
        struct OrganisationEntry: Decodable {
            struct RegulatorEntry: Decodable {
                let regulator, status: String
                let locationId, overallRating: String?
                let lastInspectionDate: CalendarDay?
            }
            let key, name: String
            let kind: OrganisationKind
            let providerType: ProviderType?
            let regulator: RegulatorEntry?
        }
        struct ProhibitedSpendEntry: Decodable {
            let council, category, reason, addedBy: String
        }
        struct UserEntry: Decodable {
            let email, displayName: String
            let role: Role
            let council, organisation: String?
            /// Base32 TOTP secret, published so that the tour can compute codes (demo only).
            let secondFactorSecret: String?
        }
        struct CommunityEntry: Decodable {
            let organisation, council: String?
            let resource: CommunityResourceInput

            enum CodingKeys: String, CodingKey { case organisation, council }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                organisation = try container.decodeIfPresent(String.self, forKey: .organisation)
                council = try container.decodeIfPresent(String.self, forKey: .council)
                resource = try CommunityResourceInput(from: decoder)
            }
        }
        struct OfferingEntry: Decodable {
            let provider: String
            let published: Bool
            let offering: OfferingInput

            enum CodingKeys: String, CodingKey { case provider, published }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                provider = try container.decode(String.self, forKey: .provider)
                published = try container.decode(Bool.self, forKey: .published)
                offering = try OfferingInput(from: decoder)
            }
        }
        struct RateEntry: Decodable {
            let council, provider, offeringTitle: String
            let ratePence: Int64
            let validFrom: CalendarDay
        }
        struct HolderEntry: Decodable {
            struct StreamEntry: Decodable {
                let source: FundingSource
                let managementOption: ManagementOption
                let managingOrganisation: String?
                let fundHolder: FundHolder
                let periodFrom, periodTo: CalendarDay
                let restrictedToCategories: [String]?
                let allocationPence: Int64
            }
            struct DelegationEntry: Decodable {
                let granteeOrganisation: String?
                let granteeUser: String?
                let rights: [DelegatedRight]
            }
            let displayName: String
            let council, user: String?
            let streams: [StreamEntry]
            let delegations: [DelegationEntry]
        }
        struct PayerAccountEntry: Decodable {
            let payer, accountName, sortCode, accountNumber, serviceUserNumber: String
            let iban, bic: String?
        }
        struct BankAccountEntry: Decodable {
            struct Verifier: Decodable { let user, method: String }
            let provider, accountName, sortCode, accountNumber, enteredBy: String
            let verifiedBy: [Verifier]
        }
        let password: String
        let councils: [CouncilEntry]
        let organisations: [OrganisationEntry]
        let users: [UserEntry]
        let communityResources: [CommunityEntry]?
        let offerings: [OfferingEntry]?
        let councilRates: [RateEntry]?
        let budgetHolders: [HolderEntry]?
        let prohibitedSpend: [ProhibitedSpendEntry]?
        let payerAccounts: [PayerAccountEntry]?
        let bankAccounts: [BankAccountEntry]?
    }

    /// What the seed created, for the command line to report.
    public struct Summary: Sendable, Equatable {
        public var councils = 0
        public var organisations = 0
        public var users = 0
        public var communityResources = 0
        public var offerings = 0
        public var councilRates = 0
        public var budgetHolders = 0
        public var bankAccounts = 0
    }

    let database: AppDatabase
    let accounts: AccountStore
    let community: CommunityStore
    let catalogue: CatalogueStore
    let budgets: BudgetStore

    public init(database: AppDatabase, taxonomy: CategoryTaxonomy, accounts: AccountStore) {
        self.database = database
        self.accounts = accounts
        self.community = CommunityStore(database: database, taxonomy: taxonomy)
        self.catalogue = CatalogueStore(database: database, taxonomy: taxonomy)
        self.budgets = BudgetStore(database: database, taxonomy: taxonomy)
    }

    /// Loads the file; `includingCommunity: false` leaves out the community resources, and
    /// `includingCatalogue: false` the offerings and council rates, `includingBudgets: false` the
    /// budget holders with their streams and delegations, `includingPayments: false` the payers'
    /// accounts and providers' bank details.
    public func load(
        from url: URL, includingCommunity: Bool = true, includingCatalogue: Bool = true, includingBudgets: Bool = true,
        includingPayments: Bool = true
    ) async throws -> Summary {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        let file = try decoder.decode(File.self, from: Data(contentsOf: url))
        var summary = Summary()
        let now = database.clock.now()

        var councilIDs: [String: CouncilID] = [:]
        for entry in file.councils {
            let new = try NewCouncil(name: entry.name, code: entry.code)
            councilIDs[entry.key] = try await database.write { db in
                if let existing = try CouncilRecord.filter(CouncilRecord.Columns.code == new.code).fetchOne(db) {
                    return existing.id
                }
                let record = CouncilRecord(Council(id: .random(), name: new.name, code: new.code, createdAt: now))
                try record.insert(db)
                return record.id
            }
        }
        summary.councils = councilIDs.count

        var organisationIDs: [String: OrganisationID] = [:]
        for entry in file.organisations {
            let new = try NewOrganisation(kind: entry.kind, name: entry.name, providerType: entry.providerType)
            organisationIDs[entry.key] = try await database.write { db in
                if let existing = try OrganisationRecord.filter(OrganisationRecord.Columns.name == new.name).fetchOne(db) {
                    return existing.id
                }
                return try AccountStore.insertOrganisation(new, at: now, db).id
            }
        }
        summary.organisations = organisationIDs.count
        let regulation = RegulatorStore(database: database)
        for entry in file.organisations {
            guard let registration = entry.regulator, let provider = organisationIDs[entry.key] else { continue }
            try await regulation.seed(
                try NewRegulatorRegistration(
                    regulator: registration.regulator, locationID: registration.locationId, status: registration.status,
                    overallRating: registration.overallRating, lastInspectedOn: registration.lastInspectionDate,
                    today: database.today),
                for: provider)
        }

        var userIDs: [String: UserID] = [:]
        var newUsers: [UserID] = []
        for entry in file.users {
            let new = try NewUser(
                email: entry.email, displayName: entry.displayName, password: file.password, role: entry.role,
                councilID: entry.council.flatMap { councilIDs[$0] },
                organisationID: entry.organisation.flatMap { organisationIDs[$0] })
            if let existing = try await accounts.user(email: new.email) {
                userIDs[entry.email] = existing.id
            } else {
                let id = try await accounts.bootstrapUser(new).id
                userIDs[entry.email] = id
                newUsers.append(id)
            }
            if let secret = entry.secondFactorSecret, let id = userIDs[entry.email] {
                try await SecondFactorStore(database: database).enrolConfirmed(id, secret: secret)
            }
            summary.users += 1
        }
        // The demo's staff have held their roles for a month, past the cooling-off of new roles
        // (`FourEyes`), so that the tour can approve payments on the day it is seeded.
        let monthAgo = database.clock.now().addingTimeInterval(-30 * 86_400)
        try await database.write { [newUsers] db in
            for id in newUsers {
                try db.execute(sql: "UPDATE user SET created_at = ? WHERE id = ?", arguments: [monthAgo, id])
            }
        }

        for entry in includingCommunity ? file.communityResources ?? [] : [] {
            let publisher: ResourcePublisher
            if let key = entry.organisation, let id = organisationIDs[key] {
                publisher = .organisation(id)
            } else if let key = entry.council, let id = councilIDs[key] {
                publisher = .council(id)
            } else {
                throw MarketError.invalid("community_resources", "each needs a known organisation or council")
            }
            try await community.seed(entry.resource, publisher: publisher)
            summary.communityResources += 1
        }

        if includingCatalogue {
            func provider(_ key: String) throws -> OrganisationID {
                guard let id = organisationIDs[key] else { throw MarketError.invalid("offerings", "no organisation '\(key)'") }
                return id
            }
            let offerings = try (file.offerings ?? []).map { entry in
                CatalogueStore.SeedOffering(provider: try provider(entry.provider), input: entry.offering, published: entry.published)
            }
            let rates = try (file.councilRates ?? []).map { entry in
                guard let council = councilIDs[entry.council] else { throw MarketError.invalid("council_rates", "no council '\(entry.council)'") }
                return CatalogueStore.SeedRate(
                    council: council, provider: try provider(entry.provider), offeringTitle: entry.offeringTitle,
                    ratePence: entry.ratePence, validFrom: entry.validFrom)
            }
            try await catalogue.seed(offerings: offerings, rates: rates)
            summary.offerings = offerings.count
            summary.councilRates = rates.count
        }
        if includingBudgets {
            func key<ID>(_ key: String?, in ids: [String: ID], _ field: String) throws -> ID? {
                guard let key else { return nil }
                guard let id = ids[key] else { throw MarketError.invalid("budget_holders", "no \(field) '\(key)'") }
                return id
            }
            let holders = try (file.budgetHolders ?? []).map { entry in
                BudgetStore.SeedHolder(
                    displayName: entry.displayName, councilID: try key(entry.council, in: councilIDs, "council"),
                    userID: try key(entry.user, in: userIDs, "user"),
                    streams: try entry.streams.map { stream in
                        try NewFundingStream(
                            source: stream.source, managementOption: stream.managementOption,
                            managingOrganisationID: try key(stream.managingOrganisation, in: organisationIDs, "organisation"),
                            fundHolder: stream.fundHolder, periodFrom: stream.periodFrom, periodTo: stream.periodTo,
                            restrictedToCategories: stream.restrictedToCategories, allocationPence: stream.allocationPence,
                            taxonomy: catalogue.taxonomy)
                    },
                    delegations: try entry.delegations.map { delegation in
                        let grantee = try key(delegation.granteeOrganisation, in: organisationIDs, "organisation").map(Grantee.organisation)
                            ?? key(delegation.granteeUser, in: userIDs, "user").map(Grantee.user)
                        guard let grantee else { throw MarketError.invalid("budget_holders", "a delegation needs a grantee") }
                        return (grantee, Set(delegation.rights))
                    })
            }
            _ = try await budgets.seed(holders)
            summary.budgetHolders = holders.count
            let prohibitedSpend = ProhibitedSpendStore(database: database, taxonomy: catalogue.taxonomy)
            for entry in file.prohibitedSpend ?? [] {
                guard let council = councilIDs[entry.council], let user = userIDs[entry.addedBy] else {
                    throw MarketError.invalid("prohibited_spend", "no council '\(entry.council)' or user '\(entry.addedBy)'")
                }
                try await prohibitedSpend.seed(
                    try NewProhibitedSpend(category: entry.category, offeringID: nil, reason: entry.reason, taxonomy: catalogue.taxonomy),
                    council: council, addedBy: user)
            }
        }
        if includingPayments {
            func id<ID>(_ key: String, in ids: [String: ID], _ field: String) throws -> ID {
                guard let id = ids[key] else { throw MarketError.invalid(field, "no '\(key)'") }
                return id
            }
            let payers = try (file.payerAccounts ?? []).map { entry in
                let payer = try councilIDs[entry.payer].map(BatchPayer.council)
                    ?? .broker(id(entry.payer, in: organisationIDs, "payer_accounts"))
                return try PayerAccount.validated(
                    payer: payer, accountName: entry.accountName, sortCode: entry.sortCode, accountNumber: entry.accountNumber,
                    serviceUserNumber: entry.serviceUserNumber, iban: entry.iban, bic: entry.bic, at: now)
            }
            let accounts = try (file.bankAccounts ?? []).map { entry in
                var v = Validator()
                let details = BankDetails.validated(
                    accountName: entry.accountName, sortCode: entry.sortCode, accountNumber: entry.accountNumber, rollNumber: nil,
                    iban: nil, bic: nil, &v)
                try v.throwIfInvalid()
                guard let details else { throw MarketError.invalid("bank_accounts", "are incomplete") }
                return PaymentStore.SeedBankAccount(
                    provider: try id(entry.provider, in: organisationIDs, "bank_accounts"), details: details,
                    enteredBy: try id(entry.enteredBy, in: userIDs, "bank_accounts"),
                    verifiedBy: try entry.verifiedBy.map { (try id($0.user, in: userIDs, "bank_accounts"), $0.method) })
            }
            summary.bankAccounts = try await PaymentStore(database: database).seed(payerAccounts: payers, bankAccounts: accounts)
        }
        return summary
    }
}
