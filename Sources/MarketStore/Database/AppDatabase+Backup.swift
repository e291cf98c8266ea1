import Foundation
import GRDB
import MarketCore

#if canImport(Glibc)
import Glibc
#endif

/// What a backup or a restore wrote, and what the checks of the copy found.
public struct BackupReport: Sendable {
    public let path: String
    public let bytes: Int64
    public let duration: Duration
    /// The migrations the copy has (a restore's after it brought the copy up to date).
    public let migrations: [String]
    /// What the ledger check recounted in the copy: its streams, orders and entries.
    public let ledger: LedgerCheck.Report
}

/// Why a backup or a restore did not go ahead; nothing was put in place.
public enum BackupError: Error, CustomStringConvertible {
    case exists(String)
    /// A running process holds the database (`holder`: its process id and purpose, if it said).
    case inUse(String, holder: String?)
    case damaged(String, [String])

    public var description: String {
        switch self {
        case .exists(let path): "\(path) exists already: choose a new file"
        case .inUse(let path, let holder):
            "\(path) is in use by \(holder.map { "process \($0)" } ?? "a running `supportmarket serve`"): stop it first"
        case .damaged(let path, let problems): "\(path) fails its checks: \(problems.prefix(5).joined(separator: "; "))"
        }
    }
}

extension AppDatabase {
    /// Copies the database into a new file at `path` while it serves and writes: SQLite's online
    /// backup API, reading one consistent snapshot (a read transaction; writers go on). The copy
    /// is written beside `path` and renamed into place only after it passes
    /// `PRAGMA integrity_check` and the ledger check, so `path` is never a half-written backup.
    public func backup(to path: String) async throws -> BackupReport {
        guard !FileManager.default.fileExists(atPath: path) else { throw BackupError.exists(path) }
        let started = ContinuousClock.now
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let destination = try DatabaseQueue(path: partial)
            try writer.backup(to: destination)
            try destination.close()
            let checked = try await Self.check(partial)
            try FileManager.default.moveItem(atPath: partial, toPath: path)
            return BackupReport(
                path: path, bytes: Self.size(of: path), duration: ContinuousClock.now - started, migrations: checked.migrations,
                ledger: checked.ledger)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Puts the backup at `backup` in place of the database at `path`: refused while a server
    /// holds `path` (`ServeLock`); the backup is copied, checked (`PRAGMA integrity_check`),
    /// migrated if it is older, checked again by the ledger check, and only then renamed over
    /// `path`. The old database's WAL and shared-memory files go with it.
    public static func restore(from backup: String, to path: String) async throws -> BackupReport {
        let started = ContinuousClock.now
        let lock = try ServeLock(database: path, purpose: .restore)
        defer { lock.release() }
        let staging = path + ".restoring"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try FileManager.default.copyItem(atPath: backup, toPath: staging)
            let checked = try await check(staging, migrating: true)
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            if rename(staging, path) != 0 { throw CocoaError(.fileWriteUnknown) }
            return BackupReport(
                path: path, bytes: size(of: path), duration: ContinuousClock.now - started, migrations: checked.migrations,
                ledger: checked.ledger)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    /// Opens the copy at `path`, runs `PRAGMA integrity_check` and (after migrating it, when
    /// `migrating`) the ledger check; throws `damaged` listing what failed.
    private static func check(_ path: String, migrating: Bool = false) async throws -> (migrations: [String], ledger: LedgerCheck.Report) {
        let copy: AppDatabase
        do {
            copy = try AppDatabase(writer: DatabaseQueue(path: path, configuration: configuration), clock: SystemWallClock())
        } catch let error as DatabaseError {
            throw BackupError.damaged(path, [error.message ?? "not a database"])
        }
        let integrity = try await copy.writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        guard integrity == ["ok"] else { throw BackupError.damaged(path, integrity) }
        if migrating { try copy.migrate() }
        let ledger = try await LedgerCheck(database: copy).run()
        guard ledger.violations.isEmpty else { throw BackupError.damaged(path, ledger.violations) }
        let migrations = try copy.appliedMigrations()
        try copy.writer.close()
        return (migrations, ledger)
    }

    private static func size(of path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }
}

/// An advisory lock (`flock`) on `<database>.lock`, beside the database, held exclusively: by
/// `serve` for as long as it runs (its shutdown included: the process releases it last), and by a
/// restore while it works. So one server serves a database, a second refuses to start, and a
/// restore is refused while the database is in use. The holder writes its process id into the
/// file, so that a refusal can say who holds it.
///
/// Thread-safety: immutable once made; `release` closes the descriptor once.
public final class ServeLock: Sendable {
    public enum Purpose: Sendable {
        case serve
        case restore
    }

    private let descriptor: Int32

    public init(database path: String, purpose: Purpose) throws {
        let lockPath = path + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.holder(descriptor)
            close(descriptor)
            throw BackupError.inUse(path, holder: holder)
        }
        let pid = Array("\(getpid()) (supportmarket \(purpose))\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
    }

    /// What the holder wrote: its process id and purpose, such as `4711 serve`.
    private static func holder(_ descriptor: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// Releases the lock (also when the process ends, however it ends).
    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
