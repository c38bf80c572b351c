import Foundation
import StudyKit

/// The study's seeded generator (xoshiro256** seeded through SplitMix64, `StudySeededGenerator`), under the
/// name StudyStats uses. Every random choice in StudyStats takes a generator passed in, so one seed fixes a report.
public typealias SeededGenerator = StudySeededGenerator

extension StudySeededGenerator {
    /// A generator for stream `stream` of `seed`: independent streams for parallel work that stays
    /// reproducible whatever order the work runs in.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ stream)
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
