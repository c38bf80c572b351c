import Foundation

/// xoshiro256** seeded through SplitMix64: a small, fast, reproducible generator for bootstraps and
/// simulations. Every random choice in StudyStats takes a generator passed in, so one seed fixes a report.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    public init(seed: UInt64) {
        var sm = seed
        func splitMix(_ state: inout UInt64) -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&sm); s1 = splitMix(&sm); s2 = splitMix(&sm); s3 = splitMix(&sm)
    }

    /// A generator for stream `stream` of `seed`: independent streams for parallel work that stays
    /// reproducible whatever order the work runs in.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ stream)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }
}

extension RandomNumberGenerator {
    /// A uniform index in `0..<n` (n > 0) by the multiply-high method; the bias is below 2^-50 for study sizes.
    @inline(__always)
    mutating func index(below n: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// Uniform in [0, 1).
    @inline(__always)
    mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Standard normal by Box-Muller.
    mutating func standardNormal() -> Double {
        var u = unitInterval()
        while u <= 0 { u = unitInterval() }
        let v = unitInterval()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// Fisher-Yates shuffle of `array` in place.
    mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, index(below: i + 1))
        }
    }
}
