/// A seeded generator of standard normal floats: xoshiro256** seeded through SplitMix64, Box-Muller.
/// Same seed, same sequence, on every platform.
public struct NormalRNG: Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    private var spare: Double?

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func nextUInt64() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    /// Uniform in (0, 1), never 0.
    public mutating func nextUniform() -> Double {
        (Double(nextUInt64() >> 11) + 0.5) * 0x1.0p-53
    }

    public mutating func nextNormal() -> Double {
        if let value = spare {
            spare = nil
            return value
        }
        let radius = (-2 * log(nextUniform())).squareRoot()
        let angle = 2 * Double.pi * nextUniform()
        spare = radius * sin(angle)
        return radius * cos(angle)
    }

    public mutating func fill(_ values: inout [Float]) {
        for i in values.indices { values[i] = Float(nextNormal()) }
    }

    public mutating func normals(_ count: Int) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        fill(&values)
        return values
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
