import Foundation
import StudyKit
import StudyStore
import XCTest

final class AssignmentTests: XCTestCase {
    func testSequencesAreHandedOutEvenlyWithTasksAlternating() async throws {
        let study = try TestStudy(sequencesPerTask: 3)
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        var counts: [String: Int] = [:]
        var tasks: [String] = []
        for _ in 0..<30 {
            let participant = try await Participant.start(server.client)
            let session = try await unwrapSession(server.server.database, participant.token).session
            counts[session.sequence, default: 0] += 1
            tasks.append(session.task)
            let spread = (counts.values.max() ?? 0) - (study.manifest.design.sequences.map { counts[$0.id, default: 0] }.min() ?? 0)
            XCTAssertLessThanOrEqual(spread, 1, "after every hand-out the sequences differ by at most one")
        }
        XCTAssertEqual(Set(counts.values), [5])
        for pair in stride(from: 0, to: tasks.count, by: 2) {
            XCTAssertNotEqual(tasks[pair], tasks[pair + 1], "tasks alternate")
        }
        // Every (image, model) cell of a task is planned equally often over the handed-out sequences.
        var cells: [String: Int] = [:]
        for (id, count) in counts {
            let sequence = try XCTUnwrap(study.manifest.design.sequence(id))
            for trial in sequence.trials where trial.kind == .main {
                cells["\(sequence.task)/\(trial.image)/\(trial.model)", default: 0] += count
            }
        }
        XCTAssertLessThanOrEqual((cells.values.max() ?? 0) - (cells.values.min() ?? 0), 5)
        let handoutCount = try await server.server.database.handouts().count
        XCTAssertEqual(handoutCount, 30)
        try await server.stop()
    }

    func testAbandonedSequenceIsHandedOutAgain() async throws {
        let study = try TestStudy(sequencesPerTask: 3)
        defer { study.remove() }
        let clock = TestClock()
        let server = try await RunningServer.start(study, clock: clock, abandonAfterMinutes: 30)
        var participants: [Participant] = []
        for number in 0..<6 { participants.append(try await Participant.start(server.client, body: ["pid": "p\(number)"])) }
        let idle = participants[0]
        let idleSequence = try await unwrapSession(server.server.database, idle.token).session.sequence

        clock.advance(minutes: 20)
        for participant in participants.dropFirst() { _ = try await participant.answer(0) }
        clock.advance(minutes: 15)  // p0 idle 35 min: abandoned; the others idle 15 min: active

        let newcomer = try await Participant.start(server.client, body: ["pid": "newcomer"])
        let newcomerSession = try await unwrapSession(server.server.database, newcomer.token).session
        XCTAssertEqual(newcomerSession.sequence, idleSequence, "the abandoned sequence is handed out again")
        let handouts = try await server.server.database.handouts()
        XCTAssertEqual(handouts.count, 7)
        XCTAssertEqual(handouts.last?.sequence, idleSequence)
        XCTAssertEqual(handouts.last?.earlierHandouts, 1)

        let progress = try await server.server.database.progress(manifest: study.manifest, now: clock.now, abandonAfter: 30 * 60)
        XCTAssertEqual(progress.tasks.map(\.abandoned).reduce(0, +), 1)
        XCTAssertEqual(progress.tasks.map(\.active).reduce(0, +), 6)
        XCTAssertEqual(progress.tasks.map(\.handouts).reduce(0, +), 7)

        // The participant who left can still come back and answer; nothing is thrown away.
        let back = try await Participant.start(server.client, body: ["pid": "p0", "resume_token": idle.token], expectStatus: 200)
        XCTAssertEqual(back.token, idle.token)
        let reply = try await back.answer(0)
        XCTAssertEqual(reply.status, 200)
        try await server.stop()
    }

    func testPollingWithoutAnsweringDoesNotHoldASequence() async throws {
        let study = try TestStudy(sequencesPerTask: 3)
        defer { study.remove() }
        let clock = TestClock()
        let server = try await RunningServer.start(study, clock: clock, abandonAfterMinutes: 30)
        var participants: [Participant] = []
        for number in 0..<6 { participants.append(try await Participant.start(server.client, body: ["pid": "h\(number)"])) }
        let squatter = participants[0]
        let squatted = try await unwrapSession(server.server.database, squatter.token).session.sequence
        for minute in stride(from: 5, through: 35, by: 5) {
            clock.advance(minutes: 5)
            // The squatter keeps its session alive by reading it and posting events, but never answers.
            _ = try await server.client.get("/api/sessions/\(squatter.token)")
            _ = try await server.client.post("/api/sessions/\(squatter.token)/events", json: ["kind": "ping"])
            if minute == 20 { for participant in participants.dropFirst() { _ = try await participant.answer(0) } }
        }
        let newcomer = try await Participant.start(server.client, body: ["pid": "newcomer"])
        let sequence = try await unwrapSession(server.server.database, newcomer.token).session.sequence
        XCTAssertEqual(sequence, squatted, "a session that does not progress releases its sequence")
        try await server.stop()
    }

