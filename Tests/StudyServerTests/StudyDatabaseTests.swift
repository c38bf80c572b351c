import Foundation
import GRDB
import StudyKit
import StudyStore
import XCTest

final class StudyDatabaseTests: XCTestCase {
    func testAFileThatIsNotAStudyDatabaseIsRefusedClearly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("studystore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let text = folder.appendingPathComponent("notes.sqlite").path
        try Data("just some notes".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try StudyDatabase(path: text)) { error in
            XCTAssertTrue("\(error)".contains("not an SQLite database"), "\(error)")
            XCTAssertTrue("\(error)".contains(text))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: text)), Data("just some notes".utf8), "the file is left alone")

        let foreign = folder.appendingPathComponent("other.sqlite").path
        let queue = try DatabaseQueue(path: foreign)
        try queue.write { try $0.execute(sql: "CREATE TABLE invoices (id INTEGER PRIMARY KEY)") }
        try queue.close()
        XCTAssertThrowsError(try StudyDatabase(path: foreign)) { error in
            XCTAssertTrue("\(error)".contains("not a study database"), "\(error)")
            XCTAssertTrue("\(error)".contains("invoices"), "\(error)")
        }

        let absent = folder.appendingPathComponent("absent.sqlite").path
        XCTAssertThrowsError(try StudyDatabase(path: absent, mustExist: true)) { error in
            XCTAssertEqual(error as? StudyStoreError, .missingDatabase(path: absent))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: absent))
    }

    func testReopeningKeepsEverythingAndAChangedPlanIsRefused() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let database = try StudyDatabase(path: study.databasePath)
        try await database.recordPlan(manifest: study.manifest)
        let snapshot = try await database.startSession(
            SessionStart(participantID: "reopen"), sequences: study.manifest.design.sequences,
            identity: NewSessionIdentity(
                token: String(repeating: "1", count: 32), generatedParticipantID: "unused",
                stimulusKey: String(repeating: "2", count: 32)),
            now: Date(), abandonAfter: 1800)
        XCTAssertFalse(snapshot.resumed)
        try database.close()

        let reopened = try StudyDatabase(path: study.databasePath)
        try await reopened.recordPlan(manifest: study.manifest)
        let participants = try await reopened.sessions().map(\.participant)
        XCTAssertEqual(participants, ["reopen"])
        let planned = try await reopened.planSequences().count
        XCTAssertEqual(planned, study.manifest.design.sequences.count)

        var changed = study.manifest
        let handedOut = snapshot.session.sequence
        let position = try XCTUnwrap(changed.design.sequences.firstIndex { $0.id == handedOut })
        changed.design.sequences[position].trials.reverse()
        await assertThrowsAsync(try await reopened.recordPlan(manifest: changed)) { error in
            XCTAssertEqual(error as? StudyStoreError, .planChanged(path: study.databasePath, sequence: handedOut))
        }
        // A sequence never handed out may change.
        let other = changed.design.sequences.indices.first { $0 != position } ?? 0
        var onlyUnused = study.manifest
        onlyUnused.design.sequences[other].trials.reverse()
        await assertNoThrowAsync(try await reopened.recordPlan(manifest: onlyUnused))
        try reopened.close()
    }

    func testTheFileIsInWALModeAndMigrated() throws {
        let study = try TestStudy()
        defer { study.remove() }
        let database = try StudyDatabase(path: study.databasePath)
        try database.close()
        // WAL is a property of the file: any later connection sees it.
        let queue = try DatabaseQueue(path: study.databasePath)
        defer { try? queue.close() }
        try queue.read { db in
            XCTAssertEqual(try String.fetchOne(db, sql: "PRAGMA journal_mode"), "wal")
            let migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            XCTAssertFalse(migrations.isEmpty, "migrations are recorded")
            let tables = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
            XCTAssertTrue(tables.isSuperset(of: ["participant", "session", "plan_sequence", "answer"]), "\(tables)")
        }
    }
}
