import Foundation
import Hummingbird
import Logging
import MarketCore
import MarketStore
import Passwords
import ServiceLifecycle
import Webhooks

/// Everything the routes need, built once from the configuration and the database.
public struct AppServices: Sendable {
    public let database: AppDatabase
    public let taxonomy: CategoryTaxonomy
    public let accounts: AccountStore
    public let tokens: TokenStore
    public let secondFactors: SecondFactorStore
    public let mail: MailOutbox
    public let login: LoginPolicy
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    public let trustedProxies: Set<String>
    public let community: CommunityStore
    public let communityUsage: CommunityUsageRecorder
    public let catalogue: CatalogueStore
    public let budgets: BudgetStore
    public let orders: OrderStore
    public let billing: BillingStore
    public let invoicing: InvoicingRunner
    public let payments: PaymentStore
    public let ratings: RatingStore
    public let concerns: ConcernStore
    public let regulation: RegulatorStore
    public let prohibitedSpend: ProhibitedSpendStore
    public let webhooks: WebhookStore
    public let audit: AuditExportStore
    public let reports: ReportStore
    /// Wakes the webhook dispatcher and long-polling feed callers when an event commits.
    public let events: OutboxSignal
    public let openAPIDocument: String
    public let databasePath: String
    public let metricsToken: String?
    /// Origins whose browser apps may call authenticated routes.
    public let corsOrigins: Set<String>

    public init(configuration: AppConfiguration, database: AppDatabase) throws {
        self.database = database
        self.taxonomy = try CategoryTaxonomy.load(from: URL(fileURLWithPath: configuration.catalogueDirectory))
        let hasher = PasswordHasher.bcrypt(cost: configuration.bcryptCost, concurrencyLimit: configuration.passwordHashingLimit)
        self.accounts = AccountStore(database: database, hasher: hasher, links: AccountLinks(publicURL: configuration.publicURL))
        self.mail = MailOutbox(database: database)
        self.tokens = TokenStore(database: database, hasher: hasher, policy: configuration.login)
        self.secondFactors = SecondFactorStore(database: database, policy: configuration.login)
        self.login = configuration.login
        self.trustedProxies = Set(configuration.trustedProxies)
        self.community = CommunityStore(database: database, taxonomy: taxonomy)
        self.communityUsage = CommunityUsageRecorder(database: database)
        self.catalogue = CatalogueStore(database: database, taxonomy: taxonomy, searchPageCache: configuration.searchPageCache)
        self.budgets = BudgetStore(database: database, taxonomy: taxonomy)
        self.orders = OrderStore(database: database, taxonomy: taxonomy)
        self.billing = BillingStore(database: database)
        self.invoicing = InvoicingRunner(database: database)
        self.payments = PaymentStore(
            database: database, newDetailsHoldDays: configuration.newBankDetailsHoldDays,
            coolingOffDays: configuration.newRoleCoolingOffDays)
        self.ratings = RatingStore(database: database)
        self.concerns = ConcernStore(database: database)
        self.regulation = RegulatorStore(database: database)
        self.prohibitedSpend = ProhibitedSpendStore(database: database, taxonomy: taxonomy)
        self.webhooks = WebhookStore(
            database: database, urlPolicy: WebhookURLPolicy(allowedHosts: configuration.webhookAllowHosts),
            disableAfter: TimeInterval(configuration.webhookDisableAfterDays) * 86_400)
        self.events = OutboxSignal(database: database)
        self.audit = AuditExportStore(database: database)
        self.reports = ReportStore(database: database, taxonomy: taxonomy)
        self.openAPIDocument = try String(contentsOfFile: configuration.openAPIPath, encoding: .utf8)
        self.databasePath = configuration.databasePath
        self.metricsToken = configuration.metricsToken
        self.corsOrigins = Set(configuration.corsOrigins)
    }
}

