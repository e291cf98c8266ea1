import ArgumentParser
import Foundation
import Logging
import MarketAPI
import MarketCore
import MarketStore
import Passwords

/// Options every command shares. Precedence: command line, then `SUPPORTMARKET_*` environment
/// variables, then defaults.
struct CommonOptions: ParsableArguments {
    @Option(help: "SQLite database file (default supportmarket.sqlite; env SUPPORTMARKET_DATABASE).")
    var database: String?

    @Option(help: "Folder with categories.json and units.json (default catalogue; env SUPPORTMARKET_CATALOGUE).")
    var catalogue: String?

    @Option(help: "The OpenAPI document to serve (default openapi.yaml; env SUPPORTMARKET_OPENAPI).")
    var openapi: String?

    /// The validated configuration; throws one error listing every problem.
    func configuration(_ adjust: (inout AppConfiguration) -> Void = { _ in }) throws -> AppConfiguration {
        var configuration = AppConfiguration()
        var problems = configuration.apply(environment: ProcessInfo.processInfo.environment)
        if let database { configuration.databasePath = database }
        if let catalogue { configuration.catalogueDirectory = catalogue }
        if let openapi { configuration.openAPIPath = openapi }
        adjust(&configuration)
        problems += configuration.validate()
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }

    /// Opens and migrates the database.
    func openDatabase(_ configuration: AppConfiguration) throws -> AppDatabase {
        let database = try AppDatabase.open(path: configuration.databasePath)
        try database.migrate()
        return database
    }

    /// The configuration, the migrated database and the account stores, for the operator commands.
    func operatorStores() throws -> OperatorStores {
        let configuration = try configuration()
        let database = try openDatabase(configuration)
        let hasher = PasswordHasher.bcrypt(cost: configuration.bcryptCost)
        let taxonomy = try CategoryTaxonomy.load(from: URL(fileURLWithPath: configuration.catalogueDirectory))
        return OperatorStores(
            database: database,
            taxonomy: taxonomy,
            accounts: AccountStore(database: database, hasher: hasher, links: AccountLinks(publicURL: configuration.publicURL)),
            tokens: TokenStore(database: database, hasher: hasher, policy: configuration.login),
            community: CommunityStore(database: database, taxonomy: taxonomy),
            catalogue: CatalogueStore(database: database, taxonomy: taxonomy))
    }
}

struct OperatorStores {
    let database: AppDatabase
    let taxonomy: CategoryTaxonomy
    let accounts: AccountStore
    let tokens: TokenStore
    let community: CommunityStore
    let catalogue: CatalogueStore
}

/// Sends log output as JSON lines (production) or as plain text (a terminal).
func bootstrapLogging(_ configuration: AppConfiguration) -> Logger {
    let level = configuration.logLevel
    let json = configuration.logFormat == "json"
    LoggingSystem.bootstrap { label in
        var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardOutput(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: "supportmarket")
}
