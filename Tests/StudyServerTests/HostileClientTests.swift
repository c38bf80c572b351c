import Foundation
import GRDB
import StudyKit
import StudyStore
import XCTest

/// What scripts and hijackers try: floods, odd identifiers, spreadsheet formulas, event spam, log snooping.
final class HostileClientTests: XCTestCase {
    func testSessionCreationIsLimitedPerClientWith429AndRetryAfter() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let clock = TestClock()
        let server = try await RunningServer.start(
            study, clock: clock, sessionsPerClientPerMinute: 3, sessionsPerMinute: 100,
            trustForwardedFor: true)
        for _ in 0..<3 { _ = try await Participant.start(server.client, headers: ["X-Forwarded-For": "203.0.113.7"]) }
        let refused = try await server.client.post("/api/sessions", json: [:], headers: ["X-Forwarded-For": "203.0.113.7"])
        XCTAssertEqual(refused.status, 429)
        XCTAssertEqual(try refused.json()["reason"] as? String, "rate_limited")
        let wait = try XCTUnwrap(Int(refused.headers["retry-after"] ?? ""))
        XCTAssertTrue((1...20).contains(wait), "\(wait)")
        // Another client is not held up by the first; the first may go on once the bucket refills.
        _ = try await Participant.start(server.client, headers: ["X-Forwarded-For": "198.51.100.2"], expectStatus: 201)
        clock.advance(minutes: 1)
        _ = try await Participant.start(server.client, headers: ["X-Forwarded-For": "203.0.113.7"], expectStatus: 201)
        let sessionCount = try await server.server.database.sessions().count
        XCTAssertEqual(sessionCount, 5, "refused requests create nothing")
        try await server.stop()
    }

    func testOverallLimitHoldsAcrossClients() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(
            study, sessionsPerClientPerMinute: 100, sessionsPerMinute: 4,
            trustForwardedFor: true)
        var statuses: [Int] = []
        for number in 0..<8 {
            let reply = try await server.client.post("/api/sessions", json: [:], headers: ["X-Forwarded-For": "192.0.2.\(number)"])
            statuses.append(reply.status)
        }
        XCTAssertEqual(statuses, [201, 201, 201, 201, 429, 429, 429, 429])
        try await server.stop()
    }

    func testIdentifiersAreNormalisedBoundedAndVisible() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let nfc = "Jos\u{00E9}"
        let nfd = "Jose\u{0301}"
        _ = try await Participant.start(server.client, body: ["pid": nfc], expectStatus: 201)
        let sameInNFD = try await server.client.post("/api/sessions", json: ["pid": nfd])
        XCTAssertEqual(sameInNFD.status, 409, "NFC and NFD spellings are one person")
        let participant = try await server.server.database.participant(id: nfc)
        XCTAssertNotNil(participant)

        let refused = [
            String(repeating: "\u{00E9}", count: 65),  // 130 bytes, 65 characters
            "abc\u{200B}def", "abc\u{202E}fed", "a b", "tab\there", "new\nline", "", "\u{FEFF}bom",
        ]
        for pid in refused {
            let reply = try await server.client.post("/api/sessions", json: ["pid": pid])
            XCTAssertEqual(reply.status, 422, "\(pid.unicodeScalars.map { String($0.value, radix: 16) }): \(reply.text)")
        }
        let reply = try await server.client.post("/api/sessions", json: ["prolific_pid": "ok", "study_id": "bad\u{2066}id"])
        XCTAssertEqual(reply.status, 422)
        _ = try await Participant.start(server.client, body: ["pid": String(repeating: "x", count: 128)], expectStatus: 201)
        let sessionCount = try await server.server.database.sessions().count
        XCTAssertEqual(sessionCount, 2)
        try await server.stop()
    }

    func testEventsAreCappedAndRefusedAfterCompletion() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let participant = try await Participant.start(server.client)
        var statuses: [Int: Int] = [:]
        for _ in 0..<(StudyDatabase.maxEventsPerSession + 5) {
            let reply = try await server.client.post("/api/sessions/\(participant.token)/events", json: ["kind": "blur"])
            statuses[reply.status, default: 0] += 1
        }
        XCTAssertEqual(statuses, [204: StudyDatabase.maxEventsPerSession, 429: 5])
        let eventCount = try await server.server.database.events(token: participant.token).count
        XCTAssertEqual(eventCount, StudyDatabase.maxEventsPerSession)

        let other = try await Participant.start(server.client)
        try await other.answerAll()
        let completed = try await other.complete()
        XCTAssertEqual(completed.status, 200)
        let late = try await server.client.post("/api/sessions/\(other.token)/events", json: ["kind": "blur"])
        XCTAssertEqual(late.status, 409)
        let otherEventCount = try await server.server.database.events(token: other.token).count
        XCTAssertEqual(otherEventCount, 0)
        try await server.stop()
    }

    func testCSVExportNeutralisesFormulas() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let participant = try await Participant.start(server.client, body: ["pid": "=HYPERLINK(\"http://x\",\"y\")"])
        _ = try await participant.answer(0)
        let csv = try await server.client.get(
            "/api/admin/export?format=csv",
            headers: ["Authorization": "Bearer \(RunningServer.adminToken)"])
        XCTAssertEqual(csv.status, 200)
        let row = try XCTUnwrap(csv.text.split(separator: "\n").dropFirst().first)
        XCTAssertTrue(row.hasPrefix("\"'=HYPERLINK("), String(row))
        XCTAssertFalse(csv.text.contains(",=HYPERLINK"))
        try await server.stop()
    }

    func testHeadSecurityHeadersAndLogsWithoutSecrets() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let log = CapturedLog()
        let server = try await RunningServer.start(study, log: log)
        let head = try await server.client.send("HEAD", "/")
        XCTAssertEqual(head.status, 200)
        XCTAssertTrue(head.body.isEmpty)
        XCTAssertEqual(head.headers["content-type"], "text/html; charset=utf-8")
        let page = try await server.client.get("/")
        XCTAssertEqual(head.headers["content-length"], String(page.body.count))
        for reply in [head, page] {
            XCTAssertTrue(reply.headers["content-security-policy"]?.contains("default-src 'self'") == true)
            XCTAssertTrue(reply.headers["content-security-policy"]?.contains("frame-ancestors 'none'") == true)
            XCTAssertEqual(reply.headers["x-content-type-options"], "nosniff")
            XCTAssertEqual(reply.headers["referrer-policy"], "no-referrer")
        }
        let participant = try await Participant.start(server.client, body: ["prolific_pid": "PID-SECRET-42"])
        try await participant.show(0)
        _ = try await participant.answer(0)
        _ = try await server.client.get("/api/sessions/\(participant.token)")
        _ = try await server.client.get("/?PROLIFIC_PID=PID-SECRET-42")
        let stimulusKey = try XCTUnwrap(participant.imageURLs(0).first?.split(separator: "/").dropFirst().first)
        try await server.stop()
        let text = log.text
        XCTAssertTrue(text.contains("POST /api/sessions/{token}/answers 200"), text)
        XCTAssertTrue(text.contains("/stimuli/{key}/0-left.png 200"), text)
        XCTAssertFalse(text.contains(participant.token))
        XCTAssertFalse(text.contains(String(stimulusKey)))
        XCTAssertFalse(text.contains("PID-SECRET-42"))
    }

    func testABackupTakenWhileAnswersArriveHoldsEveryAcknowledgedAnswer() async throws {
        let study = try TestStudy(sequencesPerTask: 3)
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        var participants: [Participant] = []
        for _ in 0..<6 { participants.append(try await Participant.start(server.client)) }
        let backupPath = study.root.appendingPathComponent("backup.sqlite").path
        let tokens = participants.map(\.token)
        let client = server.client
        let answering = Task {
            for index in 0..<TestStudy.trialsPerSequence {
                for token in tokens {
                    _ = try await client.post(
                        "/api/sessions/\(token)/answers",
                        json: TestStudy.answer(index: index, key: "b-\(token.prefix(8))-\(index)"))
                }
            }
        }
        try await Task.sleep(nanoseconds: 30_000_000)
        let acknowledgedBefore = try await server.server.database.answerCount()
        let backupCheck = try await server.server.database.backup(to: backupPath)
        XCTAssertEqual(backupCheck, "ok")
        try await answering.value
        await assertThrowsAsync(try await server.server.database.backup(to: backupPath), "a backup never overwrites")
        let copy = try DatabaseQueue(path: backupPath)
        let (check, count) = try await copy.read { db in
            (try String.fetchOne(db, sql: "PRAGMA integrity_check"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM answer") ?? 0)
        }
        XCTAssertEqual(check, "ok")
        XCTAssertGreaterThanOrEqual(count, acknowledgedBefore)
        XCTAssertLessThanOrEqual(count, participants.count * TestStudy.trialsPerSequence)
        try await server.stop()
    }
}

final class BrowserKeyTests: XCTestCase {
    func testTheBrowserThatStartedASessionResumesItByItsKeyEvenWithoutTheToken() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let key = "browser-key-0123456789abcdef"
        let first = try await Participant.start(server.client, body: ["pid": "lost-reply", "browser_key": key], expectStatus: 201)
        // The reply with the token was lost; the same browser asks again with its key.
        let again = try await Participant.start(server.client, body: ["pid": "lost-reply", "browser_key": key], expectStatus: 200)
        XCTAssertEqual(again.token, first.token)
        let other = try await server.client.post("/api/sessions", json: ["pid": "lost-reply", "browser_key": "another-browser-key-000"])
        XCTAssertEqual(other.status, 409)
        let short = try await server.client.post("/api/sessions", json: ["pid": "x", "browser_key": "short"])
        XCTAssertEqual(short.status, 422)
        try await server.stop()
    }
}
