import Foundation
import StudyStore

/// Group commit for answers: while one transaction is being written, arriving answers wait and are then
/// written together in the next one. Each caller still returns only after its own answer is committed,
/// but the disk syncs once per batch instead of once per answer.
actor AnswerBatcher {
    private typealias Waiter = CheckedContinuation<AnswerResult, any Error>

    let database: StudyDatabase
    let maxBatch: Int
    /// Seconds an answer must arrive after its trial's images were first served (else `early_answer`).
    let minimumDelay: TimeInterval
    private var pending: [(answer: AnswerRecord, waiter: Waiter)] = []
    private var writing = false

    init(database: StudyDatabase, minimumDelay: TimeInterval, maxBatch: Int = 256) {
        self.database = database
        self.minimumDelay = minimumDelay
        self.maxBatch = maxBatch
    }

    func record(_ answer: AnswerRecord) async throws -> AnswerResult {
        try await withCheckedThrowingContinuation { (waiter: Waiter) in
            pending.append((answer, waiter))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            do {
                let results = try await database.recordAnswers(batch.map(\.answer), minimumDelay: minimumDelay)
                for (entry, result) in zip(batch, results) { entry.waiter.resume(returning: result) }
            } catch {
                // The whole transaction rolled back. Write each answer alone, so that one that cannot be
                // written does not take the others down with it.
                for entry in batch {
                    do {
                        entry.waiter.resume(returning: try await database.recordAnswer(entry.answer, minimumDelay: minimumDelay))
                    } catch {
                        entry.waiter.resume(throwing: error)
                    }
                }
            }
        }
        writing = false
    }
}
