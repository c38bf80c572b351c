import Foundation
import StudyKit
import XCTest

final class AdminTests: XCTestCase {
    func testResearcherEndpointsNeedTheToken() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        for path in ["/api/admin/progress", "/api/admin/export?format=csv", "/api/admin/export?format=jsonl"] {
            for headers in [
                [:], ["Authorization": "Bearer wrong-token"], ["Authorization": RunningServer.adminToken],
                ["Authorization": "Basic \(RunningServer.adminToken)"],
            ] {
                let reply = try await server.client.get(path, headers: headers)
                XCTAssertEqual(reply.status, 401, "\(path) \(headers)")
                XCTAssertNotNil(try reply.json()["error"] as? String)
            }
        }
        try await server.stop()
    }

    func testProgressAndExportReflectRecordedAnswers() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let auth = ["Authorization": "Bearer \(RunningServer.adminToken)"]
        let done = try await Participant.start(server.client, body: ["pid": "done"])
        try await done.answerAll()
        _ = try await done.complete()
        let halfway = try await Participant.start(server.client, body: ["pid": "half"])
        _ = try await halfway.answer(0)

        let progress = try await server.client.get("/api/admin/progress", headers: auth)
        XCTAssertEqual(progress.status, 200, progress.text)
        let body = try progress.json()
        let tasks = try XCTUnwrap(body["tasks"] as? [[String: Any]])
        XCTAssertEqual(tasks.map { $0["task"] as? String }, ["task1", "task2"])
        XCTAssertEqual(tasks.compactMap { $0["sequences"] as? Int }, [3, 3])
        XCTAssertEqual(tasks.compactMap { $0["complete"] as? Int }.reduce(0, +), 1)
        XCTAssertEqual(tasks.compactMap { $0["median_session_minutes"] as? Double }.count, 1, "the complete session's length is measured")
        XCTAssertEqual(tasks.compactMap { $0["active"] as? Int }.reduce(0, +), 1)
        XCTAssertEqual(tasks.compactMap { $0["answers"] as? Int }.reduce(0, +), TestStudy.trialsPerSequence + 1)
        let cells = try XCTUnwrap(body["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.compactMap { $0["planned"] as? Int }.reduce(0, +), 6 * 4, "four main trials per sequence")
        XCTAssertEqual(cells.compactMap { $0["answered"] as? Int }.reduce(0, +), 4)

        let csv = try await server.client.get("/api/admin/export?format=csv", headers: auth)
        XCTAssertEqual(csv.status, 200)
        XCTAssertEqual(csv.headers["content-type"], "text/csv; charset=utf-8")
        let lines = csv.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + TestStudy.trialsPerSequence + 1)
        XCTAssertTrue(lines[0].hasPrefix("participant,session,sequence,task,trial_index,kind,image,model,model_side,choice,fooled"))

        let jsonl = try await server.client.get("/api/admin/export?format=jsonl", headers: auth)
        let rows = try jsonl.text.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let recorded = try await server.server.database.answeredTrials(manifest: study.manifest)
        XCTAssertEqual(rows.count, recorded.count)
        for (row, trial) in zip(rows, recorded) {
            XCTAssertEqual(row["session"] as? String, trial.session)
            XCTAssertEqual(row["trial_index"] as? Int, trial.trialIndex)
            XCTAssertEqual(row["model"] as? String, trial.model)
            XCTAssertEqual(row["fooled"] as? Bool, trial.fooled)
        }

        let badFormat = try await server.client.get("/api/admin/export?format=xml", headers: auth)
        XCTAssertEqual(badFormat.status, 400)
        try await server.stop()
    }
}
