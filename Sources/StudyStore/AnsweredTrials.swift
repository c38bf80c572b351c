import Foundation
import GRDB
import StudyKit

extension StudyDatabase {
    /// Every recorded answer joined with its design trial from the manifest (practice and catch included,
    /// `kind` says which), in the order answers were received.
    public func answeredTrials(manifest: Manifest) async throws -> [AnsweredTrial] {
        let path = self.path
        return try await pool.read { db in
            try Self.decodeAnsweredTrials(rows: try Row.fetchAll(db, sql: Self.answeredTrialsSQL), manifest: manifest, path: path)
        }
    }

    /// One session's answered trials; async, so that a request handler never blocks a thread on the database.
    public func answeredTrials(manifest: Manifest, session: String) async throws -> [AnsweredTrial] {
        let path = self.path
        return try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: Self.answeredTrialsSQL(where: "WHERE answer.session = ?"), arguments: [session])
            return try Self.decodeAnsweredTrials(rows: rows, manifest: manifest, path: path)
        }
    }

    static func answeredTrialsSQL(where filter: String = "") -> String {
        """
        SELECT answer.*, session.participant AS participant, session.sequence AS sequence,
               session.task AS task, session.completed_at AS completed_at,
               participant.prolific_study_id AS prolific_study_id, participant.prolific_session_id AS prolific_session_id
        FROM answer JOIN session ON session.token = answer.session
        LEFT JOIN participant ON participant.id = session.participant
        \(filter)
        ORDER BY answer.id
        """
    }

    static var answeredTrialsSQL: String { answeredTrialsSQL() }

    private static func decodeAnsweredTrials(rows: [Row], manifest: Manifest, path: String) throws -> [AnsweredTrial] {
        var sequences: [String: TrialSequence] = [:]
        for sequence in manifest.design.sequences { sequences[sequence.id] = sequence }
        let iso = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try rows.map { row in
            let answer = try AnswerRecord(row: row)
            let sequenceID: String = try row.decode(forColumn: "sequence")
            guard let sequence = sequences[sequenceID], sequence.trials.indices.contains(answer.trialIndex) else {
                throw StudyStoreError.answerOutsideManifest(
                    path: path, session: answer.session, sequence: sequenceID, trialIndex: answer.trialIndex)
            }
            let trial = sequence.trials[answer.trialIndex]
            let completedAt: Date? = try row.decode(forColumn: "completed_at")
            let participant: String = try row.decode(forColumn: "participant")
            let task: String = try row.decode(forColumn: "task")
            let flags = answer.flags.names
            return AnsweredTrial(
                participant: participant, session: answer.session, sequence: sequenceID, task: task,
                trialIndex: answer.trialIndex, kind: trial.kind, image: trial.image, model: trial.model,
                modelSide: trial.modelSide, choice: answer.choice, responseMs: answer.responseMs,
                exposureMs: answer.exposureMs, frames: answer.frames, flagged: !flags.isEmpty,
                sessionComplete: completedAt != nil, flags: flags, answeredAt: answer.receivedAt.formatted(iso),
                servedAt: answer.servedAt?.timeIntervalSince1970, receivedAt: answer.receivedAt.timeIntervalSince1970,
                screen: AnswerScreen(
                    windowW: answer.windowW, windowH: answer.windowH, dpr: answer.dpr,
                    renderedPx: answer.renderedPx),
                prolificStudyID: try row.decode(forColumn: "prolific_study_id"),
                prolificSessionID: try row.decode(forColumn: "prolific_session_id"))
        }
    }
}
