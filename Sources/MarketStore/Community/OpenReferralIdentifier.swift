import Crypto
import Foundation
import GRDB

/// Open Referral UK ids: every object's id is a name-based UUID (RFC 9562 version 5, SHA-1) of a
/// name made from our own ids (`res_…` for a service, `res_…-location` for its location, the
/// category's id for a taxonomy term), so the same object has the same UUID in every harvest and
/// nothing new is stored. The same function is SQL's `oruk_uuid(name)`, so a UUID can be looked
/// up without a column of its own.
public enum OpenReferralIdentifier {
    /// uuid5(URL namespace, "https://supportmarket.org.uk/oruk"): 637ba10c-5dee-561e-9dc5-0465fd2f0dc6.
    static let namespace: [UInt8] = [99, 123, 161, 12, 93, 238, 86, 30, 157, 197, 4, 101, 253, 47, 13, 198]

    /// The UUID for `name`, lower-case, as Open Referral writes them.
    public static func uuid(_ name: String) -> String {
        var hash = Insecure.SHA1()
        hash.update(data: namespace)
        hash.update(data: Data(name.utf8))
        var b = Array(hash.finalize().prefix(16))
        b[6] = (b[6] & 0x0F) | 0x50
        b[8] = (b[8] & 0x3F) | 0x80
        let uuid = UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
        return uuid.uuidString.lowercased()
    }

    /// `oruk_uuid(name)` for queries; registered on every connection.
    static let sqlFunction = DatabaseFunction("oruk_uuid", argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0]).map(uuid)
    }
}
