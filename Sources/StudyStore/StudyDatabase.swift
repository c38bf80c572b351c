import Foundation
import GRDB

/// The study database: one SQLite file in WAL mode holding facts only (participants, sessions,
/// the plan, hand-outs, answers, events). Everything shown is derived from these records.
public final class StudyDatabase: Sendable {
    public let path: String
    let pool: DatabasePool

    /// Opens (creating it if absent, unless `mustExist`) and migrates the database at `path`.
    public init(path: String, mustExist: Bool = false) throws {
        self.path = path
        let exists = FileManager.default.fileExists(atPath: path)
        if mustExist && !exists { throw StudyStoreError.missingDatabase(path: path) }
        if exists { try Self.checkIsSQLite(path: path) }

        var configuration = Configuration()
        configuration.busyMode = .timeout(TimeInterval(Self.busyTimeoutMs) / 1000)
        configuration.prepareDatabase { db in
            // An acknowledged answer must survive a crash of the process or of the machine.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The WAL shrinks back to this size when it restarts (see also `truncateWAL`).
            try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walSizeLimit)")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            throw StudyStoreError.notAStudyDatabase(path: path, reason: error.message ?? "\(error.resultCode)")
        }
        try migrate()
    }

    /// How long a write waits for another writer (ms).
    static let busyTimeoutMs = 10_000

    /// Closes the file; later calls fail. Used by tests that reopen the same file.
    public func close() throws { try pool.close() }

    private static func checkIsSQLite(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StudyStoreError.notAStudyDatabase(path: path, reason: "the file cannot be read")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        if header.isEmpty { return }  // an empty file becomes a new database
        guard header == Data("SQLite format 3\0".utf8) else {
            throw StudyStoreError.notAStudyDatabase(path: path, reason: "the file is not an SQLite database")
        }
    }

    private func migrate() throws {
        let migrator = Schema.migrator
        let (tables, applied): ([String], Set<String>) = try pool.read { db in
            let tables = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
                    """)
            let applied = try db.tableExists("grdb_migrations") ? try migrator.appliedIdentifiers(db) : []
            return (tables, applied)
        }
        if !tables.isEmpty && applied.isEmpty {
            throw StudyStoreError.notAStudyDatabase(
                path: path, reason: "it holds other tables: \(tables.prefix(5).joined(separator: ", "))")
        }
        let unknown = applied.subtracting(Schema.migrationIdentifiers)
        if !unknown.isEmpty { throw StudyStoreError.newerSchema(path: path, unknownMigrations: unknown.sorted()) }
        try migrator.migrate(pool)
    }
}
