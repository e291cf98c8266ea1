import Foundation
import Logging
import MarketCore
import Webhooks

/// Everything the service is configured with, read once at start (command line, then environment,
/// then defaults) and validated as a whole: one error lists every problem.
public struct AppConfiguration: Sendable {
    public var hostname = "127.0.0.1"
    public var port = 8080
    public var databasePath = "supportmarket.sqlite"
    /// Folder with `categories.json` and `units.json`.
    public var catalogueDirectory = "catalogue"
    /// The OpenAPI document served at `/openapi.yaml`.
    public var openAPIPath = "openapi.yaml"
    public var bcryptCost: UInt8 = 12
    /// Password hashes checked at once (`nil`: one fewer than the cores); more wait, four per
    /// running one, and the rest are answered 503 at once.
    public var passwordHashingLimit: Int? = nil
    /// Days a provider's bank details must have been verified by a payer before they are paid
    /// (`SUPPORTMARKET_NEW_BANK_DETAILS_HOLD_DAYS`; 0 pays at once).
    public var newBankDetailsHoldDays = 3
    /// Days after an account is granted its role before it approves or verifies anything
    /// (`SUPPORTMARKET_NEW_ROLE_COOLING_OFF_DAYS`; 0 at once).
    public var newRoleCoolingOffDays = 7
    public var login = LoginPolicy()
    /// The service's public address, which mailed links name (`SUPPORTMARKET_PUBLIC_URL`).
    public var publicURL = "http://127.0.0.1:8080"
    /// The mail server (`SUPPORTMARKET_SMTP_URL` and friends); without one, mails are written to
    /// `mailFolder` (the demo). Production refuses to start without one.
    public var smtp: SMTPSettings?
    public var mailFrom = "Supportmarket <no-reply@supportmarket.invalid>"
    /// Where mails go without an SMTP server: `mail/` beside the database unless set.
    public var mailFolder: String?
    /// Whether `serve` sends the mail outbox (tests send it by hand, as `MailDispatcher`).
    public var mailDispatcher = true
    /// How often the mail outbox is looked at.
    public var mailInterval: Duration = .seconds(2)
    /// Reverse proxies (their addresses as the service sees them) whose `X-Forwarded-For` names
    /// the client, for the audit trail and session lists (`SUPPORTMARKET_TRUSTED_PROXIES`).
    public var trustedProxies: [String] = []
    public var logLevel: Logger.Level = .info
    /// `json` (one object per line) or `text`.
    public var logFormat = "json"
    /// How often counted community views and click-throughs are written.
    public var usageFlushInterval: Duration = .seconds(5)
    /// How often expired idempotency keys and spent tokens are deleted.
    public var retentionInterval: Duration = .seconds(3600)
    /// The web apps' origins (`https://app.example.org`) that may call authenticated routes from a
    /// browser; anyone may read the public routes.
    public var corsOrigins: [String] = []
    /// When the daily invoicing run starts (UTC, by the injected clock); `nil` turns it off.
    public var invoicingTime: TimeOfDay? = TimeOfDay(hour: 2, minute: 0)
    /// How often the invoicing scheduler looks at the clock.
    public var schedulerPollInterval: Duration = .seconds(30)
    /// Hosts webhook endpoints may name over `http` and reach at private or loopback addresses
    /// (`127.0.0.1` in development and tests); every other endpoint is `https` to public addresses.
    public var webhookAllowHosts: Set<String> = []
    /// An endpoint failing without a break for this many days is disabled.
    public var webhookDisableAfterDays = 5
    /// Whether `serve` runs the webhook dispatcher (tests that look at pending deliveries turn it off).
    public var webhookDispatcher = true
    /// Whether answered search pages are kept for the same search (`SearchPageCache`); the
    /// benchmark turns it off to measure every search from the index.
    public var searchPageCache = true
    /// The bearer token `/metrics` asks for; without one, only loopback callers are served.
    public var metricsToken: String?
    /// Each webhook request's total timeout.
    public var webhookTimeout: TimeInterval = 15
    /// How often the dispatcher looks for retries that fell due (it wakes at once for new events).
    public var webhookPollInterval: Duration = .seconds(1)

    /// `production` refuses to start unless the installation is fit for real people's data
    /// (`productionProblems`); `development` (the default, and the demo) does not check.
    public var environment = "development"

    public init() {}

