import Foundation
import ModelVocabulary

/// What a researcher writes in `studies/<name>/study.yaml`. Keys are snake_case in the file.
/// Optional keys take the defaults below, which reproduce the SR3 paper's study.
public struct StudyDefinition: Codable, Sendable, Equatable {
    public var name: String
    public var title: String
    public var seed: UInt64
    public var hrSize: Int
    public var lrSize: Int
    public var images: ImageSource
    public var models: [ModelSpec]
    public var tasks: [TaskSpec]
    public var exposureMs: Int
    /// A trial whose measured exposure differs from `exposureMs` by more than this is flagged.
    public var exposureToleranceMs: Int
    /// Distinct source images each participant sees within a task (the paper: 50 of 100).
    public var imagesPerParticipant: Int
    /// Planned participants per task; the design holds at least this many sequences per task.
    public var participantsPerTask: Int
    public var practiceTrials: Int
    /// The model whose output practice trials pit against the truth (main-like pairs); nil: the catch foil.
    public var practiceModel: String?
    /// Catch trials (truth against an obviously broken image) per main trial, e.g. 0.1.
    public var catchRate: Double
    public var display: DisplaySpec
    public var exclusions: ExclusionRules
    public var analysis: AnalysisSettings
    public var texts: StudyTexts
    public var completion: CompletionSpec
    public var assignment: AssignmentSpec

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, title, seed, images, models, tasks, display, exclusions, analysis, texts, completion, assignment
        case hrSize = "hr_size"
        case lrSize = "lr_size"
        case exposureMs = "exposure_ms"
        case exposureToleranceMs = "exposure_tolerance_ms"
        case imagesPerParticipant = "images_per_participant"
        case participantsPerTask = "participants_per_task"
        case practiceTrials = "practice_trials"
        case practiceModel = "practice_model"
        case catchRate = "catch_rate"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        title = try c.decodeIfPresent(String.self, forKey: .title) ?? name
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        hrSize = try c.decode(Int.self, forKey: .hrSize)
        lrSize = try c.decode(Int.self, forKey: .lrSize)
        images = try c.decode(ImageSource.self, forKey: .images)
        models = try c.decode([ModelSpec].self, forKey: .models)
        tasks = try c.decodeIfPresent([TaskSpec].self, forKey: .tasks) ?? TaskSpec.paperTasks
        exposureMs = try c.decodeIfPresent(Int.self, forKey: .exposureMs) ?? 3000
        exposureToleranceMs = try c.decodeIfPresent(Int.self, forKey: .exposureToleranceMs) ?? 34
        imagesPerParticipant = try c.decodeIfPresent(Int.self, forKey: .imagesPerParticipant) ?? 50
        participantsPerTask = try c.decodeIfPresent(Int.self, forKey: .participantsPerTask) ?? 50
        practiceTrials = try c.decodeIfPresent(Int.self, forKey: .practiceTrials) ?? 3
        practiceModel = try c.decodeIfPresent(String.self, forKey: .practiceModel)
        catchRate = try c.decodeIfPresent(Double.self, forKey: .catchRate) ?? 0.1
        display = try c.decodeIfPresent(DisplaySpec.self, forKey: .display) ?? DisplaySpec()
        exclusions = try c.decodeIfPresent(ExclusionRules.self, forKey: .exclusions) ?? ExclusionRules()
        analysis = try c.decodeIfPresent(AnalysisSettings.self, forKey: .analysis) ?? AnalysisSettings()
        texts = try c.decodeIfPresent(StudyTexts.self, forKey: .texts) ?? StudyTexts()
        completion = try c.decodeIfPresent(CompletionSpec.self, forKey: .completion) ?? CompletionSpec()
        assignment = try c.decodeIfPresent(AssignmentSpec.self, forKey: .assignment) ?? AssignmentSpec()
    }

    /// Device pixels per image pixel (validated to exist; the default when the legacy key is unusable).
    public var displayScale: Int { display.scale(hrSize: hrSize) ?? DisplaySpec.defaultDevicePxPerImagePx }
}

public struct ImageSource: Codable, Sendable, Equatable {
    /// Folder of source PNGs, relative to the study file's folder.
    public var folder: String
    /// Use only the first `limit` images (sorted by file name); nil = all.
    public var limit: Int?

    enum CodingKeys: String, CodingKey, CaseIterable { case folder, limit }

    public init(folder: String, limit: Int? = nil) {
        self.folder = folder
        self.limit = limit
    }
}

public enum ModelKind: String, Codable, Sendable, CaseIterable {
    case bicubic, regression, sr3, external

