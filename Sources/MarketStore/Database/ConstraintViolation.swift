import Foundation
import GRDB
import Logging
import MarketCore

/// The schema's backstops as the domain's errors, decided once at the store boundary.
///
/// A store's own rules answer first and say more; these exist for what slips past them (two
/// requests racing, a rule the store forgot). Whatever fires becomes a problem the client can act
/// on, never a 500: UNIQUE → 409 naming the columns, NOT NULL → 422 naming the column, CHECK → 422
/// naming the column where the constraint names one, a trigger's `RAISE(ABORT, …)` → 409 with its
/// message (written for people), FOREIGN KEY → 409. The constraint itself is logged.
enum ConstraintViolation {
    static let logger = Logger(label: "supportmarket.store")

    /// The domain error for a constraint that fired, or `nil` when `error` is not a constraint.
    static func marketError(for error: DatabaseError) -> MarketError? {
        guard error.resultCode == .SQLITE_CONSTRAINT else { return nil }
        let message = error.message ?? ""
        logger.notice("schema constraint refused a write", metadata: [
            "db.constraint": "\(error.extendedResultCode)", "db.message": "\(message)",
        ])
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
            let columns = columns(in: message)
            return .conflict(columns.isEmpty ? "already exists" : "\(columns.joined(separator: ", ")) is already in use")
        case .SQLITE_CONSTRAINT_NOTNULL:
            return .invalid(columns(in: message).first ?? "body", "is required")
        case .SQLITE_CONSTRAINT_CHECK:
            guard let field = checkedColumn(in: message) else {
                return .conflict("the change would break a rule the service keeps for every record")
            }
            return .invalid(field, "is outside what the service can store")
        case .SQLITE_CONSTRAINT_TRIGGER:
            return .conflict(message.isEmpty ? "the change would break a rule the service keeps" : message)
        case .SQLITE_CONSTRAINT_FOREIGNKEY:
            return .conflict("the change refers to a record that does not exist, or removes one still referred to")
        default:
            return .conflict("the change would break a rule the service keeps for every record")
        }
    }

    /// "UNIQUE constraint failed: user.email, user.x" → ["email", "x"].
    static func columns(in message: String) -> [String] {
        guard let list = message.components(separatedBy: "failed: ").last, message.contains("failed: ") else { return [] }
        return list.components(separatedBy: ", ").map { $0.components(separatedBy: ".").last ?? $0 }
    }

    /// The column a CHECK constraint tests: "CHECK constraint failed: length(note) <= 2000" →
    /// "note". The first identifier that is not a SQL word or function; `nil` if there is none.
    static func checkedColumn(in message: String) -> String? {
        guard let range = message.range(of: "failed: ") else { return nil }
        let expression = message[range.upperBound...]
        var identifier = ""
        var quoted = false
        for character in expression + " " {
            if character == "'" { quoted.toggle(); identifier = ""; continue }
            if quoted { continue }
            if character.isLetter || character == "_" || (character.isNumber && !identifier.isEmpty) {
                identifier.append(character)
                continue
            }
            let word = identifier.lowercased()
            identifier = ""
            if word.isEmpty || sqlWords.contains(word) || character == "(" { continue }
            return word
        }
        return nil
    }

    private static let sqlWords: Set<String> = [
        "and", "or", "not", "in", "is", "null", "between", "glob", "like", "case", "when", "then", "else", "end",
        "length", "coalesce", "json_valid", "json_type", "json_extract", "json_array_length", "trim", "lower", "upper",
        "abs", "typeof", "substr", "instr", "replace", "round", "min", "max", "date", "datetime", "unixepoch",
    ]
}
