/// A discrete noise schedule: betas beta_1..beta_N and gamma_t = prod_{s<=t}(1 - beta_s), gamma_0 = 1
/// (docs/SR3-ARCHITECTURE.md section 3). Kept apart from samplers and from the network (as in openai/guided-diffusion).
public struct NoiseSchedule: Sendable, Hashable {
    public let betas: [Double]
    /// gamma_0 ... gamma_N (N + 1 values).
    public let gammas: [Double]

    public init(betas: [Double]) {
        self.betas = betas
        var gammas = [1.0]
        gammas.reserveCapacity(betas.count + 1)
        for beta in betas { gammas.append((gammas.last ?? 1) * (1 - beta)) }
        self.gammas = gammas
    }

    public var steps: Int { betas.count }

    /// Betas evenly spaced from `start` to `end` over `steps` (like numpy / torch linspace).
    public static func linear(start: Double, end: Double, steps: Int) -> NoiseSchedule {
        guard steps > 1 else { return NoiseSchedule(betas: steps == 1 ? [start] : []) }
        return NoiseSchedule(betas: (0..<steps).map { start + (end - start) * Double($0) / Double(steps - 1) })
    }

    /// The default inference schedule: linear 1e-4 ... `defaultLastBeta(steps:)` (N = 100: 1e-4 ... 0.2).
    public static func defaultInference(steps: Int) -> NoiseSchedule {
        linear(start: 1e-4, end: defaultLastBeta(steps: steps), steps: steps)
    }

    /// The last beta of a linear schedule when none is given: min(0.999, 20 / N).
    public static func defaultLastBeta(steps: Int) -> Double {
        min(0.999, 20 / Double(max(steps, 1)))
    }

    /// sqrt(gamma_t), the level the network is conditioned on.
    public func noiseLevel(_ t: Int) -> Double { gammas[t].squareRoot() }

    /// The schedule restricted to `timesteps` (increasing, in 1...N), with betas recomputed so the kept
    /// gammas are unchanged: beta'_i = 1 - gamma_{t_i} / gamma_{t_{i-1}} (guided-diffusion's respacing).
    public func respaced(keeping timesteps: [Int]) -> NoiseSchedule {
        var previous = 1.0
        var betas: [Double] = []
        for t in timesteps where t >= 1 && t <= steps {
            betas.append(1 - gammas[t] / previous)
            previous = gammas[t]
        }
        return NoiseSchedule(betas: betas)
    }

    /// `count` timesteps spread evenly over 1...N, always keeping N (the pure-noise end).
    public func evenlySpacedTimesteps(_ count: Int) -> [Int] {
        let n = steps
        let k = max(1, min(count, n))
        if k == 1 { return [n] }
        let picked = (0..<k).map { i in 1 + Int((Double(i) * Double(n - 1) / Double(k - 1)).rounded()) }
        return Array(Set(picked)).sorted()
    }
}
