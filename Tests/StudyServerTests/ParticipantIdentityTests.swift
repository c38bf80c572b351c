import Foundation
import GRDB
import XCTest

@testable import StudyKit
@testable import StudyStore

/// Participant ids are compared as people read them: one person, one session, whatever the spelling.
final class ParticipantIdentityTests: XCTestCase {
    static let spellings = ["José42", "JOSÉ42", "josé42", "José４２", "J\u{043E}sé42", "Jose\u{0301}42"]

    func testSpellingsAPersonReadsAsOneAreOneKey() {
        let keys = Set(Self.spellings.map(ParticipantIdentifier.comparisonKey))
        XCTAssertEqual(keys.count, 1, "\(keys)")
        XCTAssertNotEqual(ParticipantIdentifier.comparisonKey("José42"), ParticipantIdentifier.comparisonKey("José43"))
        XCTAssertNotEqual(ParticipantIdentifier.comparisonKey("anna"), ParticipantIdentifier.comparisonKey("anne"))
        // UTS #39 skeletons from Unicode's table: 1/l/I and Greek/Latin look-alikes.
        XCTAssertEqual(ParticipantIdentifier.comparisonKey("al1"), ParticipantIdentifier.comparisonKey("all"))
        XCTAssertEqual(ParticipantIdentifier.comparisonKey("PAYPAL"), ParticipantIdentifier.comparisonKey("\u{0420}\u{0391}YPAL"))
        XCTAssertEqual(ConfusableSkeleton.unicodeVersion, "12.1.0")
        XCTAssertGreaterThan(ConfusableSkeleton.prototypes.count, 6000)
        // Prolific ids stay distinct from one another.
        XCTAssertNotEqual(
            ParticipantIdentifier.comparisonKey("5f0c8a1b2c3d4e5f6a7b8c9d"), ParticipantIdentifier.comparisonKey("5f0c8a1b2c3d4e5f6a7b8c9e"))
    }

    func testBlankAndInvisibleCharactersAreRefused() {
        for blank in [
            "\u{2800}", "\u{3164}", "\u{115F}", "\u{1160}", "\u{FFA0}", "\u{180E}", "\u{200B}", "\u{2060}", "\u{034F}", "\u{FE0F}", "\u{E0041}",
        ] {
            XCTAssertNil(ParticipantIdentifier.normalized("ab\(blank)c"), blank.unicodeScalars.map { String($0.value, radix: 16) }.joined())
            XCTAssertNil(ParticipantIdentifier.normalized(blank))
        }
        XCTAssertEqual(ParticipantIdentifier.normalized("José42"), "José42")
    }

    func testEverySpellingOfOneIdGetsTheOneSessionOverHTTP() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let first = try await Participant.start(
            server.client, body: ["pid": "José42", "browser_key": "browser-key-jose-0001"], expectStatus: 201)
        for spelling in Self.spellings.dropFirst() {
            let other = try await server.client.post("/api/sessions", json: ["pid": spelling])
            XCTAssertEqual(other.status, 409, "\(spelling): \(other.text)")
            // The same browser, whatever spelling its link carries, resumes its one session.
            let own = try await server.client.post("/api/sessions", json: ["pid": spelling, "browser_key": "browser-key-jose-0001"])
            XCTAssertEqual(own.status, 200, own.text)
            XCTAssertEqual(try own.json()["session"] as? String, first.token)
        }
        let sessions = try await server.server.database.sessions()
        XCTAssertEqual(sessions.count, 1)
        for blank in ["\u{2800}", "ab\u{2800}", "\u{3164}", "x\u{115F}", "\u{1160}y", "\u{FFA0}"] {
            let reply = try await server.client.post("/api/sessions", json: ["pid": blank])
            XCTAssertEqual(reply.status, 422, reply.text)
        }
        try await server.stop()
    }

    func testAStudyWithAnIDPatternRefusesOtherIdsWith400() async throws {
        let study = try TestStudy(assignment: ["participant_id_pattern": "[0-9a-f]{24}"])
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        _ = try await Participant.start(server.client, body: ["prolific_pid": "5f0c8a1b2c3d4e5f6a7b8c9d"], expectStatus: 201)
        for bad in ["5f0c8a1b2c3d4e5f6a7b8c9", "5f0c8a1b2c3d4e5f6a7b8c9dd", "José42", "5F0C8A1B2C3D4E5F6A7B8C9D", "{{%PROLIFIC_PID%}}"] {
            let reply = try await server.client.post("/api/sessions", json: ["prolific_pid": bad])
            XCTAssertEqual(reply.status, 400, "\(bad): \(reply.text)")
            XCTAssertEqual(try reply.json()["reason"] as? String, "participant_id_pattern")
            XCTAssertTrue((try reply.json()["error"] as? String)?.contains("[0-9a-f]{24}") == true, reply.text)
            let value4 = try await server.client.post("/api/sessions", json: ["pid": bad]).status
            XCTAssertEqual(value4, 400)
        }
        let value5 = try await server.server.database.sessions().count
        XCTAssertEqual(value5, 1)
        try await server.stop()
    }

    func testTheMigrationKeysExistingParticipantsAndKeepsEveryRow() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        // A database as the previous version left it: two spellings of one person already hold two sessions.
        let old = try DatabaseQueue(path: study.databasePath)
        try Schema.migrator.migrate(old, upTo: "v2-server-timing")
        try await old.write { db in
            try db.execute(sql: "INSERT INTO plan_sequence VALUES ('task1-000', 'task1', 0, 6, '[]', 'x', 'y')")
            for (number, id) in ["José42", "JOSÉ42", "anna"].enumerated() {
                try db.execute(sql: "INSERT INTO participant (id, source, created_at) VALUES (?, 'pid', '2026-01-01 00:00:00')", arguments: [id])
                try db.execute(
                    sql: """
                        INSERT INTO session (token, participant, sequence, task, started_at, last_seen_at, stimulus_key, browser_key)
                        VALUES (?, ?, 'task1-000', 'task1', '2026-01-01 00:00:0\(number)', '2026-01-01 00:00:00', ?, ?)
                        """, arguments: ["token-\(number)", id, "key-\(number)", "browser-key-old-000\(number)"])
            }
        }
        try old.close()
        let database = try StudyDatabase(path: study.databasePath)
        let keys = try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, comparison_key FROM participant ORDER BY id").map {
                ($0["id"] as String, $0["comparison_key"] as String?)
            }
        }
        XCTAssertEqual(keys.count, 3)
        XCTAssertEqual(keys.first { $0.0 == "José42" }?.1, ParticipantIdentifier.comparisonKey("josé42"))
        XCTAssertEqual(keys.first { $0.0 == "JOSÉ42" }?.1, ParticipantIdentifier.comparisonKey("josé42"))
        let value6 = try await database.sessions().count
        XCTAssertEqual(value6, 3)
        // Each old session still resumes by its own browser, and a new spelling is refused.
        let resumed = try await database.resumeSession(
            SessionStart(participantID: "josé42", browserKey: "browser-key-old-0001"), now: Date())
        XCTAssertEqual(resumed?.session.token, "token-1")
        await assertThrowsAsync(
            try await database.startSession(
                SessionStart(participantID: "JOSE\u{0301}42"), sequences: [],
                identity: .init(token: "t", generatedParticipantID: "g", stimulusKey: "s"),
                now: Date(), abandonAfter: 60))
        try database.close()
    }
}
