import Foundation
import GRDB
import StudyKit

extension StudyDatabase {
    /// Records the manifest's sequences as the plan. A sequence already recorded with other trials is
    /// replaced if it was never handed out, and refused (`planChanged`) if it was.
    public func recordPlan(manifest: Manifest) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let rows = try manifest.design.sequences.enumerated().map { position, sequence in
            PlanSequenceRecord(
                id: sequence.id, task: sequence.task, position: position, trialCount: sequence.trials.count,
                trialsJSON: String(decoding: try encoder.encode(sequence.trials), as: UTF8.self),
                definitionSHA256: manifest.definitionSHA256, builtAt: manifest.builtAt)
        }
        let path = self.path
        try await pool.write { db in
            for row in rows {
                if let existing = try PlanSequenceRecord.fetchOne(db, key: row.id) {
                    if existing.trialsJSON == row.trialsJSON {
                        if existing != row { try row.update(db) }
                        continue
                    }
                    let handedOut = try HandoutRecord.filter(HandoutRecord.Columns.sequence == row.id).fetchCount(db)
                    if handedOut > 0 { throw StudyStoreError.planChanged(path: path, sequence: row.id) }
                    try row.update(db)
                } else {
                    try row.insert(db)
                }
            }
        }
    }

    public func planSequences() async throws -> [PlanSequenceRecord] {
        try await pool.read { db in try PlanSequenceRecord.order(PlanSequenceRecord.Columns.position).fetchAll(db) }
    }
}