    /// The kind of checkpoint a model of this kind runs; nil for the kinds that run none.
    public var checkpointKind: CheckpointKind? {
        switch self {
        case .sr3: .sr3
        case .regression: .regression
        case .bicubic, .external: nil
        }
    }
}

public struct ModelSpec: Codable, Sendable, Equatable {
    /// Internal name; never shown to participants.
    public var id: String
    public var kind: ModelKind
    /// Name in reports (defaults to id).
    public var label: String?
    /// sr3 / regression: checkpoint path relative to the study folder.
    public var checkpoint: String?
    /// sr3: sampler settings.
    public var sampler: SamplerKind?
    public var steps: Int?
    public var projection: Bool?
    /// sr3: the base schedule; nil = the checkpoint's own when it names one and no betas are given, else linear.
    public var schedule: ScheduleSource?
    /// sr3, linear schedule: first and last beta (defaults 1e-4 and min(0.999, 20 / steps)).
    public var betaStart: Double?
    public var betaEnd: Double?
    /// sr3: the seed of this model's sampling noise; the study seed is used when nil.
    public var seed: UInt64?
    /// external: folder of outputs matched to source images by file name.
    public var folder: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, kind, label, checkpoint, sampler, steps, projection, schedule, seed, folder
        case betaStart = "beta_start"
        case betaEnd = "beta_end"
    }

    public init(
        id: String, kind: ModelKind, label: String? = nil, checkpoint: String? = nil,
        sampler: SamplerKind? = nil, steps: Int? = nil, projection: Bool? = nil,
        seed: UInt64? = nil, folder: String? = nil,
        schedule: ScheduleSource? = nil, betaStart: Double? = nil, betaEnd: Double? = nil
    ) {
        self.id = id
        self.kind = kind
        self.label = label
        self.checkpoint = checkpoint
        self.sampler = sampler
        self.steps = steps
        self.projection = projection
        self.seed = seed
        self.folder = folder
        self.schedule = schedule
        self.betaStart = betaStart
        self.betaEnd = betaEnd
    }

    public var displayLabel: String { label ?? id }
}

public struct TaskSpec: Codable, Sendable, Equatable {
    /// `task1` (LR input shown between the pair) or `task2` (no input), or any id with `show_input` set.
    public var id: String
    public var showInput: Bool
    public var question: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, question
        case showInput = "show_input"
    }

    public init(id: String, showInput: Bool, question: String) {
        self.id = id
        self.showInput = showInput
        self.question = question
    }

    public static let task1Question =
        "Which of the two images is a better high quality version of the low resolution image in the middle?"
    public static let task2Question = "Which image would you guess is from a camera?"
    public static let paperTasks = [
        TaskSpec(id: "task1", showInput: true, question: task1Question),
        TaskSpec(id: "task2", showInput: false, question: task2Question),
    ]
}

public struct DisplaySpec: Codable, Sendable, Equatable {
    /// Device (screen) pixels per image pixel: every stimulus is shown by pixel replication at exactly this
    /// integer factor on every screen, whatever its devicePixelRatio or zoom. nil: from `imagePx`, else 2.
    public var devicePxPerImagePx: Int?
    /// CSS pixels per image pixel: images keep about the same physical size on every screen. Each screen then
    /// gets the whole number of device pixels per image pixel nearest to this x its devicePixelRatio (2 CSS px at
    /// DPR 1 -> 2, at 1.5 -> 3, at 2 -> 4), so the pixels stay exact. Exclusive with `devicePxPerImagePx`.
    public var cssPxPerImagePx: Double?
    /// Legacy key: the drawn size of an HR image, now read as device pixels; must be a whole multiple of
    /// `hr_size` (`image_px: 256` with `hr_size: 128` means `device_px_per_image_px: 2`).
    public var imagePx: Int?
    /// CSS pixels between images.
    public var gapPx: Int
    /// Fixation screen before each trial.
    public var fixationMs: Int
    /// How the Task-1 input is drawn at the HR images' size.
    public var input: InputRendering
    /// The smallest browser window (CSS pixels) a participant may use: keeps phones out, whose tiny
    /// physical pixels would show the images too small. The trial's own size may demand more.
    public var minWindowWidth: Int
    public var minWindowHeight: Int
    /// The devicePixelRatios (screen scaling x browser zoom) a participant may use; any other is asked to reset
    /// the zoom; empty: every ratio. The defaults are the ratios measured pixel-exact in Chromium: with a fixed
    /// device factor 1, 1.25, 2, 3 (not 1.1, 1.5, 1.75, 2.5); with `cssPxPerImagePx` 1, 1.1, 1.25, 1.5, 2 (not
    /// 1.75, 2.5, 3: their larger images were partly resampled).
    public var allowedDPRs: [Double]
    public static let exactDPRs: [Double] = [1, 1.25, 2, 3]
    public static let exactDPRsAtPhysicalSize: [Double] = [1, 1.1, 1.25, 1.5, 2]

