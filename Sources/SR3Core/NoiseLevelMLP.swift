import Foundation

/// The noise-level embedding and its MLP (docs/SR3-ARCHITECTURE.md section 2), in float like the reference.
struct NoiseLevelMLP: Sendable {
    let first: LinearWeights
    let second: LinearWeights
    let channels: Int

    func embed(_ level: Float) -> [Float] {
        let half = channels / 2
        var encoding = [Float](repeating: 0, count: channels)
        let logScale = -Float(Foundation.log(10000.0))
        for i in 0..<half {
            let e = level * Foundation.exp(logScale * (Float(i) / Float(half)))
            encoding[i] = Foundation.sin(e)
            encoding[half + i] = Foundation.cos(e)
        }
        let hidden = first.apply(encoding).map(FastMath.swish)
        return second.apply(hidden)
    }
}
