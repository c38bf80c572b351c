import ModelVocabulary

extension ModelSpec {
    public static let defaultSampler = SamplerKind.ddpm
    public static let defaultSteps = 100

    /// sr3: the sampler used when the definition names none (the paper's Algorithm 2).
    public var samplerOrDefault: SamplerKind { sampler ?? ModelSpec.defaultSampler }
    public var stepsOrDefault: Int { steps ?? ModelSpec.defaultSteps }
    public var projectionOrDefault: Bool { projection ?? false }

    /// The seed this model's sampling noise is drawn from: its own `seed`, else the study's.
    public func effectiveSeed(in definition: StudyDefinition) -> UInt64 { seed ?? definition.seed }

    /// Whether the model's outputs come from a checkpoint run by SR3Core.
    public var usesCheckpoint: Bool { kind == .sr3 || kind == .regression }
}

extension StudyDefinition {
    /// Catch trials in each sequence: `catch_rate` times the main trials, rounded.
    public var catchTrialsPerSequence: Int {
        Int((Double(imagesPerParticipant) * catchRate).rounded())
    }
}
