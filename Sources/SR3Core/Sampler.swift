/// A reverse-diffusion sampler in the diffusers style: built on a base schedule, told how many
/// timesteps to use, then stepped from the noisiest timestep to the cleanest. Knows nothing of the
/// network: the caller evaluates it at `noiseLevel(at:)` and passes its noise prediction to `step`.
public protocol DiffusionSampler: Sendable {
    /// The schedule actually sampled (the base schedule respaced to the chosen timesteps).
    var schedule: NoiseSchedule { get }
    /// Indices into `schedule`, N ... 1.
    var timesteps: [Int] { get }
    /// Whether `step` at timestep t needs a fresh standard normal `noise`.
    func needsNoise(at t: Int) -> Bool
    /// Chooses `count` timesteps evenly spaced over the base schedule.
    mutating func setTimesteps(_ count: Int)
    /// One reverse step: y_t and the predicted noise -> y_{t-1}. `correction` may change the clipped
    /// x0 prediction (the consistency projection); at t = 1 the result is the unclipped final mean.
    func step(modelOutput eps: [Float], timestep t: Int, sample y: [Float], noise: [Float]?, correction: ((inout [Float]) -> Void)?) -> [Float]
}

/// A base schedule and the timesteps a sampler runs on it: every sampler's bookkeeping, kept once.
public struct SampledSchedule: Sendable {
    public let base: NoiseSchedule
    /// The base schedule respaced evenly to the chosen number of steps (the base itself when it has no more).
    public private(set) var schedule: NoiseSchedule
    /// Indices into `schedule`, N ... 1.
    public private(set) var timesteps: [Int]

    /// All of the base schedule's steps.
    public init(base: NoiseSchedule) {
        self.base = base
        (schedule, timesteps) = SampledSchedule.sampled(base, steps: base.steps)
    }

    /// Chooses `count` timesteps evenly spaced over the base schedule.
    public mutating func setTimesteps(_ count: Int) { (schedule, timesteps) = SampledSchedule.sampled(base, steps: count) }

    private static func sampled(_ base: NoiseSchedule, steps count: Int) -> (NoiseSchedule, [Int]) {
        let schedule = count >= base.steps ? base : base.respaced(keeping: base.evenlySpacedTimesteps(count))
        return (schedule, Array((1...max(1, schedule.steps)).reversed()))
    }
}

/// A sampler keeps its schedule and timesteps in a `SampledSchedule`; these forward to it.
public protocol SampledScheduleHolder {
    var sampled: SampledSchedule { get set }
}

extension SampledScheduleHolder {
    public var base: NoiseSchedule { sampled.base }
    public var schedule: NoiseSchedule { sampled.schedule }
    public var timesteps: [Int] { sampled.timesteps }
    public mutating func setTimesteps(_ count: Int) { sampled.setTimesteps(count) }
}

extension DiffusionSampler {
    /// sqrt(gamma_t), the level the network is conditioned on at timestep t.
    public func noiseLevel(at t: Int) -> Float { Float(schedule.noiseLevel(t)) }

    /// x0 = clip((y - sqrt(1 - gamma) eps) / sqrt(gamma), -1, 1), then the optional correction.
    func predictStart(eps: [Float], t: Int, sample y: [Float], correction: ((inout [Float]) -> Void)?) -> [Float] {
        let gamma = schedule.gammas[t]
        let a = Float(1 / gamma.squareRoot())
        let b = Float((1 - gamma).squareRoot() / gamma.squareRoot())
        var x0 = [Float](repeating: 0, count: y.count)
        for i in y.indices { x0[i] = min(1, max(-1, a * y[i] - b * eps[i])) }
        correction?(&x0)
        return x0
    }
}

/// Paper Algorithm 2 with the posterior variance and x0 clipping (ancestral DDPM).
public struct DDPMSampler: DiffusionSampler, SampledScheduleHolder {
    public var sampled: SampledSchedule

    public init(schedule: NoiseSchedule) { sampled = SampledSchedule(base: schedule) }

    public func needsNoise(at t: Int) -> Bool { t > 1 }

    public func step(modelOutput eps: [Float], timestep t: Int, sample y: [Float], noise: [Float]?, correction: ((inout [Float]) -> Void)?) -> [Float]
    {
        let x0 = predictStart(eps: eps, t: t, sample: y, correction: correction)
        let gamma = schedule.gammas[t]
        let previous = schedule.gammas[t - 1]
        let beta = schedule.betas[t - 1]
        let c0 = Float(previous.squareRoot() * beta / (1 - gamma))
        let ct = Float((1 - beta).squareRoot() * (1 - previous) / (1 - gamma))
        var out = [Float](repeating: 0, count: y.count)
        for i in y.indices { out[i] = c0 * x0[i] + ct * y[i] }
        if t > 1, let z = noise {
            let sigma = Float(((1 - previous) * beta / (1 - gamma)).squareRoot())
            for i in out.indices { out[i] += sigma * z[i] }
        }
        return out
    }
}

/// Deterministic DDIM (eta = 0) for few-step previews: y_{t-1} = sqrt(gamma') x0 + sqrt(1 - gamma') eps,
/// with eps recomputed from the clipped (and possibly projected) x0.
public struct DDIMSampler: DiffusionSampler, SampledScheduleHolder {
    public var sampled: SampledSchedule

    public init(schedule: NoiseSchedule) { sampled = SampledSchedule(base: schedule) }

    public func needsNoise(at t: Int) -> Bool { false }

    public func step(modelOutput eps: [Float], timestep t: Int, sample y: [Float], noise: [Float]?, correction: ((inout [Float]) -> Void)?) -> [Float]
    {
        let x0 = predictStart(eps: eps, t: t, sample: y, correction: correction)
        let gamma = schedule.gammas[t]
        let previous = schedule.gammas[t - 1]
        guard gamma < 1 else { return x0 }
        let sg = Float(gamma.squareRoot())
        let inv = Float(1 / (1 - gamma).squareRoot())
        let a = Float(previous.squareRoot())
        let b = Float((1 - previous).squareRoot())
        var out = [Float](repeating: 0, count: y.count)
        for i in y.indices {
            let e = (y[i] - sg * x0[i]) * inv
            out[i] = a * x0[i] + b * e
        }
        return out
    }
}
