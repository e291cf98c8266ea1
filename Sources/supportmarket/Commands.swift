import ArgumentParser
import Foundation
import Hummingbird
import MarketAPI
import MarketCore
import MarketStore
import Passwords

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Migrate the database and serve the API.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on (default 127.0.0.1; env SUPPORTMARKET_HOSTNAME).") var hostname: String?
    @Option(help: "Port to listen on (default 8080; env SUPPORTMARKET_PORT).") var port: Int?

    func run() async throws {
        let configuration = try common.configuration { configuration in
            if let hostname { configuration.hostname = hostname }
            if let port { configuration.port = port }
        }
        let logger = bootstrapLogging(configuration)
        // Held while serving: `restore` refuses to replace a database in use.
        let lock = try ServeLock(database: configuration.databasePath, purpose: .serve)
        defer { lock.release() }
        let database = try common.openDatabase(configuration)
        let services = try AppServices(configuration: configuration, database: database)
        let unfit = configuration.productionProblems(demoAccounts: try await services.accounts.demoAccountCount())
        guard unfit.isEmpty else {
            throw ConfigurationError(problems: unfit.map { "production: " + $0 })
        }
        logger.info("serving", metadata: [
            "http.address": "\(configuration.hostname):\(configuration.port)",
            "database.path": "\(configuration.databasePath)",
        ])
        // Searches run in SQL until the in-memory index is built (seconds on a large catalogue).
        let warming = Task { await services.catalogue.warmSearchIndex(logger: logger) }
        defer { warming.cancel() }
        let app = buildApplication(configuration: configuration, services: services, logger: logger)
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bring the database schema up to date.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let database = try common.openDatabase(try common.configuration())
        print("migrated: \(try database.appliedMigrations().joined(separator: ", "))")
    }
}

struct Schema: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print today's schema (every table, index and trigger of a database migrated from empty), as docs/schema.sql keeps it.")

    func run() async throws {
        print(try AppDatabase.schemaText(), terminator: "")
    }
}

struct CheckLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-ledger",
        abstract: "Check the money invariants: cached balances equal their ledgers, no stream overspent, every order reserved, invoices equal their lines, numbers gapless.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let report = try await LedgerCheck(database: try common.openDatabase(try common.configuration())).run()
        print("checked \(report.streams) streams, \(report.orders) orders, \(report.entries) ledger entries")
        for violation in report.violations { print("VIOLATION \(violation)") }
        if !report.violations.isEmpty { throw ExitCode.failure }
    }
}

struct CheckText: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-text",
        abstract: "Report stored text the edge would refuse today (control characters, bidirectional controls): fails if there is any. The bank-file export refuses a batch that would carry it.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let found = try await common.openDatabase(try common.configuration()).unsafeStoredText()
        for text in found { print("UNSAFE \(text)") }
        print(found.isEmpty ? "no unsafe text stored" : "\(found.count) unsafe texts stored (at most 1000 listed)")
        if !found.isEmpty { throw ExitCode.failure }
    }
}

