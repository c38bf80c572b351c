import Foundation

/// Random choices implemented here rather than through the standard library's `shuffle` and
/// `random(in:)`, whose algorithms may change between Swift versions: the same seed must give the same
/// design, noise and bootstrap wherever the code runs.
extension RandomNumberGenerator {
    /// Uniform in `0 ..< bound` (Lemire's multiply-shift with rejection, so unbiased). A `bound` of 1 or
    /// less gives 0 without drawing.
    @inlinable @inline(__always)
    public mutating func stableIndex(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let range = UInt64(truncatingIfNeeded: bound)  // positive here
        var product = next().multipliedFullWidth(by: range)
        // Only a low word below `range` can fall under the rejection threshold, so the division is rare.
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(truncatingIfNeeded: product.high)  // below `bound`
    }

    /// Uniform in `0 ..< bound` (positive) by one multiply-high and no rejection: one draw always, biased by
    /// less than bound / 2^64 (below 2^-40 for any study). For the bootstrap's inner loop, where the rejection
    /// test of `stableIndex` costs about a tenth of a report's time.
    @inlinable @inline(__always)
    public mutating func multiplyHighIndex(below bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// `items` in a uniformly random order (Fisher-Yates from the last element down).
    public mutating func stableShuffled<T>(_ items: [T]) -> [T] {
        var items = items
        var i = items.count - 1
        while i > 0 {
            let j = stableIndex(below: i + 1)
            items.swapAt(i, j)
            i -= 1
        }
        return items
    }

    public mutating func stableBool() -> Bool { next() & 1 == 1 }

    /// Uniform in [0, 1).
    @inlinable
    public mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in (0, 1): never 0, so its logarithm is finite.
    @inlinable
    public mutating func openUnitInterval() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A standard normal: the first of a Box-Muller pair on `unitInterval()` draws (0 redrawn).
    public mutating func standardNormal() -> Double {
        var u = unitInterval()
        while u <= 0 { u = unitInterval() }
        return BoxMuller.pair(u, unitInterval()).first
    }
}

/// The Box-Muller transform: two independent uniforms in (0, 1] and [0, 1) -> two independent standard normals.
public enum BoxMuller {
    public static func pair(_ u1: Double, _ u2: Double) -> (first: Double, second: Double) {
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        return (radius * cos(angle), radius * sin(angle))
    }
}