    func testASessionThatEndedBeforeItsFirstAnswerHoldsNothing() async throws {
        let study = try TestStudy(sequencesPerTask: 3)
        defer { study.remove() }
        let clock = TestClock()
        let server = try await RunningServer.start(study, clock: clock, abandonAfterMinutes: 30)
        var participants: [Participant] = []
        for number in 0..<6 { participants.append(try await Participant.start(server.client, body: ["pid": "e\(number)"])) }
        for participant in participants.prefix(4) { _ = try await participant.answer(0) }
        // A phone whose screen is too small, and a person who declined consent: neither can ever answer. They
        // came last, so without the release the tie-break would hand out the first sequences instead.
        let phone = participants[4]
        let decliner = participants[5]
        _ = try await server.client.post("/api/sessions/\(phone.token)/events", json: ["kind": "display_refused"])
        _ = try await server.client.post("/api/sessions/\(decliner.token)/events", json: ["kind": "consent_declined"])
        let freed = Set([
            try await unwrapSession(server.server.database, phone.token).session.sequence,
            try await unwrapSession(server.server.database, decliner.token).session.sequence,
        ])
        clock.advance(minutes: 1)
        var handedOut: Set<String> = []
        for number in 0..<2 {
            let newcomer = try await Participant.start(server.client, body: ["pid": "n\(number)"])
            handedOut.insert(try await unwrapSession(server.server.database, newcomer.token).session.sequence)
        }
        XCTAssertEqual(handedOut, freed, "their sequences go to the next participants at once, not after 30 minutes")
        let progress = try await server.server.database.progress(manifest: study.manifest, now: clock.now, abandonAfter: 30 * 60)
        XCTAssertEqual(progress.tasks.map(\.abandoned).reduce(0, +), 2, "the status counts them as the assignment does")
        XCTAssertEqual(progress.tasks.map(\.declined).reduce(0, +), 1, "a decline is told apart from a drop-out")
        XCTAssertEqual(progress.tasks.map(\.screenRefused).reduce(0, +), 1)
        XCTAssertEqual(progress.tasks.map(\.droppedOut).reduce(0, +), 0)
        // The decline is final: the page learns it on a reload, and the server records no answer for it.
        let again = try await server.client.get("/api/sessions/\(decliner.token)")
        XCTAssertEqual(try again.json()["declined"] as? Bool, true)
        let late = try await decliner.answer(0)
        XCTAssertEqual(late.status, 409)
        XCTAssertEqual(try late.json()["reason"] as? String, "session_declined")
        let phoneAgain = try await server.client.get("/api/sessions/\(phone.token)")
        XCTAssertEqual(try phoneAgain.json()["declined"] as? Bool, false)
        XCTAssertEqual(progress.tasks.map(\.active).reduce(0, +), 6)
        // A session that answered first keeps its sequence whatever it posts later.
        let busy = participants[2]
        let held = try await unwrapSession(server.server.database, busy.token).session.sequence
        _ = try await server.client.post("/api/sessions/\(busy.token)/events", json: ["kind": "display_refused"])
        let next = try await Participant.start(server.client, body: ["pid": "n2"])
        let nextSequence = try await unwrapSession(server.server.database, next.token).session.sequence
        // Every sequence is now taken once, so the tie-break decides; had the late event freed `held`, it would win.
        let tieBreak = SequenceAssignment.choose(
            study.manifest.design.sequences.map { .init(sequence: $0.id, task: $0.task, taken: 1) })?.sequence
        XCTAssertNotEqual(tieBreak, held, "the test can tell the two apart")
        XCTAssertEqual(nextSequence, tieBreak)
        try await server.stop()
    }

    func testChooseIsPureAndPrefersLeastTakenThenLessBusyTask() {
        typealias C = SequenceAssignment.Candidate
        XCTAssertNil(SequenceAssignment.choose([]))
        let candidates = [
            C(sequence: "task1-000", task: "task1", taken: 1), C(sequence: "task1-001", task: "task1", taken: 0),
            C(sequence: "task2-000", task: "task2", taken: 0),
        ]
        XCTAssertEqual(SequenceAssignment.choose(candidates)?.sequence, "task2-000")
        let tied = [C(sequence: "a", task: "task1", taken: 2), C(sequence: "b", task: "task2", taken: 2)]
        XCTAssertEqual(SequenceAssignment.choose(tied)?.sequence, "a", "ties go to design order")
    }
}
