public enum SamplerKind: String, Sendable, Codable, CaseIterable {
    case ddpm, ddim
}

/// How an SR3 checkpoint is sampled.
///
/// - `.ddpm`: paper Algorithm 2 over `steps` linear betas `betaStart ... betaEnd`
///   (default `min(0.999, 20 / steps)`; 100 steps: 1e-4 ... 0.2).
/// - `.ddim`: deterministic DDIM (eta = 0) on `steps` timesteps respaced evenly from the base
///   schedule of `max(steps, 100)` linear betas (default end `min(0.999, 20 / baseSteps)`).
/// `projection` adds the consistency projection to either.
public struct SamplingSettings: Sendable, Hashable, Codable {
    public var sampler: SamplerKind
    public var steps: Int
    public var projection: Bool
    public var betaStart: Double
    public var betaEnd: Double?

    public init(sampler: SamplerKind = .ddpm, steps: Int = 100, projection: Bool = false, betaStart: Double = 1e-4, betaEnd: Double? = nil) {
        self.sampler = sampler
        self.steps = steps
        self.projection = projection
        self.betaStart = betaStart
        self.betaEnd = betaEnd
    }

    /// Steps of the schedule the sampler's timesteps are drawn from.
    public var baseSteps: Int { sampler == .ddim ? max(steps, 100) : steps }

    public var baseSchedule: NoiseSchedule {
        let n = baseSteps
        return .linear(start: betaStart, end: betaEnd ?? min(0.999, 20 / Double(max(n, 1))), steps: n)
    }

    /// Why these settings cannot be sampled, or nil.
    public var problem: String? {
        if steps < 1 { return "steps must be at least 1 (got \(steps))" }
        let end = betaEnd ?? min(0.999, 20 / Double(baseSteps))
        if !(betaStart > 0 && betaStart < 1 && end > 0 && end < 1) {
            return "betas must lie in (0, 1) (got \(betaStart) ... \(end))"
        }
        return nil
    }

    /// A sampler set up for these settings.
    public func makeSampler() -> any DiffusionSampler {
        switch sampler {
        case .ddpm:
            var s = DDPMSampler(schedule: baseSchedule)
            s.setTimesteps(steps)
            return s
        case .ddim:
            var s = DDIMSampler(schedule: baseSchedule)
            s.setTimesteps(steps)
            return s
        }
    }
}
