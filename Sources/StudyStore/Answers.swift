import Foundation
import GRDB
import StudyKit

public enum AnswerOutcome: Sendable, Equatable {
    /// Committed now.
    case recorded
    /// The same key was already recorded for the same trial and choice; nothing written.
    case duplicate
    /// The key was already used for a different answer.
    case keyReused
    /// This trial of the session already has an answer under another key.
    case trialAlreadyAnswered
    /// The trial index is not in the session's sequence.
    case trialOutOfRange
    case unknownSession
    /// The participant declined consent before answering: the session is over and its sequence is another's.
    case sessionDeclined
}

public struct AnswerResult: Sendable, Equatable {
    public var outcome: AnswerOutcome
    /// The session's answered trial indices after this request, ascending.
    public var answered: [Int]
    /// Trials in the session's sequence (0 for an unknown session).
    public var trialCount: Int

    /// The first unanswered trial, or nil when all are answered.
    public var nextIndex: Int? { TrialProgress.firstUnanswered(Set(answered), below: trialCount) }
}

/// Where a session stands in its sequence.
public enum TrialProgress {
    /// The lowest trial index below `trialCount` that is not in `answered`, or nil when all are answered.
    public static func firstUnanswered(_ answered: Set<Int>, below trialCount: Int) -> Int? {
        (0..<max(trialCount, 0)).first { !answered.contains($0) }
    }
}

extension StudyDatabase {
    /// Records `answer` in one transaction, or says why not (unknown session, index outside the session's
    /// sequence as recorded in the plan, key reused, trial already answered). Returns only after the commit.
    public func recordAnswer(_ answer: AnswerRecord, minimumDelay: TimeInterval = 0) async throws -> AnswerResult {
        let results = try await recordAnswers([answer], minimumDelay: minimumDelay)
        guard let result = results.first else { return AnswerResult(outcome: .unknownSession, answered: [], trialCount: 0) }
        return result
    }

    /// Records several answers in ONE transaction (group commit: one sync to disk for all), each judged
    /// in order as if alone. Returns one result per answer, only after the commit. Each answer gets the
    /// server's own timing flags: `early_answer` when it arrived sooner than `minimumDelay` after its trial's
    /// images were first served, `unseen` when they never were, `served_again` when one was served twice.
    public func recordAnswers(_ answers: [AnswerRecord], minimumDelay: TimeInterval = 0) async throws -> [AnswerResult] {
        try await pool.write { db in try answers.map { try Self.record($0, minimumDelay: minimumDelay, db) } }
    }

    private static func record(_ answer: AnswerRecord, minimumDelay: TimeInterval, _ db: Database) throws -> AnswerResult {
        guard var session = try SessionRecord.fetchOne(db, key: answer.session) else {
            return AnswerResult(outcome: .unknownSession, answered: [], trialCount: 0)
        }
        // Every statement of this hot path is prepared once per connection (cachedStatement).
        let trialCount =
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT trial_count FROM plan_sequence WHERE id = ?"),
                arguments: [session.sequence]) ?? 0
        let outcome: AnswerOutcome
        if try declinedBeforeAnswering(db, session) {
            outcome = .sessionDeclined
        } else if !(0..<trialCount).contains(answer.trialIndex) {
            outcome = .trialOutOfRange
        } else if let existing = try AnswerRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM answer WHERE key = ?"),
            arguments: [answer.key])
        {
            let same =
                existing.session == answer.session && existing.trialIndex == answer.trialIndex
                && existing.choice == answer.choice
            outcome = same ? .duplicate : .keyReused
        } else if try Int.fetchOne(
            db.cachedStatement(sql: "SELECT COUNT(*) FROM answer WHERE session = ? AND trial_index = ?"),
            arguments: [answer.session, answer.trialIndex]) ?? 0 > 0
        {
            outcome = .trialAlreadyAnswered
        } else {
            var row = answer
            let timing = try serverTiming(
                db, session: answer.session, trialIndex: answer.trialIndex,
                receivedAt: answer.receivedAt, minimumDelay: minimumDelay)
            row.servedAt = timing.servedAt
            row.flags = AnswerFlags(answer.flags.names + timing.flags)
            try row.insert(db)
            session.lastSeenAt = answer.receivedAt
            session.lastAnswerAt = answer.receivedAt
            try session.update(db, columns: ["last_seen_at", "last_answer_at"])
            outcome = .recorded
        }
        return AnswerResult(outcome: outcome, answered: try answered(db, token: answer.session), trialCount: trialCount)
    }

    public func answers(session token: String? = nil) async throws -> [AnswerRecord] {
        try await pool.read { db in
            var request = AnswerRecord.order(AnswerRecord.Columns.id)
            if let token { request = request.filter(AnswerRecord.Columns.session == token) }
            return try request.fetchAll(db)
        }
    }

    public func answerCount() async throws -> Int {
        try await pool.read { db in try AnswerRecord.fetchCount(db) }
    }
}
