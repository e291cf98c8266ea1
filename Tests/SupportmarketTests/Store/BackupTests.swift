import Foundation
import MarketStore
import Testing

/// Online backups that check themselves, and restores that refuse what they must.
@Suite("Backup and restore")
struct BackupTests {
    @Test func aBackupIsCheckedAndARestoreRefusesADatabaseInUseOrADamagedCopy() async throws {
        let market = try await TestMarket.make(seedBudgets: true)
        let backup = market.directory.appendingPathComponent("backup.sqlite").path
        let report = try await market.database.backup(to: backup)
        #expect(report.bytes > 0 && report.ledger.violations.isEmpty && report.ledger.streams > 0)
        #expect(report.migrations == (try market.database.appliedMigrations()) && report.migrations.count >= 15)
        await #expect(throws: BackupError.self) { try await market.database.backup(to: backup) }

        // A server holds the lock: the restore is refused and the database is untouched.
        let live = market.directory.appendingPathComponent("live.sqlite").path
        let serving = try ServeLock(database: live, purpose: .serve)
        await #expect(throws: BackupError.self) { try await AppDatabase.restore(from: backup, to: live) }
        // Nor does a second server start; the refusal names the process that holds the database.
        do {
            _ = try ServeLock(database: live, purpose: .serve)
            Issue.record("a second server took the lock")
        } catch let error as BackupError {
            #expect(String(describing: error).contains("process \(getpid()) (supportmarket serve)"))
        }
        #expect(!FileManager.default.fileExists(atPath: live))
        serving.release()
        let restored = try await AppDatabase.restore(from: backup, to: live)
        #expect(restored.ledger.streams == report.ledger.streams)
        let reopened = try AppDatabase.open(path: live)
        #expect(try reopened.isFullyMigrated())

        // Not a database: refused, nothing put in place.
        let damaged = market.directory.appendingPathComponent("damaged.sqlite").path
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: damaged))
        let target = market.directory.appendingPathComponent("target.sqlite").path
        await #expect(throws: BackupError.self) { try await AppDatabase.restore(from: damaged, to: target) }
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}
