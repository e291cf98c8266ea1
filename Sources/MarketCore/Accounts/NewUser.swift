/// A request to create a user, checked against every rule that needs no database.
public struct NewUser: Sendable {
    public let email: EmailAddress
    public let displayName: String
    /// The password the demo seed sets; `nil` for an invited account, whose person sets their own.
    public let password: String?
    public let role: Role
    public let councilID: CouncilID?
    public let organisationID: OrganisationID?

    public static let passwordLength = PasswordRule.length
    public static let displayNameMaxLength = 120

    /// Throws `validation` naming `field` unless `password` follows `PasswordRule`.
    public static func checkPassword(_ password: String, field: String = "new_password") throws(MarketError) {
        if let problem = PasswordRule.problem(with: password) { throw .invalid(field, problem) }
    }

    /// Validates every field at once; throws `MarketError.validation` naming each bad field.
    public init(
        email: String, displayName: String, password: String?, role: Role,
        councilID: CouncilID?, organisationID: OrganisationID?, invited: Bool = false
    ) throws(MarketError) {
        var validator = Validator()
        let parsedEmail = EmailAddress(email)
        validator.check(parsedEmail != nil, "email", "must be an email address")
        let name = validator.text(displayName, "display_name", maxLength: Self.displayNameMaxLength)
        if invited {
            validator.check(password == nil, "password", "is not accepted: the person sets their own through the invitation mailed to them")
        } else if let problem = PasswordRule.problem(with: password ?? "") {
            validator.add("password", problem)
        }
        if role.isCouncilStaff {
            validator.check(councilID != nil, "council_id", "is required for \(role.rawValue)")
            validator.check(organisationID == nil, "organisation_id", "must be absent for \(role.rawValue)")
        } else if role.organisationKind != nil {
            validator.check(organisationID != nil, "organisation_id", "is required for \(role.rawValue)")
            validator.check(councilID == nil, "council_id", "must be absent for \(role.rawValue)")
        } else if role == .platformAdmin {
            validator.check(councilID == nil, "council_id", "must be absent for platform_admin")
            validator.check(organisationID == nil, "organisation_id", "must be absent for platform_admin")
        } else {
            validator.check(organisationID == nil, "organisation_id", "must be absent for \(role.rawValue)")
        }
        try validator.throwIfInvalid()
        // Validator guarantees parsedEmail is non-nil here.
        guard let parsedEmail else { throw .invalid("email", "must be an email address") }
        self.email = parsedEmail
        self.displayName = name
        self.password = password
        self.role = role
        self.councilID = councilID
        self.organisationID = organisationID
    }
}

/// A request to onboard a council.
public struct NewCouncil: Sendable {
    public let name: String
    public let code: String

    public init(name: String, code: String) throws(MarketError) {
        var validator = Validator()
        let name = validator.text(name, "name", maxLength: 120)
        let code = validator.text(code, "code", maxLength: 16).uppercased()
        validator.check(
            code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }, "code",
            "must be letters and digits, such as E09000005")
        try validator.throwIfInvalid()
        self.name = name
        self.code = code
    }
}

/// A request to onboard an organisation.
public struct NewOrganisation: Sendable {
    public let kind: OrganisationKind
    public let name: String
    /// A provider's type opens its store; other kinds have none.
    public let providerType: ProviderType?

    public init(kind: OrganisationKind, name: String, providerType: ProviderType? = nil) throws(MarketError) {
        var validator = Validator()
        let name = validator.text(name, "name", maxLength: 120)
        if kind == .provider {
            validator.check(providerType != nil, "provider_type",
                            "is required for a provider: one of \(ProviderType.allCases.map(\.rawValue).joined(separator: ", "))")
        } else {
            validator.check(providerType == nil, "provider_type", "applies to providers only")
        }
        try validator.throwIfInvalid()
        self.kind = kind
        self.name = name
        self.providerType = providerType
    }
}
