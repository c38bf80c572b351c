/// How many sequences a task needs so that every (image, model) cell is seen equally often.
///
/// Each sequence shows `k` distinct images, each with one model, so a block of `B` sequences shows
/// `B * k` cells; it covers the `n * m` cells equally when `B * k` is a multiple of `n * m`. The smallest
/// such block is `B = lcm(n * m, k) / k`. The design repeats whole blocks until it has at least
/// `participants_per_task` sequences.
public struct DesignPlan: Sendable, Equatable {
    public static let maxSequencesPerTask = 20_000

    public var images: Int
    public var models: Int
    public var imagesPerSequence: Int
    public var catchTrials: Int
    public var practiceTrials: Int
    public var requestedParticipants: Int
    public var sequencesPerBlock: Int
    public var blocks: Int
    /// Times each (image, model) cell is shown in one complete block.
    public var viewsPerCellPerBlock: Int

    public var sequencesPerTask: Int { sequencesPerBlock * blocks }
    public var trialsPerSequence: Int { practiceTrials + imagesPerSequence + catchTrials }
    public var viewsPerCellPerTask: Int { viewsPerCellPerBlock * blocks }

    public init(definition: StudyDefinition, imageCount: Int, modelCount: Int) throws {
        let n = imageCount
        let m = modelCount
        let k = definition.imagesPerParticipant
        guard n >= 1 else {
            throw DesignError(field: "images.folder", problem: "there are no source images", fix: "put PNG images in the images folder")
        }
        guard m >= 1 else {
            throw DesignError(
                field: "models", problem: "no model is available to test",
                fix: "list at least one model that can run (bicubic always can); see the reasons printed for each model")
        }
        guard k >= 1, k <= n else {
            throw DesignError(
                field: "images_per_participant",
                problem: "images_per_participant is \(k) but the study has \(n) source image\(n == 1 ? "" : "s")",
                fix: "use at most \(n) (a participant never sees a source image twice within a task), or add images")
        }
        guard definition.participantsPerTask <= DesignPlan.maxSequencesPerTask else {
            throw DesignError(
                field: "participants_per_task", problem: "participants_per_task is \(definition.participantsPerTask)",
                fix: "use at most \(DesignPlan.maxSequencesPerTask) per task")
        }
        let cells = n * m
        let block = cells / DesignPlan.gcd(cells, k)
        let requested = max(definition.participantsPerTask, 1)
        let blocks = (requested + block - 1) / block
        guard block * blocks <= DesignPlan.maxSequencesPerTask else {
            throw DesignError(
                field: "images_per_participant",
                problem: "a balanced block needs \(block) sequences per task (\(n) images x \(m) models, \(k) per participant)",
                fix: "choose images_per_participant so that it shares factors with \(cells) (images x models), e.g. a divisor of \(cells)")
        }
        images = n
        models = m
        imagesPerSequence = k
        catchTrials = definition.catchTrialsPerSequence
        practiceTrials = definition.practiceTrials
        requestedParticipants = requested
        sequencesPerBlock = block
        self.blocks = blocks
        viewsPerCellPerBlock = block * k / cells
    }

    /// One line for logs and `studygen inspect`.
    public var summary: String {
        let rounded =
            sequencesPerTask == requestedParticipants
            ? "\(sequencesPerTask) sequences per task"
            : "participants_per_task \(requestedParticipants) rounded up to \(sequencesPerTask) sequences per task"
        return "\(rounded) (\(blocks) complete balanced block\(blocks == 1 ? "" : "s") of \(sequencesPerBlock)); "
            + "each (image, model) cell shown \(viewsPerCellPerTask) time\(viewsPerCellPerTask == 1 ? "" : "s") per task"
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

/// A definition whose numbers admit no design; `field` names the key to change.
public struct DesignError: Error, CustomStringConvertible, Equatable, Sendable {
    public var field: String
    public var problem: String
    public var fix: String

    public var description: String { "\(field): \(problem); fix: \(fix)" }
}