    /// Why this configuration, over a database holding `demoAccounts` of the demo's accounts,
    /// must not serve in production; empty when it may, or when `environment` is not production.
    public func productionProblems(demoAccounts: Int) -> [String] {
        guard environment == "production" else { return [] }
        var problems: [String] = []
        if demoAccounts > 0 {
            problems.append("the database holds \(demoAccounts) of the demo's accounts (@demo.test), whose password is published")
        }
        if bcryptCost < 12 { problems.append("bcrypt cost is \(bcryptCost); production needs at least 12") }
        if metricsToken == nil { problems.append("SUPPORTMARKET_METRICS_TOKEN is not set: /metrics would trust every loopback caller") }
        if !webhookAllowHosts.isEmpty {
            problems.append("SUPPORTMARKET_WEBHOOK_ALLOW_HOSTS is set: webhooks could reach private addresses over plain http")
        }
        if smtp == nil { problems.append("SUPPORTMARKET_SMTP_URL is not set: invitations and password resets would only be written to a folder") }
        if smtp?.plaintextOnLoopback == true { problems.append("SUPPORTMARKET_SMTP_PLAINTEXT_LOOPBACK is on: mail would leave without TLS") }
        return problems
    }

    /// Overrides from `SUPPORTMARKET_*` environment variables; unparsable values are reported by `validate()`.
    public mutating func apply(environment: [String: String]) -> [String] {
        var problems: [String] = []
        if let value = environment["SUPPORTMARKET_HOSTNAME"] { hostname = value }
        if let value = environment["SUPPORTMARKET_ENVIRONMENT"] {
            if ["development", "production"].contains(value) { self.environment = value } else {
                problems.append("SUPPORTMARKET_ENVIRONMENT must be development or production")
            }
        }
        if let value = environment["SUPPORTMARKET_PORT"] {
            if let port = Int(value) { self.port = port } else { problems.append("SUPPORTMARKET_PORT is not a number") }
        }
        if let value = environment["SUPPORTMARKET_DATABASE"] { databasePath = value }
        if let value = environment["SUPPORTMARKET_CATALOGUE"] { catalogueDirectory = value }
        if let value = environment["SUPPORTMARKET_OPENAPI"] { openAPIPath = value }
        if let value = environment["SUPPORTMARKET_BCRYPT_COST"] {
            if let cost = UInt8(value) { bcryptCost = cost } else { problems.append("SUPPORTMARKET_BCRYPT_COST is not a number") }
        }
        if let value = environment["SUPPORTMARKET_PASSWORD_HASHING_LIMIT"] {
            if let limit = Int(value), limit > 0 { passwordHashingLimit = limit } else {
                problems.append("SUPPORTMARKET_PASSWORD_HASHING_LIMIT must be a whole number above 0")
            }
        }
        if let value = environment["SUPPORTMARKET_NEW_BANK_DETAILS_HOLD_DAYS"] {
            if let days = Int(value), (0...90).contains(days) { newBankDetailsHoldDays = days } else {
                problems.append("SUPPORTMARKET_NEW_BANK_DETAILS_HOLD_DAYS must be a whole number of days from 0 to 90")
            }
        }
        if let value = environment["SUPPORTMARKET_NEW_ROLE_COOLING_OFF_DAYS"] {
            if let days = Int(value), (0...90).contains(days) { newRoleCoolingOffDays = days } else {
                problems.append("SUPPORTMARKET_NEW_ROLE_COOLING_OFF_DAYS must be a whole number of days from 0 to 90")
            }
        }
        if let value = environment["SUPPORTMARKET_TOKEN_LIFETIME_SECONDS"] {
            if let seconds = TimeInterval(value) { login.tokenLifetime = seconds } else {
                problems.append("SUPPORTMARKET_TOKEN_LIFETIME_SECONDS is not a number")
            }
        }
        if let value = environment["SUPPORTMARKET_IDLE_TIMEOUT_SECONDS"] {
            if let seconds = TimeInterval(value), seconds >= 60 { login.privilegedIdleTimeout = seconds } else {
                problems.append("SUPPORTMARKET_IDLE_TIMEOUT_SECONDS must be a number of seconds, at least 60")
            }
        }
        if let value = environment["SUPPORTMARKET_PUBLIC_URL"] { publicURL = value.hasSuffix("/") ? String(value.dropLast()) : value }
        if let value = environment["SUPPORTMARKET_MAIL_FROM"] { mailFrom = value }
        if let value = environment["SUPPORTMARKET_MAIL_FOLDER"] { mailFolder = value }
        if let value = environment["SUPPORTMARKET_SMTP_URL"], !value.isEmpty {
            var settings = SMTPSettings(
                url: value, username: environment["SUPPORTMARKET_SMTP_USERNAME"], password: environment["SUPPORTMARKET_SMTP_PASSWORD"],
                from: mailFrom)
            settings.plaintextOnLoopback = environment["SUPPORTMARKET_SMTP_PLAINTEXT_LOOPBACK"] == "on"
            smtp = settings
        }
        if let value = environment["SUPPORTMARKET_TRUSTED_PROXIES"] {
            trustedProxies = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let value = environment["SUPPORTMARKET_LOG_LEVEL"] {
            if let level = Logger.Level(rawValue: value) { logLevel = level } else {
                problems.append("SUPPORTMARKET_LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let value = environment["SUPPORTMARKET_LOG_FORMAT"] { logFormat = value }
        if let value = environment["SUPPORTMARKET_CORS_ORIGINS"] {
            corsOrigins = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let value = environment["SUPPORTMARKET_WEBHOOK_ALLOW_HOSTS"] {
            webhookAllowHosts = Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        }
        if let value = environment["SUPPORTMARKET_METRICS_TOKEN"], !value.isEmpty { metricsToken = value }
        if let value = environment["SUPPORTMARKET_WEBHOOK_DISPATCH"] {
            switch value {
            case "on": webhookDispatcher = true
            case "off": webhookDispatcher = false
            default: problems.append("SUPPORTMARKET_WEBHOOK_DISPATCH must be on or off")
            }
        }
        if let value = environment["SUPPORTMARKET_SEARCH_PAGE_CACHE"] {
            switch value {
            case "on": searchPageCache = true
            case "off": searchPageCache = false
            default: problems.append("SUPPORTMARKET_SEARCH_PAGE_CACHE must be on or off")
            }
        }
        if let value = environment["SUPPORTMARKET_WEBHOOK_DISABLE_AFTER_DAYS"] {
            if let days = Int(value) { webhookDisableAfterDays = days } else {
                problems.append("SUPPORTMARKET_WEBHOOK_DISABLE_AFTER_DAYS is not a number")
            }
        }
        if let value = environment["SUPPORTMARKET_INVOICING_TIME"] {
            if value == "off" {
                invoicingTime = nil
            } else if let time = TimeOfDay(value) {
                invoicingTime = time
            } else {
                problems.append("SUPPORTMARKET_INVOICING_TIME must be a UTC time such as 02:00, or off")
            }
        }
        return problems
    }

    /// Every problem with the configuration; empty when it is usable.
    public func validate() -> [String] {
        var problems: [String] = []
        if !(0...65535).contains(port) { problems.append("port must be 0...65535, not \(port)") }
        if hostname.isEmpty { problems.append("hostname must not be empty") }
        if databasePath.isEmpty { problems.append("database path must not be empty") }
        if !(4...31).contains(bcryptCost) { problems.append("bcrypt cost must be 4...31, not \(bcryptCost)") }
        if login.tokenLifetime < 60 { problems.append("token lifetime must be at least 60 seconds") }
        if !(1...365).contains(webhookDisableAfterDays) { problems.append("webhook disable-after days must be 1...365") }
        problems += smtp?.problems ?? []
        if URL(string: publicURL)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            problems.append("SUPPORTMARKET_PUBLIC_URL must be an http(s) address such as https://market.example.org")
        }
        if let metricsToken, metricsToken.count < 16 { problems.append("the metrics token must be at least 16 characters") }
        if !["json", "text"].contains(logFormat) { problems.append("log format must be json or text, not \(logFormat)") }
        for origin in corsOrigins where !Self.isOrigin(origin) {
            problems.append("CORS origin \(origin) must be a scheme and host such as https://app.example.org, with no path")
        }
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: catalogueDirectory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            problems.append("catalogue folder \(catalogueDirectory) does not exist")
        }
        if !FileManager.default.fileExists(atPath: openAPIPath) {
            problems.append("OpenAPI document \(openAPIPath) does not exist")
        }
        return problems
    }

    /// `https://host` or `http://host:port`: what a browser sends as `Origin`.
    static func isOrigin(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme),
            url.host?.isEmpty == false, url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
        else { return false }
        return true
    }
}

/// Thrown at start when the configuration is unusable; lists every problem at once.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String {
        "the configuration is not usable:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