    public enum InputRendering: String, Codable, Sendable, CaseIterable {
        /// The LR image with every pixel replicated (blocky, exactly the pixels the model received).
        case pixelated
        /// The bicubic upsample of the LR image to hr_size (what the SR models start from); needs a model of kind bicubic.
        case bicubic
    }

    public static let defaultDevicePxPerImagePx = 2

    enum CodingKeys: String, CodingKey, CaseIterable {
        case devicePxPerImagePx = "device_px_per_image_px"
        case cssPxPerImagePx = "css_px_per_image_px"
        case imagePx = "image_px"
        case gapPx = "gap_px"
        case fixationMs = "fixation_ms"
        case input
        case minWindowWidth = "min_window_width"
        case minWindowHeight = "min_window_height"
        case allowedDPRs = "allowed_dprs"
    }

    public init(
        devicePxPerImagePx: Int? = nil, cssPxPerImagePx: Double? = nil, imagePx: Int? = nil, gapPx: Int = 32,
        fixationMs: Int = 500, input: InputRendering = .pixelated, minWindowWidth: Int = 900, minWindowHeight: Int = 500,
        allowedDPRs: [Double]? = nil
    ) {
        self.devicePxPerImagePx = devicePxPerImagePx
        self.cssPxPerImagePx = cssPxPerImagePx
        self.imagePx = imagePx
        self.gapPx = gapPx
        self.fixationMs = fixationMs
        self.input = input
        self.minWindowWidth = minWindowWidth
        self.minWindowHeight = minWindowHeight
        self.allowedDPRs = allowedDPRs ?? Self.defaultDPRs(cssPxPerImagePx: cssPxPerImagePx)
    }

    static func defaultDPRs(cssPxPerImagePx: Double?) -> [Double] { cssPxPerImagePx == nil ? exactDPRs : exactDPRsAtPhysicalSize }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        devicePxPerImagePx = try c.decodeIfPresent(Int.self, forKey: .devicePxPerImagePx)
        cssPxPerImagePx = try c.decodeIfPresent(Double.self, forKey: .cssPxPerImagePx)
        imagePx = try c.decodeIfPresent(Int.self, forKey: .imagePx)
        gapPx = try c.decodeIfPresent(Int.self, forKey: .gapPx) ?? 32
        fixationMs = try c.decodeIfPresent(Int.self, forKey: .fixationMs) ?? 500
        input = try c.decodeIfPresent(InputRendering.self, forKey: .input) ?? .pixelated
        minWindowWidth = try c.decodeIfPresent(Int.self, forKey: .minWindowWidth) ?? 900
        minWindowHeight = try c.decodeIfPresent(Int.self, forKey: .minWindowHeight) ?? 500
        allowedDPRs = try c.decodeIfPresent([Double].self, forKey: .allowedDPRs) ?? Self.defaultDPRs(cssPxPerImagePx: cssPxPerImagePx)
    }

    /// The integer device-pixel factor for a study with HR images of `hrSize` pixels, or nil when the legacy
    /// `image_px` is not a whole multiple of `hrSize` (the validation reports that).
    public func scale(hrSize: Int) -> Int? {
        if let devicePxPerImagePx { return devicePxPerImagePx }
        // At a physical size, the factor of a DPR-1 screen (each screen gets its own in the page, by the same rule:
        // display.js devicePxPerImagePx, the nearest whole number with ties to the smaller image).
        if let cssPxPerImagePx {
            let below = max(1, Int((cssPxPerImagePx + 1e-9).rounded(.down)))
            return cssPxPerImagePx - Double(below) > Double(below + 1) - cssPxPerImagePx ? below + 1 : below
        }
        guard let imagePx else { return Self.defaultDevicePxPerImagePx }
        guard hrSize > 0, imagePx >= hrSize, imagePx % hrSize == 0 else { return nil }
        return imagePx / hrSize
    }
}