struct InvoiceRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoice-run",
        abstract: "Run invoicing now: deemed confirmation, then invoices for every period closed on --as-of (default today).")

    @OptionGroup var common: CommonOptions
    @Option(help: "Invoice the periods closed on this day (YYYY-MM-DD; default today, never later).") var asOf: String?

    func validate() throws {
        if let asOf, CalendarDay(asOf) == nil { throw ValidationError("--as-of must be a date such as 2026-12-01") }
    }

    func run() async throws {
        let configuration = try common.configuration()
        let logger = bootstrapLogging(configuration)
        let database = try common.openDatabase(configuration)
        let run = try await InvoicingRunner(database: database, logger: logger)
            .run(asOf: asOf.flatMap(CalendarDay.init), trigger: .commandLine, startedBy: nil, council: nil)
        print("invoicing run \(run.id) as of \(run.asOf): \(run.deemedConfirmed) deliveries deemed confirmed, "
            + "\(run.invoicesWritten) invoices, \(run.linesWritten) lines, \(run.totalPence) pence")
        for skipped in run.skipped {
            print("skipped \(skipped.providerID) (\(skipped.deliveries) deliveries): \(skipped.reason)")
        }
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the demo market (idempotent), or generate a large synthetic one for benchmarks.")

    @OptionGroup var common: CommonOptions
    @Flag(help: "Load seed-data/demo.json: the demo councils, organisations, accounts and catalogue.") var demo = false
    @Option(help: "The demo data file.") var demoFile = "seed-data/demo.json"
    @Flag(help: "Generate a synthetic market (deterministic for a --seed).") var synthetic = false
    @Option(help: "Synthetic providers.") var providers = 2_000
    @Option(help: "Synthetic offerings.") var offerings = 200_000
    @Option(help: "Synthetic councils (each with a commissioner and a funded budget holder).") var councils = 10
    @Option(help: "The synthetic market's random seed.") var seed: UInt64 = 1
    @Option(help: "With --synthetic, or on a market already seeded: this many confirmed deliveries to invoice (benchmarks, the crash drill).")
    var deliveries = 0
    @Option(help: "With --synthetic, or on a market already seeded (the demo too): this many months of history (orders, deliveries, ratings, searches, community views, refusals) for the reports.")
    var historyMonths = 0
    @Option(help: "With --history-months: this many budget holders, spread over the councils.") var holders = 500

    func validate() throws {
        guard demo != synthetic || ((deliveries > 0 || historyMonths > 0) && !demo) else {
            throw ValidationError("say what to seed: --demo, --synthetic, or --deliveries N or --history-months N on a seeded market")
        }
        guard (0...60).contains(historyMonths), holders >= 1 else {
            throw ValidationError("--history-months must be 0 to 60, --holders at least 1")
        }
        guard deliveries >= 0 else { throw ValidationError("--deliveries must be at least 0") }
        guard providers >= 1, councils >= 1, offerings >= 0 else {
            throw ValidationError("--providers and --councils must be at least 1, --offerings at least 0")
        }
    }

    func run() async throws {
        let stores = try common.operatorStores()
        if synthetic || deliveries > 0 || historyMonths > 0 {
            try await seedSynthetic(stores)
            return
        }
        let summary = try await DemoSeed(database: stores.database, taxonomy: stores.taxonomy, accounts: stores.accounts)
            .load(from: URL(fileURLWithPath: demoFile))
        print(
            "demo market: \(summary.councils) councils, \(summary.organisations) organisations,",
            "\(summary.users) accounts, \(summary.communityResources) community resources,",
            "\(summary.offerings) offerings, \(summary.councilRates) council rates, \(summary.budgetHolders) budget holders, \(summary.bankAccounts) bank accounts")
    }

    private func seedSynthetic(_ stores: OperatorStores) async throws {
        let logger = bootstrapLogging(try common.configuration())
        if synthetic {
            let started = ContinuousClock.now
            let summary = try await SyntheticMarket(
                database: stores.database, taxonomy: stores.taxonomy, hasher: PasswordHasher.bcrypt(cost: 4)
            ).generate(
                .init(councils: councils, providers: providers, offerings: offerings), seed: seed,
                logger: logger)
            print(
                "synthetic market: \(summary.councils) councils, \(summary.providers) providers,",
                "\(summary.offerings) offerings, \(summary.councilRates) council rates, \(summary.users) accounts",
                "in \(ContinuousClock.now - started)")
            print("funded holder of council 1: \(SyntheticMarket.holderEmail(council: 1, seed: seed))")
        }
        if deliveries > 0 {
            let started = ContinuousClock.now
            let written = try await SyntheticDeliveries(database: stores.database)
                .generate(deliveries: deliveries, asOf: stores.database.today, seed: seed, logger: logger)
            print("synthetic deliveries: \(written) confirmed deliveries to invoice, in \(ContinuousClock.now - started)")
        }
        if historyMonths > 0 {
            let started = ContinuousClock.now
            let history = try await SyntheticHistory(database: stores.database)
                .generate(months: historyMonths, holders: holders, asOf: stores.database.today, seed: seed, logger: logger)
            print(
                "synthetic history of \(historyMonths) months: \(history.holders) budget holders, \(history.orders) orders,",
                "\(history.orderLines) order lines, \(history.deliveries) deliveries, \(history.ratings) ratings, \(history.searches) searches,",
                "\(history.communityDays) community listing-days, \(history.refusals) refusals, in \(ContinuousClock.now - started);",
                "invoice it with `supportmarket invoice-run`")
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Invite a person to an account (bootstrap: the first platform admin of an installation). Prints the single-use link (72 hours) with which they choose their password; it is mailed to them too.")

        @OptionGroup var common: CommonOptions
        @Option var email: String
        @Option var name: String
        @Option(help: "One of \(Role.allCases.map(\.rawValue).joined(separator: ", ")).") var role: String
        @Option var councilId: String?
        @Option var organisationId: String?

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("unknown role \(role)") }
            let councilID = try councilId.map { text in
                guard let id = CouncilID(text) else { throw ValidationError("malformed council id") }
                return id
            }
            let organisationID = try organisationId.map { text in
                guard let id = OrganisationID(text) else { throw ValidationError("malformed organisation id") }
                return id
            }
            let invitation = try await common.operatorStores().accounts.invite(
                try NewUser(email: email, displayName: name, password: nil, role: role,
                            councilID: councilID, organisationID: organisationID, invited: true),
                by: nil, idempotency: nil)
            print(invitation.user.id)
            print(invitation.link)
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage bearer tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a bearer token for a user without their password (operators only).")

        @OptionGroup var common: CommonOptions
        @Option var email: String

        func run() async throws {
            let stores = try common.operatorStores()
            guard let address = EmailAddress(email), let user = try await stores.accounts.user(email: address) else {
                throw ValidationError("no user has the email \(email)")
            }
            let issued = try await stores.tokens.issueWithoutPassword(for: user)
            print(issued.token)
        }
    }
}

