import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The database's disk: how much is left, how large the files are, and keeping the WAL small.
public struct StorageStatus: Sendable, Equatable, Encodable {
    /// Bytes free to the server on the database's file system; nil when it cannot be read.
    public var freeBytes: Int64?
    public var databaseBytes: Int64
    public var walBytes: Int64

    enum CodingKeys: String, CodingKey {
        case freeBytes = "free_bytes"
        case databaseBytes = "database_bytes"
        case walBytes = "wal_bytes"
    }
}

extension StudyDatabase {
    /// The WAL is cut back to this size whenever it restarts (`PRAGMA journal_size_limit`).
    public static let walSizeLimit = 4 * 1024 * 1024

    /// Whether `error` is SQLite's "database or disk is full" (ENOSPC, a full volume or quota).
    public static func isStorageFull(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_FULL
    }

    /// Free space and file sizes now.
    public func storageStatus() -> StorageStatus {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var stats = statvfs()
        let free = statvfs(folder, &stats) == 0 ? Int64(stats.f_bavail) * Int64(stats.f_frsize) : nil
        func size(_ file: String) -> Int64 {
            ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.int64Value ?? 0
        }
        return StorageStatus(freeBytes: free, databaseBytes: size(path), walBytes: size(path + "-wal"))
    }

    /// Copies the WAL into the database and truncates it to zero bytes. A reader that still holds an older
    /// snapshot (a researcher's sqlite3, a backup) keeps the WAL in use: then nothing waits, this returns
    /// false, and the next call truncates once the reader is done.
    @discardableResult
    public func truncateWAL() async throws -> Bool {
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA busy_timeout = 0")
            defer { try? db.execute(sql: "PRAGMA busy_timeout = \(Self.busyTimeoutMs)") }
            do {
                _ = try db.checkpoint(.truncate)
                return true
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                return false
            }
        }
    }
}
