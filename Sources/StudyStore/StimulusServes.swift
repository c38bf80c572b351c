import Foundation
import GRDB
import StudyKit

public enum StimulusServeOutcome: Sendable, Equatable {
    /// Serve it; `session` owns the URL.
    case serve(session: SessionRecord)
    case unknownKey
    /// The trial is answered, the session complete, or the trial lies beyond the next few unanswered ones.
    case notOpen
}

extension StudyDatabase {
    /// Records that an image of `trialIndex` is served to the session whose stimulus key is `stimulusKey`,
    /// if that trial is open: not answered, the session not complete, and at most `lookahead` trials past
    /// the first unanswered one. A trial's images are never served again once it is answered.
    /// `exists` says whether the session's sequence (by id) has that trial and slot; nothing is recorded otherwise.
    public func serveStimulus(
        stimulusKey: String, trialIndex: Int, slot: String, now: Date, lookahead: Int,
        exists: @escaping @Sendable (String) -> Bool
    ) async throws -> StimulusServeOutcome {
        try await pool.write { db in
            guard let session = try SessionRecord.filter(SessionRecord.Columns.stimulusKey == stimulusKey).fetchOne(db) else {
                return .unknownKey
            }
            guard exists(session.sequence) else { return .unknownKey }
            if session.completedAt != nil { return .notOpen }
            let answered = Set(try Self.answered(db, token: session.token))
            if answered.contains(trialIndex) { return .notOpen }
            let firstOpen = TrialProgress.firstUnanswered(answered, below: answered.count + 1) ?? 0
            if trialIndex > firstOpen + lookahead { return .notOpen }
            try db.execute(
                sql: """
                    INSERT INTO stimulus_serve (session, trial_index, slot, first_served_at, last_served_at, serves)
                    VALUES (?, ?, ?, ?, ?, 1)
                    ON CONFLICT (session, trial_index, slot) DO UPDATE SET
                        last_served_at = excluded.last_served_at, serves = serves + 1
                    """, arguments: [session.token, trialIndex, slot, now, now])
            return .serve(session: session)
        }
    }

    public func stimulusServes(session token: String) async throws -> [StimulusServeRecord] {
        try await pool.read { db in
            try StimulusServeRecord.filter(StimulusServeRecord.Columns.session == token)
                .order(StimulusServeRecord.Columns.trialIndex, StimulusServeRecord.Columns.slot).fetchAll(db)
        }
    }

    /// The server's own flags for an answer received at `receivedAt` (StudyKit's `AnswerFlag`), and
    /// when the trial's images were first served.
    static func serverTiming(
        _ db: Database, session: String, trialIndex: Int, receivedAt: Date,
        minimumDelay: TimeInterval
    ) throws -> (flags: [String], servedAt: Date?) {
        let statement = try db.cachedStatement(
            sql: """
                SELECT MIN(first_served_at) AS served_at, MAX(serves) AS serves FROM stimulus_serve
                WHERE session = ? AND trial_index = ?
                """)
        let row = try Row.fetchOne(statement, arguments: [session, trialIndex])
        guard let row, let servedAt: Date = try row.decode(forColumn: "served_at") else {
            return ([AnswerFlag.unseen.rawValue], nil)
        }
        var flags: [String] = []
        if receivedAt.timeIntervalSince(servedAt) < minimumDelay { flags.append(AnswerFlag.earlyAnswer.rawValue) }
        if try row.decode(Int.self, forColumn: "serves") > 1 { flags.append(AnswerFlag.servedAgain.rawValue) }
        return (flags, servedAt)
    }
}