/// The HTTP application: router, middleware and background services (the community usage and
/// search demand flushers, the retention of expired keys and tokens, the daily invoicing run,
/// the webhook dispatcher), all shut down gracefully.
public func buildApplication(
    configuration: AppConfiguration,
    services: AppServices,
    logger: Logger
) -> some ApplicationProtocol {
    let router = buildRouter(services: services)
    var background: [any Service] = [
        PeriodicFlushService(
            name: "community_usage", interval: configuration.usageFlushInterval,
            flush: services.communityUsage.flush, logger: logger),
        PeriodicFlushService(
            name: "search_demand", interval: configuration.usageFlushInterval,
            flush: services.catalogue.demand.flush, logger: logger),
        PeriodicFlushService(
            name: "retention", interval: configuration.retentionInterval,
            flush: services.database.deleteExpired, onShutdown: false, logger: logger),
    ]
    if let time = configuration.invoicingTime {
        background.append(InvoicingService(
            runner: services.invoicing, clock: services.database.clock, time: time,
            pollInterval: configuration.schedulerPollInterval, logger: logger))
    }
    if configuration.mailDispatcher {
        let mailDispatcher = MailDispatcher(
            outbox: services.mail, transport: configuration.smtp.map(SMTPTransport.init),
            folder: configuration.mailFolder.map { URL(fileURLWithPath: $0) }
                ?? URL(fileURLWithPath: configuration.databasePath).deletingLastPathComponent().appendingPathComponent("mail"),
            from: configuration.mailFrom, logger: logger)
        background.append(PeriodicFlushService(
            name: "mail", interval: configuration.mailInterval, flush: mailDispatcher.sendDue, logger: logger))
    }
    if configuration.webhookDispatcher {
        background.append(WebhookDispatcher(
            store: services.webhooks, timeout: configuration.webhookTimeout,
            signal: services.events, logger: logger, pollInterval: configuration.webhookPollInterval))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: "supportmarket"),
        services: background,
        logger: logger)
}

/// All routes, behind the middleware stack (outermost first): access log and request id,
/// metrics, CORS, problem documents, body limits, authentication, idempotency keys.
public func buildRouter(services: AppServices) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let routes = RouteTable()
    router.addMiddleware {
        AccessLogMiddleware()
        MetricsMiddleware<AppRequestContext>()
        CORSMiddleware<AppRequestContext>(allowedOrigins: services.corsOrigins, routes: routes)
        SecurityHeadersMiddleware<AppRequestContext>()
        ProblemMiddleware(routes: routes)
        RequestLimitsMiddleware<AppRequestContext>()
        AuthenticationMiddleware(tokens: services.tokens)
        IdempotencyMiddleware(replays: IdempotencyStore(database: services.database))
    }
    _ = AppMetrics.registry
    SystemController(
        database: services.database, databasePath: services.databasePath, metricsToken: services.metricsToken,
        openAPIDocument: services.openAPIDocument, probe: DatabaseProbe(database: services.database)
    ).addRoutes(to: router)
    AuthController(
        tokens: services.tokens, secondFactors: services.secondFactors, accounts: services.accounts, budgets: services.budgets,
        trustedProxies: services.trustedProxies
    ).addRoutes(to: router)
    AccountsController(accounts: services.accounts, secondFactors: services.secondFactors).addRoutes(to: router)
    CategoryController(taxonomy: services.taxonomy).addRoutes(to: router)
    CommunityController(community: services.community, usage: services.communityUsage, taxonomy: services.taxonomy)
        .addRoutes(to: router)
    OpenReferralController(community: services.community, taxonomy: services.taxonomy).addRoutes(to: router)
    ProviderController(catalogue: services.catalogue).addRoutes(to: router)
    OfferingController(catalogue: services.catalogue, taxonomy: services.taxonomy).addRoutes(to: router)
    CouncilRateController(catalogue: services.catalogue).addRoutes(to: router)
    BudgetHolderController(budgets: services.budgets, taxonomy: services.taxonomy).addRoutes(to: router)
    DelegationController(budgets: services.budgets).addRoutes(to: router)
    OrderController(orders: services.orders, database: services.database).addRoutes(to: router)
    BillingController(billing: services.billing, runner: services.invoicing).addRoutes(to: router)
    PaymentController(payments: services.payments, billing: services.billing).addRoutes(to: router)
    RatingController(ratings: services.ratings).addRoutes(to: router)
    ConcernController(concerns: services.concerns).addRoutes(to: router)
    RegulatorController(regulation: services.regulation, database: services.database).addRoutes(to: router)
    ProhibitedSpendController(prohibitedSpend: services.prohibitedSpend, taxonomy: services.taxonomy).addRoutes(to: router)
    WebhookController(webhooks: services.webhooks).addRoutes(to: router)
    EventFeedController(webhooks: services.webhooks, events: services.events).addRoutes(to: router)
    AuditExportController(audit: services.audit).addRoutes(to: router)
    ReportController(reports: services.reports).addRoutes(to: router)
    routes.load(router.routes)
    return router
}
