import Foundation
import GRDB
import StudyKit

/// How far a task has got, from the database and the manifest.
public struct TaskProgress: Codable, Sendable, Equatable {
    public var task: String
    /// Sequences in the manifest's design for this task.
    public var sequences: Int
    /// Distinct sequences handed out at least once.
    public var handedOut: Int
    /// Hand-outs in all, re-handouts after abandonment included.
    public var handouts: Int
    public var active: Int
    public var complete: Int
    /// Not complete and no longer holding a sequence: `declined + screenRefused + droppedOut`.
    public var abandoned: Int
    /// Of the abandoned: declined consent before a first answer.
    public var declined: Int
    /// Of the abandoned: refused for their screen (too small, a phone, the zoom) before a first answer.
    public var screenRefused: Int
    /// Of the abandoned: stopped or went idle for the abandonment time, whatever they had answered.
    public var droppedOut: Int
    public var answers: Int
    /// Median minutes from start to completion of the complete sessions; nil before the first.
    public var medianSessionMinutes: Double?

    enum CodingKeys: String, CodingKey {
        case task, sequences, handouts, active, complete, abandoned, declined, answers
        case handedOut = "handed_out"
        case screenRefused = "screen_refused"
        case droppedOut = "dropped_out"
        case medianSessionMinutes = "median_session_minutes"
    }
}

/// Main trials answered against planned for one (task, model, image) cell.
public struct CellProgress: Codable, Sendable, Equatable {
    public var task: String
    public var model: String
    public var image: String
    public var answered: Int
    /// Main trials of this cell over all sequences of the design (each sequence once).
    public var planned: Int
}

public struct StudyProgress: Codable, Sendable, Equatable {
    public var tasks: [TaskProgress]
    public var cells: [CellProgress]
}

extension StudyDatabase {
    /// A session is active if not complete and it still holds its sequence by the assignment's rule
    /// (`holdsSequenceSQL`: it progressed within `abandonAfter` and did not end before its first answer),
    /// else abandoned.
    public func progress(manifest: Manifest, now: Date, abandonAfter: TimeInterval) async throws -> StudyProgress {
        try await progress(manifest: manifest, trials: try await answeredTrials(manifest: manifest), now: now, abandonAfter: abandonAfter)
    }

    /// `progress(manifest:now:abandonAfter:)` with the answered trials already read.
    public func progress(manifest: Manifest, trials: [AnsweredTrial], now: Date, abandonAfter: TimeInterval) async throws -> StudyProgress {
        let sessions = try await self.sessions()
        let holders = try await sequenceHolders(activeSince: now.addingTimeInterval(-abandonAfter))
        let handouts = try await self.handouts()
        let endings = try await endingEvents()
        let sequenceTask = Dictionary(manifest.design.sequences.map { ($0.id, $0.task) }, uniquingKeysWith: { a, _ in a })

        var taskIDs = manifest.definition.tasks.map(\.id)
        for sequence in manifest.design.sequences where !taskIDs.contains(sequence.task) { taskIDs.append(sequence.task) }
        let tasks = taskIDs.map { task -> TaskProgress in
            let taskSessions = sessions.filter { $0.task == task }
            let taskHandouts = handouts.filter { sequenceTask[$0.sequence] == task }
            let complete = taskSessions.filter { $0.completedAt != nil }.count
            let active = taskSessions.filter { $0.completedAt == nil && holders.contains($0.token) }.count
            let abandoned = taskSessions.filter { $0.completedAt == nil && !holders.contains($0.token) }
            let endedBefore = abandoned.filter { $0.lastAnswerAt == nil }.compactMap { endings[$0.token] }
            let declined = endedBefore.filter { $0.contains("consent_declined") }.count
            let screenRefused = endedBefore.filter { !$0.contains("consent_declined") && $0.contains("display_refused") }.count
            return TaskProgress(
                task: task, sequences: manifest.design.sequences(task: task).count,
                handedOut: Set(taskHandouts.map(\.sequence)).count, handouts: taskHandouts.count,
                active: active, complete: complete, abandoned: abandoned.count, declined: declined,
                screenRefused: screenRefused, droppedOut: abandoned.count - declined - screenRefused,
                answers: trials.filter { $0.task == task }.count,
                medianSessionMinutes: Self.median(
                    taskSessions.compactMap { session in session.completedAt.map { $0.timeIntervalSince(session.startedAt) / 60 } }))
        }

        struct CellKey: Hashable { var task: String, model: String, image: String }
        var planned: [CellKey: Int] = [:]
        var order: [CellKey] = []
        for sequence in manifest.design.sequences {
            for trial in sequence.trials where trial.kind == .main {
                let key = CellKey(task: sequence.task, model: trial.model, image: trial.image)
                if planned[key] == nil { order.append(key) }
                planned[key, default: 0] += 1
            }
        }
        var answered: [CellKey: Int] = [:]
        for trial in trials where trial.kind == .main {
            answered[CellKey(task: trial.task, model: trial.model, image: trial.image), default: 0] += 1
        }
        let cells = order.sorted { ($0.task, $0.model, $0.image) < ($1.task, $1.model, $1.image) }.map {
            CellProgress(
                task: $0.task, model: $0.model, image: $0.image,
                answered: answered[$0, default: 0], planned: planned[$0, default: 0])
        }
        return StudyProgress(tasks: tasks, cells: cells)
    }

    static func median(_ values: [Double]) -> Double? {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return nil }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// Per session, the kinds of its ending events (`endingEventKinds`) that it posted.
    func endingEvents() async throws -> [String: Set<String>] {
        let kinds = Self.endingEventKinds.map { "'\($0)'" }.joined(separator: ", ")
        return try await pool.read { db in
            var found: [String: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT session, kind FROM event WHERE kind IN (\(kinds))") {
                let session: String = row["session"]
                let kind: String = row["kind"]
                found[session, default: []].insert(kind)
            }
            return found
        }
    }
}
