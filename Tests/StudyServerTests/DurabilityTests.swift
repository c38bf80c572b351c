import Foundation
import StudyKit
import StudyStore
import XCTest

final class DurabilityTests: XCTestCase {
    func testAnswersSurviveARestartOfTheServer() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let first = try await RunningServer.start(study)
        let participant = try await Participant.start(first.client, body: ["pid": "persistent"])
        for index in 0..<3 { _ = try await participant.answer(index) }
        let before = try await first.server.database.answeredTrials(manifest: study.manifest)
        try await first.stop()

        let second = try await RunningServer.start(study)
        let after = try await second.server.database.answeredTrials(manifest: study.manifest)
        XCTAssertEqual(after, before)
        let resumed = try await Participant.start(
            second.client, body: ["pid": "persistent", "resume_token": participant.token],
            expectStatus: 200)
        XCTAssertEqual(resumed.token, participant.token)
        XCTAssertEqual(resumed.payload["answered"] as? [Int], [0, 1, 2])
        let replay = try await resumed.answer(2)
        XCTAssertEqual(try replay.json()["duplicate"] as? Bool, true, "a retry after the restart is recognised")
        try await second.stop()
    }
}
