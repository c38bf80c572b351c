import Dispatch
import Foundation
import GRDB

extension StudyDatabase {
    /// Copies the database to `destination` with SQLite's online backup: a consistent snapshot even while
    /// answers arrive. Written beside the destination under a temporary name and moved into place, so a
    /// failed backup leaves no partial file; an existing destination is refused. Returns the integrity check.
    public func backup(to destination: String) async throws -> String {
        let pool = self.pool
        return try await withCheckedThrowingContinuation { continuation in
            // SQLite's backup API is blocking; it runs on a Dispatch thread, never on one of Swift concurrency's.
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(with: Result { try Self.backup(pool, to: destination) })
            }
        }
    }

    private static func backup(_ pool: DatabasePool, to destination: String) throws -> String {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: destination) { throw StudyStoreError.backupExists(path: destination) }
        let temporary = destination + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? fileManager.removeItem(atPath: temporary)
        do {
            let copy = try DatabaseQueue(path: temporary)
            try pool.backup(to: copy)
            let check = try copy.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } ?? "no result"
            try copy.close()
            guard check == "ok" else { throw StudyStoreError.backupFailed(path: destination, reason: "integrity check: \(check)") }
            try fileManager.moveItem(atPath: temporary, toPath: destination)
            return check
        } catch {
            try? fileManager.removeItem(atPath: temporary)
            if let error = error as? StudyStoreError { throw error }
            throw StudyStoreError.backupFailed(path: destination, reason: "\(error)")
        }
    }
}
