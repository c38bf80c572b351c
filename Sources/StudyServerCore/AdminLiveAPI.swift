import Foundation
import Hummingbird
import StudyKit
import StudyStats
import StudyStore

/// `GET /api/admin/live`: what the researcher page (`/admin.html`) polls while a study runs: sessions by
/// state, answers per (image, model) cell against the plan, flagged participants with reasons, and fool
/// rates with the primary interval so far (StudyStats' analysis, with the study's exclusions applied).
struct AdminLiveAPI: Sendable {
    /// Bootstrap replicates per live interval: enough for a stable primary interval, cheap enough to poll.
    static let liveBootstrapSamples = 1_000

    let manifest: Manifest
    let database: StudyDatabase
    let abandonAfter: TimeInterval
    let now: @Sendable () -> Date

    func snapshot() async throws -> LiveSnapshot {
        let time = now()
        let (manifest, abandonAfter, database) = (self.manifest, self.abandonAfter, self.database)
        let trials = try await database.answeredTrials(manifest: manifest)
        let progress = try await database.progress(manifest: manifest, trials: trials, now: time, abandonAfter: abandonAfter)
        let definition = manifest.definition
        let settings = ReportSettings(
            analysis: definition.analysis, seed: definition.seed,
            bootstrapSamples: min(definition.analysis.bootstrapSamples, Self.liveBootstrapSamples),
            extremeImages: 0)
        let report = await FoolRateAnalysis.report(trials: trials, manifest: manifest, settings: settings, mixedModel: false)
        let labels = Dictionary(manifest.models.map { ($0.id, $0.label) }, uniquingKeysWith: { a, _ in a })

        let sessions = LiveSnapshot.Sessions(
            active: progress.tasks.map(\.active).reduce(0, +), complete: progress.tasks.map(\.complete).reduce(0, +),
            abandoned: progress.tasks.map(\.abandoned).reduce(0, +), declined: progress.tasks.map(\.declined).reduce(0, +),
            screenRefused: progress.tasks.map(\.screenRefused).reduce(0, +),
            droppedOut: progress.tasks.map(\.droppedOut).reduce(0, +))
        // The report's per-image rows count the main trials left after the exclusions: what it analyses.
        var counted: [[String]: Int] = [:]
        for image in report.images { counted[[image.task, image.model, image.image]] = image.trials }
        let cells = progress.cells.map {
            LiveSnapshot.Cell(
                task: $0.task, model: $0.model, label: labels[$0.model] ?? $0.model, image: $0.image,
                answered: $0.answered, counted: counted[[$0.task, $0.model, $0.image], default: 0], planned: $0.planned)
        }
        let rates = report.foolRates.filter { $0.trials > 0 || labels[$0.model] != nil }.map { row -> LiveSnapshot.FoolRate in
            let interval = row.interval(settings.primaryMethod)
            return LiveSnapshot.FoolRate(
                task: row.task, model: row.model, label: row.label, trials: row.trials, participants: row.participants,
                images: row.images, fooled: row.fooled, foolRate: row.foolRate, low: interval?.low, high: interval?.high,
                notes: row.notes)
        }
        return LiveSnapshot(
            study: .init(name: definition.name, title: definition.title), generatedAt: time,
            tasks: definition.tasks.enumerated().map { index, task in
                .init(
                    id: task.id, label: "Task \(index + 1) (\(task.showInput ? "with" : "without") input)", question: task.question,
                    showInput: task.showInput, participantsPlanned: definition.participantsPerTask,
                    sequences: manifest.design.sequences(task: task.id).count)
            },
            sessions: sessions, progress: progress.tasks, cells: cells,
            answers: trials.count,
            flagged: report.flaggedParticipants.map { screen in
                LiveSnapshot.Flagged(
                    participant: screen.participant,
                    reasons: screen.reasons.map { "\($0.flag.rawValue): \($0.detail)" }, excluded: screen.excluded)
            },
            interval: .init(
                method: settings.primaryMethod.rawValue, level: settings.level,
                bootstrapSamples: settings.bootstrapSamples),
            foolRates: rates, notes: report.notes, warnings: Self.recruitingWarnings(progress: progress.tasks, cells: cells),
            storage: database.storageStatus())
    }

