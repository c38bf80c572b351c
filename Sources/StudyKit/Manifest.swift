import Foundation

/// `studies/<name>/build/manifest.json`: the single source of truth for what a trial is.
/// Written by `studygen build`, read by the server and the report. Never served to participants.
/// JSON keys are snake_case (see CodingKeys).
public struct Manifest: Codable, Sendable, Equatable {
    public static let currentFormat = 1

    public var format: Int
    public var definition: StudyDefinition
    /// sha256 of the study file's bytes.
    public var definitionSHA256: String
    /// ISO-8601 time of the build.
    public var builtAt: String
    public var images: [ManifestImage]
    public var models: [ManifestModel]
    public var outputs: [ManifestOutput]
    public var metrics: [ModelMetrics]
    public var design: TrialDesign

    enum CodingKeys: String, CodingKey {
        case format, definition, images, models, outputs, metrics, design
        case definitionSHA256 = "definition_sha256"
        case builtAt = "built_at"
    }

    public init(
        format: Int = Manifest.currentFormat, definition: StudyDefinition, definitionSHA256: String,
        builtAt: String, images: [ManifestImage], models: [ManifestModel], outputs: [ManifestOutput],
        metrics: [ModelMetrics], design: TrialDesign
    ) {
        self.format = format
        self.definition = definition
        self.definitionSHA256 = definitionSHA256
        self.builtAt = builtAt
        self.images = images
        self.models = models
        self.outputs = outputs
        self.metrics = metrics
        self.design = design
    }

    public func output(image: String, model: String) -> ManifestOutput? {
        outputs.first { $0.image == image && $0.model == model }
    }
    public func image(_ id: String) -> ManifestImage? { images.first { $0.id == id } }
    public func model(_ id: String) -> ManifestModel? { models.first { $0.id == id } }
    public func task(_ id: String) -> TaskSpec? { definition.tasks.first { $0.id == id } }
}

/// A file under `build/stimuli/`, named by the sha256 of its bytes, so the name says nothing about what it is.
public struct StimulusRef: Codable, Sendable, Equatable, Hashable {
    /// Path relative to the build folder: `stimuli/<sha256>.png`.
    public var file: String
    public var sha256: String

    public init(file: String, sha256: String) {
        self.file = file
        self.sha256 = sha256
    }
}

public struct ManifestImage: Codable, Sendable, Equatable {
    /// Source file name without extension, e.g. `face000`.
    public var id: String
    /// Source file name, e.g. `face000.png`.
    public var source: String
    public var sourceSHA256: String
    /// The ground truth shown to participants (hr_size).
    public var hr: StimulusRef
    /// The LR input (lr_size), shown in Task-1, scaled up by the browser to the display size.
    public var lr: StimulusRef
    /// The obviously broken image for catch and practice trials (LR upscaled by nearest neighbour).
    public var catchFoil: StimulusRef

    enum CodingKeys: String, CodingKey {
        case id, source, hr, lr
        case sourceSHA256 = "source_sha256"
        case catchFoil = "catch_foil"
    }

    public init(id: String, source: String, sourceSHA256: String, hr: StimulusRef, lr: StimulusRef, catchFoil: StimulusRef) {
        self.id = id
        self.source = source
        self.sourceSHA256 = sourceSHA256
        self.hr = hr
        self.lr = lr
        self.catchFoil = catchFoil
    }
}

public struct ManifestModel: Codable, Sendable, Equatable {
    public var id: String
    public var kind: ModelKind
    public var label: String
    /// False when the model could not be run (e.g. its implementation is missing); it then has no outputs and no trials.
    public var available: Bool
    public var unavailableReason: String?
    public var checkpoint: String?
    public var checkpointSHA256: String?
    /// Everything that determines the outputs, as strings: sampler, steps, projection, schedule, seed, folder...
    public var settings: [String: String]

    enum CodingKeys: String, CodingKey {
        case id, kind, label, available, checkpoint, settings
        case unavailableReason = "unavailable_reason"
        case checkpointSHA256 = "checkpoint_sha256"
    }

    public init(
        id: String, kind: ModelKind, label: String, available: Bool, unavailableReason: String? = nil,
        checkpoint: String? = nil, checkpointSHA256: String? = nil, settings: [String: String] = [:]
    ) {
        self.id = id
        self.kind = kind
        self.label = label
        self.available = available
        self.unavailableReason = unavailableReason
        self.checkpoint = checkpoint
        self.checkpointSHA256 = checkpointSHA256
        self.settings = settings
    }
}

public struct ManifestOutput: Codable, Sendable, Equatable {
    public var image: String
    public var model: String
    public var stimulus: StimulusRef

    public init(image: String, model: String, stimulus: StimulusRef) {
        self.image = image
        self.model = model
        self.stimulus = stimulus
    }
}

/// The paper's Table 1 for one model over all images: PSNR and SSIM on uint8 RGB against the HR,
/// consistency = MSE in units of 1e-5 (MSE x 1e5) between the output downsampled to lr_size and the LR (images in [0,1]).
public struct ModelMetrics: Codable, Sendable, Equatable {
    public var model: String
    public var images: Int
    public var psnr: Double
    public var ssim: Double
    public var consistency: Double

    public init(model: String, images: Int, psnr: Double, ssim: Double, consistency: Double) {
        self.model = model
        self.images = images
        self.psnr = psnr
        self.ssim = ssim
        self.consistency = consistency
    }
}

public enum Side: String, Codable, Sendable, CaseIterable {
    case left, right
    public var other: Side { self == .left ? .right : .left }
}

public enum TrialKind: String, Codable, Sendable, CaseIterable {
    /// With feedback, first in a sequence; never counted.
    case practice
    /// Model output against the ground truth: what the fool rate counts.
    case main
    /// Ground truth against the catch foil: attention check.
    case `catch`
}

/// One trial of a sequence. For catch trials `model` is `DesignTrial.catchFoilModel`; for practice trials it is
/// the study's `practice_model`, or `DesignTrial.catchFoilModel` when it has none.
public struct DesignTrial: Codable, Sendable, Equatable {
    public static let catchFoilModel = "catch_foil"

    public var kind: TrialKind
    public var image: String
    public var model: String
    /// Where the non-truth image (model output or foil) is shown.
    public var modelSide: Side

    enum CodingKeys: String, CodingKey {
        case kind, image, model
        case modelSide = "model_side"
    }

    public init(kind: TrialKind, image: String, model: String, modelSide: Side) {
        self.kind = kind
        self.image = image
        self.model = model
        self.modelSide = modelSide
    }
}

/// What one participant does in one task, in order: practice first, then main and catch trials mixed.
public struct TrialSequence: Codable, Sendable, Equatable {
    /// e.g. `task1-007`.
    public var id: String
    public var task: String
    public var trials: [DesignTrial]

    public init(id: String, task: String, trials: [DesignTrial]) {
        self.id = id
        self.task = task
        self.trials = trials
    }
}

/// Each participant is assigned one sequence, hence one task (tasks are between-subjects, as in the paper).
public struct TrialDesign: Codable, Sendable, Equatable {
    public var sequences: [TrialSequence]

    public init(sequences: [TrialSequence]) { self.sequences = sequences }

    public func sequences(task: String) -> [TrialSequence] { sequences.filter { $0.task == task } }
    public func sequence(_ id: String) -> TrialSequence? { sequences.first { $0.id == id } }
}
