import ModelVocabulary

/// How an SR3 checkpoint is sampled.
///
/// - `.ddpm`: paper Algorithm 2 over `steps` linear betas `betaStart ... betaEnd`
///   (default `min(0.999, 20 / steps)`; 100 steps: 1e-4 ... 0.2).
/// - `.ddim`: deterministic DDIM (eta = 0) on `steps` timesteps respaced evenly from the base
///   schedule of `max(steps, 100)` linear betas (default end `min(0.999, 20 / baseSteps)`).
/// - `schedule` set (e.g. a checkpoint's own, 2000 linear betas 1e-6 ... 1e-2): either sampler
///   runs `steps` timesteps of that schedule, respaced evenly when `steps` is smaller;
///   `betaStart` / `betaEnd` are then unused.
/// `projection` adds the consistency projection to either.
public struct SamplingSettings: Sendable, Hashable, Codable {
    public var sampler: SamplerKind
    public var steps: Int
    public var projection: Bool
    public var betaStart: Double
    public var betaEnd: Double?
    /// An explicit base schedule replacing the linear one built from the betas above.
    public var schedule: BetaSchedule?

    public init(
        sampler: SamplerKind = .ddpm, steps: Int = 100, projection: Bool = false, betaStart: Double = 1e-4, betaEnd: Double? = nil,
        schedule: BetaSchedule? = nil
    ) {
        self.sampler = sampler
        self.steps = steps
        self.projection = projection
        self.betaStart = betaStart
        self.betaEnd = betaEnd
        self.schedule = schedule
    }

    /// Steps of the schedule the sampler's timesteps are drawn from.
    public var baseSteps: Int {
        if let schedule { return schedule.steps }
        return sampler == .ddim ? max(steps, 100) : steps
    }

    public var baseSchedule: NoiseSchedule {
        if let schedule { return schedule.noiseSchedule }
        let n = baseSteps
        return .linear(start: betaStart, end: betaEnd ?? NoiseSchedule.defaultLastBeta(steps: n), steps: n)
    }

    /// The base schedule in words, e.g. "linear betas 0.0001 ... 0.2 over 100 steps".
    public var scheduleSummary: String {
        if let schedule {
            return schedule.summary + (steps < schedule.steps ? ", respaced to \(steps)" : "")
        }
        return "linear betas \(betaStart) ... \(betaEnd ?? NoiseSchedule.defaultLastBeta(steps: baseSteps)) over \(baseSteps) steps"
    }

    /// Why these settings cannot be sampled, or nil.
    public var problem: String? {
        if steps < 1 { return "steps must be at least 1 (got \(steps))" }
        if let schedule {
            if let problem = schedule.problem { return problem }
            if steps > schedule.steps { return "steps \(steps) exceed the schedule's \(schedule.steps); use at most \(schedule.steps)" }
            return nil
        }
        let end = betaEnd ?? NoiseSchedule.defaultLastBeta(steps: baseSteps)
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

extension SamplingSettings {
    /// The settings a study model or `upscale` asks for. `source` nil means the checkpoint's own schedule
    /// when it names one (and no betas are given), else the linear default. `steps` nil means all the
    /// checkpoint schedule's steps, or 100 with the linear one.
    public static func resolved(
        sampler: SamplerKind, steps: Int?, projection: Bool, source: ScheduleSource?,
        betaStart: Double?, betaEnd: Double?, checkpointSchedule: BetaSchedule?
    ) throws(ConfigProblem) -> SamplingSettings {
        let betasGiven = betaStart != nil || betaEnd != nil
        let chosen = source ?? (!betasGiven && checkpointSchedule != nil ? .checkpoint : .linear)
        var settings: SamplingSettings
        switch chosen {
        case .checkpoint:
            guard !betasGiven else {
                throw ConfigProblem("beta_start and beta_end set a linear schedule; they cannot go with the checkpoint's own schedule")
            }
            guard let own = checkpointSchedule else {
                throw ConfigProblem("the checkpoint names no schedule of its own (metadata inference_schedule); use the linear schedule")
            }
            settings = SamplingSettings(sampler: sampler, steps: steps ?? own.steps, projection: projection, schedule: own)
        case .linear:
            settings = SamplingSettings(sampler: sampler, steps: steps ?? 100, projection: projection, betaStart: betaStart ?? 1e-4, betaEnd: betaEnd)
        }
        if let problem = settings.problem { throw ConfigProblem(problem) }
        return settings
    }
}
