import Foundation
import StudyKit
import StudyStore
import XCTest

@testable import StudyServerCore

final class AnswerBatchTests: XCTestCase {
    var study: TestStudy!
    var database: StudyDatabase!
    let token = String(repeating: "7", count: 32)

    override func setUp() async throws {
        study = try TestStudy()
        database = try StudyDatabase(path: study.databasePath)
        try await database.recordPlan(manifest: study.manifest)
        _ = try await database.startSession(
            SessionStart(participantID: "batch"), sequences: study.manifest.design.sequences,
            identity: NewSessionIdentity(token: token, generatedParticipantID: "unused", stimulusKey: String(repeating: "8", count: 32)), now: Date(),
            abandonAfter: 1800)
    }

    override func tearDown() async throws {
        try database.close()
        study.remove()
    }

    func answer(_ index: Int, key: String, responseMs: Double = 500) -> AnswerRecord {
        AnswerRecord(
            session: token, trialIndex: index, key: key, choice: .left, responseMs: responseMs, exposureMs: 3000,
            frames: 180, visibilityLost: false, focusLost: false, windowW: 1000, windowH: 800, dpr: 1,
            renderedPx: 256, flags: AnswerFlags(), clientTime: nil, receivedAt: Date())
    }

    func testAnswersInOneTransactionAreJudgedInOrder() async throws {
        let results = try await database.recordAnswers([
            answer(0, key: "key-aaaa"), answer(0, key: "key-aaaa"), answer(0, key: "key-bbbb"),
            answer(1, key: "key-aaaa"), answer(TestStudy.trialsPerSequence, key: "key-cccc"), answer(1, key: "key-dddd"),
        ])
        XCTAssertEqual(results.map(\.outcome), [.recorded, .duplicate, .trialAlreadyAnswered, .keyReused, .trialOutOfRange, .recorded])
        XCTAssertEqual(results.last?.answered, [0, 1])
        XCTAssertEqual(results.last?.nextIndex, 2)
        let count = try await database.answerCount()
        XCTAssertEqual(count, 2)
    }

    func testOneAnswerThatCannotBeWrittenDoesNotSinkTheOthers() async throws {
        let batcher = AnswerBatcher(database: database, minimumDelay: 0)
        // SQLite stores NaN as NULL, which breaks the table's NOT NULL on response_ms: the database itself refuses that row.
        let records = [
            answer(0, key: "ok-key-0"), answer(1, key: "bad-key-1", responseMs: .nan),
            answer(2, key: "ok-key-2"), answer(3, key: "ok-key-3"),
        ]
        let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
            for record in records {
                group.addTask {
                    do { return (record.key, try await batcher.record(record).outcome == .recorded) } catch { return (record.key, false) }
                }
            }
            var outcomes: [String: Bool] = [:]
            for await (key, ok) in group { outcomes[key] = ok }
            return outcomes
        }
        XCTAssertEqual(outcomes, ["ok-key-0": true, "bad-key-1": false, "ok-key-2": true, "ok-key-3": true])
        let keys = try await database.answers().map(\.key)
        XCTAssertEqual(Set(keys), ["ok-key-0", "ok-key-2", "ok-key-3"])
    }
}
