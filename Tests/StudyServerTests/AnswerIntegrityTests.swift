import Foundation
import XCTest

final class AnswerIntegrityTests: ServerTestCase {
    func testReplayingTheSameKeyWritesNothing() async throws {
        let participant = try await Participant.start(server.client)
        let first = try await participant.answer(0, key: "replay-key-1")
        XCTAssertEqual(try first.json()["duplicate"] as? Bool, false)
        let replay = try await participant.answer(0, key: "replay-key-1")
        XCTAssertEqual(replay.status, 200)
        XCTAssertEqual(try replay.json()["duplicate"] as? Bool, true)
        XCTAssertEqual(try replay.json()["next_index"] as? Int, 1)
        let answerCount = try await server.server.database.answerCount()
        XCTAssertEqual(answerCount, 1)
    }

    func testConcurrentRetriesAndConflictsRecordOneAnswerPerTrial() async throws {
        let participant = try await Participant.start(server.client)
        // Per trial: the same answer sent three times at once (retries), and a rival key for the same trial.
        let client = server.client
        let path = "/api/sessions/\(participant.token)/answers"
        let replies = try await withThrowingTaskGroup(of: (Int, String, Int).self) { group in
            for index in 0..<TestStudy.trialsPerSequence {
                for attempt in 0..<4 {
                    let key = attempt < 3 ? "same-key-\(index)" : "rival-key-\(index)"
                    group.addTask {
                        let reply = try await client.post(path, json: TestStudy.answer(index: index, key: key))
                        return (index, key, reply.status)
                    }
                }
            }
            var all: [(Int, String, Int)] = []
            for try await reply in group { all.append(reply) }
            return all
        }
        XCTAssertEqual(replies.count, TestStudy.trialsPerSequence * 4)
        let stored = try await server.server.database.answers()
        XCTAssertEqual(stored.count, TestStudy.trialsPerSequence, "one row per trial")
        XCTAssertEqual(Set(stored.map(\.trialIndex)).count, TestStudy.trialsPerSequence)
        for index in 0..<TestStudy.trialsPerSequence {
            let forTrial = replies.filter { $0.0 == index }
            let winner = try XCTUnwrap(stored.first { $0.trialIndex == index }).key
            for (_, key, status) in forTrial {
                XCTAssertEqual(status, key == winner ? 200 : 409, "trial \(index) key \(key)")
            }
        }
    }

    func testAnsweringATrialTwiceWithANewKeyConflicts() async throws {
        let participant = try await Participant.start(server.client)
        _ = try await participant.answer(0, key: "first-key-1")
        let second = try await participant.answer(0, key: "second-key-1", choice: "right")
        XCTAssertEqual(second.status, 409)
        XCTAssertNotNil(try second.json()["error"] as? String)
        let reused = try await participant.answer(1, key: "first-key-1")
        XCTAssertEqual(reused.status, 409, "a key used for another trial is refused")
        let choices = try await server.server.database.answers().map(\.choice)
        XCTAssertEqual(choices, [.left])
    }

    func testForgedTrialIndexIsRefused() async throws {
        let participant = try await Participant.start(server.client)
        for index in [TestStudy.trialsPerSequence, 999, -1] {
            let reply = try await participant.answer(index)
            XCTAssertEqual(reply.status, 422, "index \(index): \(reply.text)")
            XCTAssertNotNil(try reply.json()["error"] as? String)
        }
        let answerCount = try await server.server.database.answerCount()
        XCTAssertEqual(answerCount, 0)
    }

    func testUnknownSessionIs404() async throws {
        let unknown = String(repeating: "ab", count: 16)
        for token in [unknown, "not-a-token", "../../etc"] {
            let get = try await server.client.get("/api/sessions/\(token)")
            XCTAssertEqual(get.status, 404, token)
            XCTAssertNotNil(try get.json()["error"] as? String)
            let answer = try await server.client.post("/api/sessions/\(token)/answers", json: TestStudy.answer(index: 0, key: "abcdefgh"))
            XCTAssertEqual(answer.status, 404, token)
            let complete = try await server.client.post("/api/sessions/\(token)/complete")
            XCTAssertEqual(complete.status, 404, token)
            let event = try await server.client.post("/api/sessions/\(token)/events", json: ["kind": "x"])
            XCTAssertEqual(event.status, 404, token)
        }
        let answerCount = try await server.server.database.answerCount()
        XCTAssertEqual(answerCount, 0)
    }

    func testOversizeBodyIsRefused() async throws {
        let participant = try await Participant.start(server.client)
        var body = TestStudy.answer(index: 0, key: "big-body-1")
        body["padding"] = String(repeating: "x", count: 20 * 1024)
        let reply = try await server.client.post("/api/sessions/\(participant.token)/answers", json: body)
        XCTAssertEqual(reply.status, 413)
        XCTAssertNotNil(try reply.json()["error"] as? String)
        let event = try await server.client.post(
            "/api/sessions/\(participant.token)/events",
            json: ["kind": "big", "detail": ["text": String(repeating: "y", count: 40_000)]])
        XCTAssertEqual(event.status, 413)
        let answerCount = try await server.server.database.answerCount()
        XCTAssertEqual(answerCount, 0)
    }

    func testMalformedAndInvalidBodiesAreRefusedClearly() async throws {
        let participant = try await Participant.start(server.client)
        let path = "/api/sessions/\(participant.token)/answers"

        let garbage = try await server.client.send("POST", path, headers: ["Content-Type": "application/json"], body: Data("{not json".utf8))
        XCTAssertEqual(garbage.status, 400)
        XCTAssertEqual(try garbage.json()["error"] as? String, "request body is not valid JSON")

        let empty = try await server.client.send("POST", path)
        XCTAssertEqual(empty.status, 400)

        var missing = TestStudy.answer(index: 0, key: "missing-1")
        missing["choice"] = nil
        let missingReply = try await server.client.post(path, json: missing)
        XCTAssertEqual(missingReply.status, 422)
        XCTAssertEqual(try missingReply.json()["error"] as? String, "missing field 'choice'")

        let cases: [(String, Any, String)] = [
            ("choice", "up", "choice"), ("key", "short", "key"), ("key", "bad key with spaces", "key"),
            ("response_ms", "fast", "response_ms"), ("response_ms", -5, "response_ms"), ("dpr", 0, "dpr"),
            ("index", 1.5, "index"), ("visibility_lost", "no", "visibility_lost"),
        ]
        for (field, value, named) in cases {
            var body = TestStudy.answer(index: 0, key: "invalid-\(field)")
            body[field] = value
            let reply = try await server.client.post(path, json: body)
            XCTAssertEqual(reply.status, 422, "\(field)=\(value): \(reply.text)")
            let message = try XCTUnwrap(try reply.json()["error"] as? String)
            XCTAssertTrue(message.contains(named), "\(message) names \(named)")
        }

        let badSession = try await server.client.post("/api/sessions", json: ["pid": "has space"])
        XCTAssertEqual(badSession.status, 422)
        let badEvent = try await server.client.post("/api/sessions/\(participant.token)/events", json: ["kind": "x", "detail": [1, 2]])
        XCTAssertEqual(badEvent.status, 422)
        let unknownRoute = try await server.client.get("/api/nothing-here")
        XCTAssertEqual(unknownRoute.status, 404)
        XCTAssertNotNil(try unknownRoute.json()["error"] as? String)
        let answerCount = try await server.server.database.answerCount()
        XCTAssertEqual(answerCount, 0)
    }
}