    /// Where recruiting could stop with holes in the balanced design: every sequence of a task handed out and
    /// none active any more, while cells have fewer counted answers than planned (excluded or abandoned
    /// participants' trials do not count).
    static func recruitingWarnings(progress: [TaskProgress], cells: [LiveSnapshot.Cell]) -> [String] {
        progress.compactMap { task in
            let short = cells.filter { $0.task == task.task && $0.counted < $0.planned }
            guard !short.isEmpty, task.handedOut >= task.sequences, task.active == 0 else { return nil }
            return "\(task.task): every sequence has been handed out, but \(short.count) of "
                + "\(cells.filter { $0.task == task.task }.count) cells have fewer counted answers than planned after the "
                + "exclusions; recruiting more participants (or re-opening the excluded participants' sequences) fills them"
        }
    }
}

/// The JSON of `GET /api/admin/live`.
struct LiveSnapshot: Encodable, Sendable {
    struct Study: Encodable, Sendable {
        var name: String
        var title: String
    }
    struct Task: Encodable, Sendable {
        var id: String
        /// Short, for tables ("Task 1 (with input)"); the question is shown once per task.
        var label: String
        var question: String
        var showInput: Bool
        var participantsPlanned: Int
        var sequences: Int
        enum CodingKeys: String, CodingKey {
            case id, label, question, sequences
            case showInput = "show_input"
            case participantsPlanned = "participants_planned"
        }
    }
    struct Sessions: Encodable, Sendable {
        var active: Int
        var complete: Int
        var abandoned: Int
        var declined: Int
        var screenRefused: Int
        var droppedOut: Int
        enum CodingKeys: String, CodingKey {
            case active, complete, abandoned, declined
            case screenRefused = "screen_refused"
            case droppedOut = "dropped_out"
        }
    }
    struct Cell: Encodable, Sendable {
        var task: String
        var model: String
        var label: String
        var image: String
        /// Main trials answered, and of them those that count after the study's exclusions.
        var answered: Int
        var counted: Int
        var planned: Int
    }
    struct Flagged: Encodable, Sendable, Equatable {
        var participant: String
        var reasons: [String]
        var excluded: Bool
    }
    struct Interval: Encodable, Sendable {
        var method: String
        var level: Double
        var bootstrapSamples: Int
        enum CodingKeys: String, CodingKey {
            case method, level
            case bootstrapSamples = "bootstrap_samples"
        }
    }
    struct FoolRate: Encodable, Sendable {
        var task: String
        var model: String
        var label: String
        var trials: Int
        var participants: Int
        var images: Int
        var fooled: Int
        var foolRate: Double?
        var low: Double?
        var high: Double?
        var notes: [String]
        enum CodingKeys: String, CodingKey {
            case task, model, label, trials, participants, images, fooled, low, high, notes
            case foolRate = "fool_rate"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(task, forKey: .task)
            try c.encode(model, forKey: .model)
            try c.encode(label, forKey: .label)
            try c.encode(trials, forKey: .trials)
            try c.encode(participants, forKey: .participants)
            try c.encode(images, forKey: .images)
            try c.encode(fooled, forKey: .fooled)
            try c.encode(foolRate, forKey: .foolRate)
            try c.encode(low, forKey: .low)
            try c.encode(high, forKey: .high)
            try c.encode(notes, forKey: .notes)
        }
    }

    var study: Study
    var generatedAt: Date
    var tasks: [Task]
    var sessions: Sessions
    var progress: [TaskProgress]
    var cells: [Cell]
    var answers: Int
    var flagged: [Flagged]
    var interval: Interval
    var foolRates: [FoolRate]
    var notes: [String]
    var warnings: [String]
    /// The database's disk: free bytes and the sizes of the database and its WAL.
    var storage: StorageStatus

    enum CodingKeys: String, CodingKey {
        case study, tasks, sessions, progress, cells, answers, flagged, interval, notes, warnings, storage
        case generatedAt = "generated_at"
        case foolRates = "fool_rates"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(study, forKey: .study)
        try c.encode(ISO8601DateFormatter().string(from: generatedAt), forKey: .generatedAt)
        try c.encode(tasks, forKey: .tasks)
        try c.encode(sessions, forKey: .sessions)
        try c.encode(progress, forKey: .progress)
        try c.encode(cells, forKey: .cells)
        try c.encode(answers, forKey: .answers)
        try c.encode(flagged, forKey: .flagged)
        try c.encode(interval, forKey: .interval)
        try c.encode(foolRates, forKey: .foolRates)
        try c.encode(notes, forKey: .notes)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(storage, forKey: .storage)
    }
}
