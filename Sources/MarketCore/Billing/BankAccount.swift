import Foundation

/// A UK bank account as a payee or payer gives it: sort code, account number, the name on the
/// account, and optionally a building society roll number and IBAN/BIC.
///
/// Invariant: every value has passed `BankDetails.validated`: a sort code of 6 digits, an account
/// number of 8, an IBAN whose mod-97 check holds, a BIC of 8 or 11 characters.
public struct BankDetails: Sendable, Equatable, Codable {
    public let accountName: String
    public let sortCode: String
    public let accountNumber: String
    public let rollNumber: String?
    public let iban: String?
    public let bic: String?

    public init(accountName: String, sortCode: String, accountNumber: String, rollNumber: String?, iban: String?, bic: String?) {
        self.accountName = accountName
        self.sortCode = sortCode
        self.accountNumber = accountNumber
        self.rollNumber = rollNumber
        self.iban = iban
        self.bic = bic
    }

    /// Checks each field, adding field-level errors under `prefix` (`""` for top-level fields).
    /// Spaces and dashes in sort codes, account numbers and IBANs are ignored, as people type them.
    public static func validated(
        accountName: String?, sortCode: String?, accountNumber: String?, rollNumber: String?, iban: String?, bic: String?,
        _ v: inout Validator
    ) -> BankDetails? {
        let name = v.text(accountName ?? "", "account_name", maxLength: 70)
        let sortCode = digits(sortCode)
        v.check(sortCode?.count == 6, "sort_code", "must be a UK sort code: 6 digits, such as 20-00-00")
        let accountNumber = digits(accountNumber)
        v.check(accountNumber?.count == 8, "account_number", "must be a UK account number: 8 digits")
        let roll = v.optionalText(rollNumber, "roll_number", maxLength: 18)?.uppercased()
        let iban = iban.map { $0.uppercased().filter { $0 != " " && $0 != "-" } }.flatMap { $0.isEmpty ? nil : $0 }
        if let iban { v.check(isValidIBAN(iban), "iban", "must be an IBAN whose check digits are right (ISO 13616, mod 97)") }
        let bic = bic.map { $0.uppercased().trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        if let bic {
            v.check(bic.wholeMatch(of: /[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?/) != nil, "bic",
                    "must be a BIC (ISO 9362): 8 or 11 letters and digits, such as NWBKGB2L")
        }
        guard let sortCode, sortCode.count == 6, let accountNumber, accountNumber.count == 8 else { return nil }
        return BankDetails(accountName: name, sortCode: sortCode, accountNumber: accountNumber, rollNumber: roll, iban: iban, bic: bic)
    }

    /// The digits of `text` once spaces and dashes are dropped; `nil` when anything else is left.
    private static func digits(_ text: String?) -> String? {
        guard let text else { return nil }
        let kept = text.filter { $0 != " " && $0 != "-" }
        return kept.allSatisfy(\.isASCIIDigit) && !kept.isEmpty ? kept : nil
    }

    /// ISO 13616: two letters, two check digits, up to 30 letters and digits; moving the first
    /// four to the end and reading letters as 10–35 gives a number ≡ 1 (mod 97).
    public static func isValidIBAN(_ iban: String) -> Bool {
        guard iban.wholeMatch(of: /[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}/) != nil else { return false }
        var remainder = 0
        for character in iban.dropFirst(4) + iban.prefix(4) {
            guard let value = character.isASCIIDigit ? character.wholeNumberValue : character.asciiValue.map({ Int($0) - 55 })
            else { return false }
            for digit in String(value).compactMap(\.wholeNumberValue) { remainder = (remainder * 10 + digit) % 97 }
        }
        return remainder == 1
    }

    /// `20-00-00`, as statements print a sort code.
    public var formattedSortCode: String {
        let d = Array(sortCode)
        return "\(d[0])\(d[1])-\(d[2])\(d[3])-\(d[4])\(d[5])"
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// One version of a provider's bank details. A change is a new version; each payer verifies
/// it before paying to it, and the person who entered it can never be the one who verifies it.
public struct BankAccount: Sendable, Equatable, Codable {
    /// That a payer checked this version with the provider, and how.
    public struct Verification: Sendable, Equatable, Codable {
        public let payer: BatchPayer
        public let verifiedBy: UserID
        public let verifiedAt: Date
        public let method: String

        public init(payer: BatchPayer, verifiedBy: UserID, verifiedAt: Date, method: String) {
            self.payer = payer
            self.verifiedBy = verifiedBy
            self.verifiedAt = verifiedAt
            self.method = method
        }
    }

    public let id: BankAccountID
    public let providerID: OrganisationID
    public let version: Int
    public let details: BankDetails
    public let enteredBy: UserID
    public let enteredAt: Date
    public var verifications: [Verification]

    public init(
        id: BankAccountID, providerID: OrganisationID, version: Int, details: BankDetails, enteredBy: UserID, enteredAt: Date,
        verifications: [Verification]
    ) {
        self.id = id
        self.providerID = providerID
        self.version = version
        self.details = details
        self.enteredBy = enteredBy
        self.enteredAt = enteredAt
        self.verifications = verifications
    }
}

/// The account a council or broker pays providers from, with its BACS service user number.
public struct PayerAccount: Sendable, Equatable, Codable {
    public let payer: BatchPayer
    public let details: BankDetails
    /// The 6-digit BACS service user number (SUN) the payer's bank gave it.
    public let serviceUserNumber: String
    public let updatedAt: Date

    public init(payer: BatchPayer, details: BankDetails, serviceUserNumber: String, updatedAt: Date) {
        self.payer = payer
        self.details = details
        self.serviceUserNumber = serviceUserNumber
        self.updatedAt = updatedAt
    }

    /// Checks a payer account as entered; 422 with every field's problem.
    public static func validated(
        payer: BatchPayer, accountName: String?, sortCode: String?, accountNumber: String?, serviceUserNumber: String?,
        iban: String?, bic: String?, at now: Date
    ) throws(MarketError) -> PayerAccount {
        var v = Validator()
        let details = BankDetails.validated(
            accountName: accountName, sortCode: sortCode, accountNumber: accountNumber, rollNumber: nil, iban: iban, bic: bic, &v)
        let sun = serviceUserNumber ?? ""
        v.check(sun.count == 6 && sun.allSatisfy(\.isASCIIDigit), "service_user_number",
                "must be the 6-digit BACS service user number (SUN) your bank gave you")
        try v.throwIfInvalid()
        guard let details else { throw .invalid("body", "is incomplete") }
        return PayerAccount(payer: payer, details: details, serviceUserNumber: sun, updatedAt: now)
    }
}

/// A proposed new originating account for a payer: `pending` until a second person of the
/// payer's staff confirms it (`FourEyes`), then `confirmed` and in effect; a later proposal
/// makes a pending one `superseded`.
public struct PayerAccountChange: Sendable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case pending
        case confirmed
        case superseded
    }

    public let id: PayerAccountChangeID
    /// The account as proposed (its `updatedAt` is when it was proposed).
    public let account: PayerAccount
    public let status: Status
    public let proposedBy: UserID
    public let proposedAt: Date

    public init(id: PayerAccountChangeID, account: PayerAccount, status: Status, proposedBy: UserID, proposedAt: Date) {
        self.id = id
        self.account = account
        self.status = status
        self.proposedBy = proposedBy
        self.proposedAt = proposedAt
    }
}