public struct ExclusionRules: Codable, Sendable, Equatable {
    /// Participants below this catch-trial accuracy are excluded (nil: no rule).
    public var minCatchAccuracy: Double?
    /// Drop trials whose exposure was flagged (deviation, visibility or focus lost, interrupted, and the
    /// server's own early, unseen or served-again flags).
    public var dropFlaggedExposures: Bool
    /// Drop answers faster than this after the images were hidden (nil: no rule). The server also flags an
    /// answer that arrives sooner than `exposure_ms` plus this after its images were served.
    public var minResponseMs: Double?
    /// Use only sessions that reached the completion screen.
    public var requireComplete: Bool
    /// Participants with any of these flags are excluded entirely; the others are only reported.
    /// (`catch_failed` is governed by `min_catch_accuracy`.)
    public var excludeFlags: [ParticipantFlag]
    /// `one_sided`: raised when at least this share of a participant's answers picked one side.
    public var oneSidedShare: Double
    /// `one_sided` needs at least this many answers to be raised.
    public var oneSidedMinTrials: Int
    /// `focus_lost`: raised when focus or visibility was lost in at least this many trials.
    public var maxFocusLosses: Int
    /// `implausible_fool_rate_high` / `_low`: each participant's fool count is tested against the other
    /// participants' rates, two-sided, with Benjamini-Hochberg false discovery control at this q
    /// (nil: no screening).
    public var foolRateFDR: Double?
    /// How far honest participants' fool rates spread, as a standard deviation on the logit scale: the
    /// screening's allowance for honest differences in skill and images.
    public var foolRateSD: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case minCatchAccuracy = "min_catch_accuracy"
        case dropFlaggedExposures = "drop_flagged_exposures"
        case minResponseMs = "min_response_ms"
        case requireComplete = "require_complete"
        case excludeFlags = "exclude_flags"
        case oneSidedShare = "one_sided_share"
        case oneSidedMinTrials = "one_sided_min_trials"
        case maxFocusLosses = "max_focus_losses"
        case foolRateFDR = "fool_rate_fdr"
        case foolRateSD = "fool_rate_sd"
    }

    public static let defaultExcludeFlags: [ParticipantFlag] = [
        .earlyAnswers, .unseenAnswers, .tooFastSession, .oneSided, .implausibleFoolRateHigh, .implausibleFoolRateLow,
    ]
    public static let defaultFoolRateFDR = 0.05
    public static let defaultFoolRateSD = 1.0

    public init(
        minCatchAccuracy: Double? = 0.75, dropFlaggedExposures: Bool = true,
        minResponseMs: Double? = 150, requireComplete: Bool = false,
        excludeFlags: [ParticipantFlag] = ExclusionRules.defaultExcludeFlags,
        oneSidedShare: Double = 0.9, oneSidedMinTrials: Int = 10, maxFocusLosses: Int = 3,
        foolRateFDR: Double? = ExclusionRules.defaultFoolRateFDR, foolRateSD: Double = ExclusionRules.defaultFoolRateSD
    ) {
        self.minCatchAccuracy = minCatchAccuracy
        self.dropFlaggedExposures = dropFlaggedExposures
        self.minResponseMs = minResponseMs
        self.requireComplete = requireComplete
        self.excludeFlags = excludeFlags
        self.oneSidedShare = oneSidedShare
        self.oneSidedMinTrials = oneSidedMinTrials
        self.maxFocusLosses = maxFocusLosses
        self.foolRateFDR = foolRateFDR
        self.foolRateSD = foolRateSD
    }

    public init(from decoder: any Decoder) throws {
        let d = ExclusionRules()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minCatchAccuracy = c.contains(.minCatchAccuracy) ? try c.decodeIfPresent(Double.self, forKey: .minCatchAccuracy) : d.minCatchAccuracy
        dropFlaggedExposures = try c.decodeIfPresent(Bool.self, forKey: .dropFlaggedExposures) ?? d.dropFlaggedExposures
        minResponseMs = c.contains(.minResponseMs) ? try c.decodeIfPresent(Double.self, forKey: .minResponseMs) : d.minResponseMs
        requireComplete = try c.decodeIfPresent(Bool.self, forKey: .requireComplete) ?? d.requireComplete
        excludeFlags = try c.decodeIfPresent([ParticipantFlag].self, forKey: .excludeFlags) ?? d.excludeFlags
        oneSidedShare = try c.decodeIfPresent(Double.self, forKey: .oneSidedShare) ?? d.oneSidedShare
        oneSidedMinTrials = try c.decodeIfPresent(Int.self, forKey: .oneSidedMinTrials) ?? d.oneSidedMinTrials
        maxFocusLosses = try c.decodeIfPresent(Int.self, forKey: .maxFocusLosses) ?? d.maxFocusLosses
        foolRateFDR = c.contains(.foolRateFDR) ? try c.decodeIfPresent(Double.self, forKey: .foolRateFDR) : d.foolRateFDR
        foolRateSD = try c.decodeIfPresent(Double.self, forKey: .foolRateSD) ?? d.foolRateSD
    }

    /// The shortest time a human answer can take after the trial's images were served.
    public func minimumAnswerDelayMs(exposureMs: Int) -> Double { Double(exposureMs) + (minResponseMs ?? 0) }
}

