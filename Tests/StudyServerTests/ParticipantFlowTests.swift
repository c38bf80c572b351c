import Foundation
import StudyKit
import StudyStore
import XCTest

final class ParticipantFlowTests: XCTestCase {
    func testFullParticipantFlowIsRecordedAndJoinedWithTheDesign() async throws {
        let study = try TestStudy(redirectURL: "https://example.org/done?cc=X")
        defer { study.remove() }
        let clock = TestClock()
        let server = try await RunningServer.start(study, clock: clock)

        let health = try await server.client.get("/healthz")
        XCTAssertEqual(health.status, 200)

        let participant = try await Participant.start(
            server.client, body: ["pid": "alice", "window_w": 1440, "window_h": 900, "dpr": 2],
            expectStatus: 201)
        let payload = participant.payload
        XCTAssertEqual(payload["participant"] as? String, "alice")
        XCTAssertEqual(payload["resumed"] as? Bool, false)
        XCTAssertEqual(payload["exposure_ms"] as? Int, 3000)
        XCTAssertEqual(payload["exposure_tolerance_ms"] as? Int, 34)
        XCTAssertEqual(payload["fixation_ms"] as? Int, 500)
        XCTAssertEqual((payload["study"] as? [String: Any])?["title"] as? String, "Test study")
        XCTAssertEqual(payload["next_index"] as? Int, 0)
        XCTAssertEqual(payload["completed"] as? Bool, false)
        XCTAssertTrue(payload["completion_code"] is NSNull)
        XCTAssertEqual(participant.trials.count, TestStudy.trialsPerSequence)
        let task = try XCTUnwrap(payload["task"] as? [String: Any])
        let showsInput = try XCTUnwrap(task["show_input"] as? Bool)
        for trial in participant.trials {
            XCTAssertEqual(trial["input"] is NSNull, !showsInput, "task-1 trials carry the LR input, task-2 trials null")
        }

        // Answer every trial; one exposure off by more than the tolerance, one with the page hidden.
        for index in 0..<participant.trials.count {
            try await participant.show(index, clock: clock)
            let reply = try await participant.answer(
                index, choice: index % 2 == 0 ? "left" : "right",
                exposureMs: index == 1 ? 3100 : 3010, visibilityLost: index == 2)
            XCTAssertEqual(reply.status, 200, reply.text)
            let ack = try reply.json()
            XCTAssertEqual(ack["ok"] as? Bool, true)
            XCTAssertEqual(ack["duplicate"] as? Bool, false)
            let expectedNext: Int? = index + 1 < participant.trials.count ? index + 1 : nil
            XCTAssertEqual(ack["next_index"] as? Int, expectedNext)
            if expectedNext == nil { XCTAssertTrue(ack["next_index"] is NSNull) }
        }
        let event = try await server.client.post(
            "/api/sessions/\(participant.token)/events",
            json: ["kind": "display_check", "detail": ["passed": true, "dpr": 2]])
        XCTAssertEqual(event.status, 204, event.text)

        let completion = try await participant.complete()
        XCTAssertEqual(completion.status, 200, completion.text)
        let code = try XCTUnwrap(try completion.json()["completion_code"] as? String)
        XCTAssertEqual(code.count, 8)
        XCTAssertEqual(try completion.json()["redirect_url"] as? String, "https://example.org/done?cc=X")
        let again = try await participant.complete()
        XCTAssertEqual(try again.json()["completion_code"] as? String, code, "completion is idempotent")

        let resumed = try await server.client.get("/api/sessions/\(participant.token)")
        let resumedPayload = try resumed.json()
        XCTAssertEqual(resumedPayload["completed"] as? Bool, true)
        XCTAssertEqual(resumedPayload["completion_code"] as? String, code)
        XCTAssertTrue(resumedPayload["next_index"] is NSNull)

        let trials = try await server.server.database.answeredTrials(manifest: study.manifest)
        XCTAssertEqual(trials.count, TestStudy.trialsPerSequence)
        let sequence = try XCTUnwrap(study.manifest.design.sequences.first { $0.id == trials.first?.sequence })
        for trial in trials {
            let design = sequence.trials[trial.trialIndex]
            XCTAssertEqual(trial.participant, "alice")
            XCTAssertEqual(trial.kind, design.kind)
            XCTAssertEqual(trial.model, design.model)
            XCTAssertEqual(trial.modelSide, design.modelSide)
            XCTAssertEqual(trial.choice, trial.trialIndex % 2 == 0 ? .left : .right)
            XCTAssertTrue(trial.sessionComplete)
            XCTAssertEqual(trial.responseMs, 640.5)
            XCTAssertEqual(trial.frames, 180)
            XCTAssertNotNil(trial.answeredAt)
        }
        XCTAssertEqual(Set(trials.map(\.kind)), [.practice, .main, .catch])
        XCTAssertEqual(trials.first { $0.trialIndex == 1 }?.flags, ["exposure_deviation"])
        XCTAssertEqual(trials.first { $0.trialIndex == 2 }?.flags, ["visibility_lost"])
        XCTAssertEqual(trials.filter(\.flagged).count, 2)

        let events = try await server.server.database.events(token: participant.token)
        XCTAssertEqual(events.map(\.kind), ["display_check"])
        XCTAssertEqual(events.first?.detail, #"{"dpr":2,"passed":true}"#)
        let stored = try await server.server.database.participant(id: "alice")
        let person = try XCTUnwrap(stored)
        XCTAssertEqual(person.userAgent, "TestBrowser/1.0")
        try await server.stop()
    }

    func testResumeByPidAndByToken() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let first = try await Participant.start(
            server.client, body: ["prolific_pid": "PROLIFIC123", "study_id": "S1", "session_id": "X9"],
            expectStatus: 201)
        _ = try await first.answer(0)
        _ = try await first.answer(1)

        let stranger = try await server.client.post("/api/sessions", json: ["prolific_pid": "PROLIFIC123"])
        XCTAssertEqual(stranger.status, 409, "a participant id alone never hands over a session")
        XCTAssertEqual(try stranger.json()["reason"] as? String, "participant_has_session")
        XCTAssertFalse(stranger.text.contains(first.token))
        let wrongToken = try await server.client.post(
            "/api/sessions",
            json: [
                "prolific_pid": "PROLIFIC123",
                "resume_token": String(repeating: "0", count: 32),
            ])
        XCTAssertEqual(wrongToken.status, 409)
        let second = try await Participant.start(
            server.client, body: ["prolific_pid": "PROLIFIC123", "resume_token": first.token],
            expectStatus: 200)
        XCTAssertEqual(second.token, first.token, "the same participant gets the same session back")
        XCTAssertEqual(second.payload["resumed"] as? Bool, true)
        XCTAssertEqual(second.payload["answered"] as? [Int], [0, 1])
        XCTAssertEqual(second.payload["next_index"] as? Int, 2)

        let byToken = try await server.client.get("/api/sessions/\(first.token)")
        XCTAssertEqual(byToken.status, 200)
        let payload = try byToken.json()
        XCTAssertEqual(payload["answered"] as? [Int], [0, 1])
        XCTAssertEqual(payload["next_index"] as? Int, 2)
        XCTAssertEqual((payload["trials"] as? [Any])?.count, first.trials.count)
        XCTAssertEqual(Set(payload.keys), Set(first.payload.keys))

        let stored = try await server.server.database.participant(id: "PROLIFIC123")
        let person = try XCTUnwrap(stored)
        XCTAssertEqual(person.source, "prolific")
        XCTAssertEqual(person.prolificStudyID, "S1")
        XCTAssertEqual(person.prolificSessionID, "X9")
        let export = try await server.client.get("/api/admin/export?format=jsonl", headers: ["Authorization": "Bearer \(RunningServer.adminToken)"])
        let exported = try export.text.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(exported.count, 2, export.text)
        for row in exported {
            XCTAssertEqual(row["prolific_study_id"] as? String, "S1", "the export carries Prolific's study id")
            XCTAssertEqual(row["prolific_session_id"] as? String, "X9")
        }

        let anonymous1 = try await Participant.start(server.client, expectStatus: 201)
        let anonymous2 = try await Participant.start(server.client, expectStatus: 201)
        XCTAssertNotEqual(anonymous1.token, anonymous2.token)
        XCTAssertNotEqual(anonymous1.payload["participant"] as? String, anonymous2.payload["participant"] as? String)
        let sessionCount = try await server.server.database.sessions().count
        XCTAssertEqual(sessionCount, 3)
        try await server.stop()
    }

    func testCompletingBeforeEveryTrialIsAnsweredIsRefused() async throws {
        let study = try TestStudy(completionCode: "FIXEDCODE")
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let participant = try await Participant.start(server.client)
        _ = try await participant.answer(0)
        let early = try await participant.complete()
        XCTAssertEqual(early.status, 409)
        XCTAssertTrue(try XCTUnwrap(try early.json()["error"] as? String).contains("1 of 6"))
        try await participant.answerAll()
        let done = try await participant.complete()
        XCTAssertEqual(done.status, 200)
        XCTAssertEqual(try done.json()["completion_code"] as? String, "FIXEDCODE")
        XCTAssertTrue(try done.json()["redirect_url"] is NSNull)
        try await server.stop()
    }
}
