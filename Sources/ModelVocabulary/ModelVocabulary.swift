/// The names the SR3 model (SR3Core) and the study definition (StudyKit) share, defined once so that a
/// study.yaml value, a command-line option and a sampler setting are the same value.

/// How an SR3 checkpoint is sampled.
public enum SamplerKind: String, Sendable, Codable, CaseIterable {
    /// The paper's Algorithm 2 (posterior variance, x0 clipping).
    case ddpm
    /// Deterministic few-step sampler (eta = 0), for previews.
    case ddim
}

/// Where an SR3 model's base noise schedule comes from.
public enum ScheduleSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// The checkpoint's own (metadata `inference_schedule`, e.g. an imported config's val schedule:
    /// 2000 linear betas 1e-6 ... 1e-2).
    case checkpoint
    /// Linear betas `beta_start ... beta_end` over the sampled steps (default 1e-4 ... min(0.999, 20 / N)).
    case linear
}

/// What a checkpoint's network is: an SR3 denoiser or the one-pass Regression baseline.
public enum CheckpointKind: String, Sendable {
    case sr3, regression
}
