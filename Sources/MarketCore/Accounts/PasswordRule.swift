/// What a password must be: 12 to 128 characters, at least five different ones, and not one of
/// the passwords attackers try first (NCSC: a deny-list rather than composition rules).
public enum PasswordRule {
    public static let length = 12...128

    /// The reason `password` is refused, or `nil` if it is acceptable.
    public static func problem(with password: String) -> String? {
        if !length.contains(password.count) {
            return "must be \(length.lowerBound) to \(length.upperBound) characters"
        }
        if Set(password).count < 5 { return "must use at least five different characters" }
        let folded = password.lowercased()
        if commonPasswords.contains(folded) || commonStems.contains(where: { folded.hasPrefix($0) && folded.dropFirst($0.count).allSatisfy(\.isNumber) }) {
            return "is one of the passwords attackers try first; choose another"
        }
        return nil
    }

    /// Passwords of 12 or more characters from public breach corpora's most common.
    static let commonPasswords: Set<String> = [
        "123456789012", "1234567890123", "12345678901234", "123456789123", "1234567891011",
        "qwertyuiop12", "qwertyuiopas", "qwerty123456", "qwertyuiop123", "1q2w3e4r5t6y", "1qaz2wsx3edc",
        "zaq12wsxcde3", "zaq1zaq1zaq1", "asdfghjkl123", "1qaz2wsx3edc4rfv", "q1w2e3r4t5y6", "a1b2c3d4e5f6",
        "abcdefghijkl", "abcdefgh1234", "abc123456789", "abcd12345678", "passwordpassword",
        "password1234", "password12345", "password123!", "passw0rd1234", "p@ssw0rd1234", "p@ssword1234",
        "iloveyou1234", "iloveyouiloveyou", "welcome12345", "welcome123456", "letmein12345", "changeme1234",
        "administrator", "administrator1", "admin1234567", "adminadmin123", "football1234", "baseball1234",
        "superman1234", "batman123456", "trustno1trustno1", "sunshine1234", "princess1234", "starwars1234",
        "liverpool1234", "arsenal12345", "chelsea12345", "manchesterunited", "qwertyqwerty", "monkey123456",
        "dragon123456", "master123456", "shadow123456", "michael12345", "jennifer1234", "computer1234",
        "internet1234", "whatever1234", "freedom12345", "summer2024!!", "winter2024!!", "spring2025!!",
        "autumn2025!!", "london123456", "england12345", "correcthorsebatterystaple", "letmeinletmein",
        "supportmarket", "supportmarket1", "supportmarket123", "socialcare123", "personalbudget",
    ]

    /// Words that, followed only by digits, make a common password ("password2026", "welcome0001").
    static let commonStems = ["password", "passw0rd", "p@ssw0rd", "welcome", "letmein", "qwerty", "iloveyou",
                              "admin", "changeme", "monkey", "dragon", "football", "summer", "winter", "spring", "autumn"]
}