public struct AnalysisSettings: Codable, Sendable, Equatable {
    public var confidenceLevel: Double
    public var bootstrapSamples: Int
    /// Equivalence margin around 50% for the photo-realism equivalence test (TOST).
    public var equivalenceMargin: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case confidenceLevel = "confidence_level"
        case bootstrapSamples = "bootstrap_samples"
        case equivalenceMargin = "equivalence_margin"
    }

    /// The analysis defaults, the one place the definition, the report and the plan and simulate commands read them.
    public static let defaultConfidenceLevel = 0.95
    public static let defaultBootstrapSamples = 10_000
    public static let defaultEquivalenceMargin = 0.1

    public init(
        confidenceLevel: Double = AnalysisSettings.defaultConfidenceLevel,
        bootstrapSamples: Int = AnalysisSettings.defaultBootstrapSamples,
        equivalenceMargin: Double = AnalysisSettings.defaultEquivalenceMargin
    ) {
        self.confidenceLevel = confidenceLevel
        self.bootstrapSamples = bootstrapSamples
        self.equivalenceMargin = equivalenceMargin
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        confidenceLevel = try c.decodeIfPresent(Double.self, forKey: .confidenceLevel) ?? Self.defaultConfidenceLevel
        bootstrapSamples = try c.decodeIfPresent(Int.self, forKey: .bootstrapSamples) ?? Self.defaultBootstrapSamples
        equivalenceMargin = try c.decodeIfPresent(Double.self, forKey: .equivalenceMargin) ?? Self.defaultEquivalenceMargin
    }
}

public struct StudyTexts: Codable, Sendable, Equatable {
    public var consent: String
    /// Extra instructions shown after the ones the page writes for each task from its question, exposure and keys.
    public var instructions: String
    public var completion: String

    enum CodingKeys: String, CodingKey, CaseIterable { case consent, instructions, completion }

    public init(
        consent: String =
            "You are invited to take part in a short study about image quality. It takes about {minutes} minutes. "
            + "We record your choices and how long each took, your participant id from the recruiting platform (if any), "
            + "your browser, window size and screen pixel ratio, and whether the page lost focus. The answers are stored "
            + "under that id: they are pseudonymous, not anonymous, and used only for this research. You may stop at any time.",
        instructions: String = "",
        completion: String = "Thank you. Your answers are saved."
    ) {
        self.consent = consent
        self.instructions = instructions
        self.completion = completion
    }

    public init(from decoder: any Decoder) throws {
        let d = StudyTexts()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        consent = try c.decodeIfPresent(String.self, forKey: .consent) ?? d.consent
        instructions = try c.decodeIfPresent(String.self, forKey: .instructions) ?? d.instructions
        completion = try c.decodeIfPresent(String.self, forKey: .completion) ?? d.completion
    }
}

public struct CompletionSpec: Codable, Sendable, Equatable {
    /// Where to send the participant after completion (e.g. Prolific's completion URL); nil = stay.
    public var redirectURL: String?
    /// A fixed completion code (Prolific); nil = one generated per session.
    public var code: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case redirectURL = "redirect_url"
        case code
    }

    public init(redirectURL: String? = nil, code: String? = nil) {
        self.redirectURL = redirectURL
        self.code = code
    }
}

public struct AssignmentSpec: Codable, Sendable, Equatable {
    /// A sequence handed out and idle this long is handed out again.
    public var abandonAfterMinutes: Double
    /// A regular expression every participant id (`pid`, PROLIFIC_PID) must match as a whole, e.g.
    /// `[0-9a-f]{24}` for Prolific ids; nil: any id within `ParticipantIdentifier`'s rule.
    public var participantIDPattern: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case abandonAfterMinutes = "abandon_after_minutes"
        case participantIDPattern = "participant_id_pattern"
    }

    public init(abandonAfterMinutes: Double = 30, participantIDPattern: String? = nil) {
        self.abandonAfterMinutes = abandonAfterMinutes
        self.participantIDPattern = participantIDPattern
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        abandonAfterMinutes = try c.decodeIfPresent(Double.self, forKey: .abandonAfterMinutes) ?? 30
        participantIDPattern = try c.decodeIfPresent(String.self, forKey: .participantIDPattern)
    }
}
