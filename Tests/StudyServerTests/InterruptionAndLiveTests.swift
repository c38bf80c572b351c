import Foundation
import StudyKit
import XCTest

/// Answers that report an interrupted exposure are flagged `interrupted`; the payload carries the display
/// geometry; the live dashboard endpoint reports progress, flags and fool rates behind the admin token.
final class InterruptionAndLiveTests: XCTestCase {
    func testInterruptedAnswersAreFlaggedAndBadReasonsRefused() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let clock = TestClock()
        let server = try await RunningServer.start(study, clock: clock)
        let participant = try await Participant.start(server.client, body: ["pid": "p1"])
        try await participant.show(0, clock: clock)
        try await participant.show(1, clock: clock)
        var body = TestStudy.answer(index: 0, key: "key-interrupted-0")
        body["interruption"] = "reload"
        let reply = try await server.client.post("/api/sessions/\(participant.token)/answers", json: body)
        XCTAssertEqual(reply.status, 200, reply.text)
        var bad = TestStudy.answer(index: 1, key: "key-interrupted-1")
        bad["interruption"] = "bored"
        let refused = try await server.client.post("/api/sessions/\(participant.token)/answers", json: bad)
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertTrue(refused.text.contains("back_forward"), refused.text)
        var none = TestStudy.answer(index: 1, key: "key-interrupted-2")
        none["interruption"] = NSNull()
        let plain = try await server.client.post("/api/sessions/\(participant.token)/answers", json: none)
        XCTAssertEqual(plain.status, 200, plain.text)

        let trials = try await server.server.database.answeredTrials(manifest: study.manifest)
        XCTAssertEqual(trials.first { $0.trialIndex == 0 }?.flags, ["interrupted", "interrupted_reload"])
        XCTAssertEqual(trials.first { $0.trialIndex == 0 }?.flagged, true)
        XCTAssertEqual(trials.first { $0.trialIndex == 1 }?.flags, [])
        try await server.stop()
    }

    func testPayloadCarriesTheDisplayGeometry() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let participant = try await Participant.start(server.client, body: ["pid": "geometry"])
        let display = try XCTUnwrap(participant.payload["display"] as? [String: Any])
        XCTAssertEqual(display["image_px"] as? Int, 128)
        XCTAssertEqual(display["input_px"] as? Int, 16)
        XCTAssertEqual(display["device_px_per_image_px"] as? Int, 2)
        XCTAssertEqual(display["input_rendering"] as? String, "pixelated")
        XCTAssertEqual(display["gap_px"] as? Int, 32)
        XCTAssertEqual(display["min_window_w"] as? Int, 900)
        XCTAssertEqual(display["min_window_h"] as? Int, 500)
        XCTAssertEqual(display["allowed_dprs"] as? [Double], [1, 1.25, 2, 3])
        try await server.stop()
    }

    func testLiveSnapshotNeedsTheTokenAndReportsProgressFlagsAndRates() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let clock = TestClock()
        let server = try await RunningServer.start(study, clock: clock)
        for headers in [[:], ["Authorization": "Bearer wrong"]] {
            let reply = try await server.client.get("/api/admin/live", headers: headers)
            XCTAssertEqual(reply.status, 401)
        }
        let auth = ["Authorization": "Bearer \(RunningServer.adminToken)"]
        // "done" takes the study as a person does (images fetched, a person's pace); "bot" answers two trials
        // without fetching any image.
        let done = try await Participant.start(server.client, body: ["pid": "done"])
        let sequence = try await unwrapSession(server.server.database, done.token).session.sequence
        let design = try XCTUnwrap(study.manifest.design.sequence(sequence))
        for index in done.trials.indices {
            try await done.show(index, clock: clock)
            let truth = design.trials[index].modelSide.other.rawValue
            _ = try await done.answer(index, choice: design.trials[index].kind == .catch ? truth : (index % 2 == 0 ? "left" : "right"))
        }
        _ = try await done.complete()
        let bot = try await Participant.start(server.client, body: ["pid": "bot"])
        _ = try await bot.answer(0, visibilityLost: true)

        let reply = try await server.client.get("/api/admin/live", headers: auth)
        XCTAssertEqual(reply.status, 200, reply.text)
        let live = try reply.json()
        let sessions = try XCTUnwrap(live["sessions"] as? [String: Any])
        XCTAssertEqual(sessions["complete"] as? Int, 1)
        XCTAssertEqual(sessions["active"] as? Int, 1)
        XCTAssertEqual(live["answers"] as? Int, TestStudy.trialsPerSequence + 1)
        let tasks = try XCTUnwrap(live["tasks"] as? [[String: Any]])
        XCTAssertEqual(tasks.compactMap { $0["question"] as? String }.count, 2)
        let cells = try XCTUnwrap(live["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.compactMap { $0["answered"] as? Int }.reduce(0, +), 4)
        XCTAssertTrue(
            cells.allSatisfy { ($0["counted"] as? Int ?? -1) <= ($0["answered"] as? Int ?? 0) },
            "counted answers are those left after the exclusions")
        XCTAssertTrue(tasks.allSatisfy { ($0["label"] as? String)?.hasPrefix("Task ") == true && $0["participants_planned"] is Int })
        XCTAssertTrue(cells.allSatisfy { ($0["label"] as? String)?.isEmpty == false })
        let flagged = try XCTUnwrap(live["flagged"] as? [[String: Any]])
        XCTAssertEqual(flagged.compactMap { $0["participant"] as? String }, [], "practice answers raise no flag: \(flagged)")
        _ = try await bot.answer(1)
        let later = try await server.client.get("/api/admin/live", headers: auth).json()
        let flaggedLater = try XCTUnwrap(later["flagged"] as? [[String: Any]])
        XCTAssertEqual(flaggedLater.compactMap { $0["participant"] as? String }, ["bot"])
        let reasons = try XCTUnwrap(flaggedLater.first?["reasons"] as? [String])
        XCTAssertTrue(reasons.contains { $0.hasPrefix("unseen_answers: 1 of 1") }, "\(reasons)")
        XCTAssertEqual(flaggedLater.first?["excluded"] as? Bool, true)
        let rates = try XCTUnwrap(live["fool_rates"] as? [[String: Any]])
        XCTAssertFalse(rates.isEmpty)
        XCTAssertTrue(rates.contains { ($0["trials"] as? Int ?? 0) > 0 })
        for rate in rates { XCTAssertNotNil(rate["low"], "low is present (null when n is too small)") }
        let laterCells = try XCTUnwrap(later["cells"] as? [[String: Any]])
        let laterRates = try XCTUnwrap(later["fool_rates"] as? [[String: Any]])
        XCTAssertEqual(
            laterCells.compactMap { $0["counted"] as? Int }.reduce(0, +), laterRates.compactMap { $0["trials"] as? Int }.reduce(0, +),
            "the cells count exactly the trials the report analyses")
        XCTAssertLessThan(
            laterCells.compactMap { $0["counted"] as? Int }.reduce(0, +), laterCells.compactMap { $0["answered"] as? Int }.reduce(0, +),
            "the excluded bot's answer is answered but not counted")
        let interval = try XCTUnwrap(live["interval"] as? [String: Any])
        XCTAssertEqual(interval["method"] as? String, "crossed_combined")
        try await server.stop()
    }
}