struct RegulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regulator", abstract: "Providers' registrations with their care regulator.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load registrations from a file in the shape of CQC's syndication API (a JSON array of locations, or {\"locations\": [...]}), matching providers by their registration number. Idempotent; logs what matched and what did not.")

        @OptionGroup var common: CommonOptions
        @Argument(help: "The locations file.") var file: String

        func run() async throws {
            let configuration = try common.configuration()
            let logger = bootstrapLogging(configuration)
            let locations: CQCLocationsFile
            do {
                locations = try JSONDecoder().decode(CQCLocationsFile.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                throw ValidationError("\(file) is not a CQC locations file: \(error)")
            }
            let report = try await RegulatorStore(database: try common.openDatabase(configuration)).importCQC(locations, logger: logger)
            print("regulator import: \(locations.locations.count) locations, \(report.changed.count) registrations changed,",
                  "\(report.unchanged.count) unchanged, \(report.unmatched.count) unmatched, \(report.invalid.count) unreadable")
            for location in report.unmatched { print("unmatched \(location): no provider has this registration number") }
            for problem in report.invalid { print("unreadable \(problem)") }
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database, online, while `serve` runs and writes (SQLite's backup API); check the copy (integrity, ledger) before it is put at --to.")

    @OptionGroup var common: CommonOptions
    @Option(help: "The new backup file (must not exist).") var to: String

    func run() async throws {
        let database = try common.openDatabase(try common.configuration())
        let report = try await database.backup(to: to)
        print("backup: wrote \(report.path), \(report.summary)")
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a backup in place of the database: refused while `serve` uses it; the backup is checked (integrity), migrated if older, checked again (ledger), then renamed into place.")

    @OptionGroup var common: CommonOptions
    @Option(help: "The backup file.") var from: String

    func run() async throws {
        let configuration = try common.configuration()
        guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("no backup at \(from)") }
        let report = try await AppDatabase.restore(from: from, to: configuration.databasePath)
        print("restore: \(from) is now \(report.path), \(report.summary)")
    }
}

extension BackupReport {
    /// Its size, time and what the checks of the copy found, for the operator.
    var summary: String {
        "\(bytes) bytes, in \(duration); integrity ok; ledger ok (\(ledger.streams) streams, \(ledger.orders) orders, "
            + "\(ledger.entries) entries); schema \(migrations.last ?? "empty")"
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a commissioning report of a council (CSV or a self-contained HTML page), small numbers withheld as the API withholds them; or, with --sql, the aggregate SQL it runs, for the sqlite3 shell.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "One of \(ReportName.allCases.map(\.rawValue).joined(separator: ", ")).") var name: String
    @Option(help: "The council's id.") var councilId: String
    @Option(help: "The first day (YYYY-MM-DD).") var from: String
    @Option(help: "The last day, included (YYYY-MM-DD).") var to: String
    @Option(help: "csv or html.") var format = "csv"
    @Flag(help: "Print the SQL statements the report ran, one per line, instead of the report.") var sql = false

    func validate() throws {
        guard ReportName(name) != nil else { throw ValidationError("the report must be \(ReportName.expectedText)") }
        guard ["csv", "html"].contains(format) else { throw ValidationError("--format must be csv or html") }
    }

    func run() async throws {
        let configuration = try common.configuration()
        let database = try common.openDatabase(configuration)
        let taxonomy = try CategoryTaxonomy.load(from: URL(fileURLWithPath: configuration.catalogueDirectory))
        let period: CouncilPeriod
        do {
            period = try CouncilPeriod(council: CouncilID(councilId), from: CalendarDay(from), to: CalendarDay(to))
        } catch {
            throw ValidationError("\(error)")
        }
        let (report, statements) = try await ReportStore(database: database, taxonomy: taxonomy).report(ReportName(name)!, for: period)
        if sql {
            for statement in statements { print(statement.split(whereSeparator: \.isNewline).joined(separator: " ") + ";") }
        } else {
            print(format == "html" ? report.html : report.csv, terminator: "")
        }
    }
}
