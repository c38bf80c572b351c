import Foundation

/// Vectorised exp and Swish, accurate to a few float ulps (Cephes expf polynomial).
enum FastMath {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func exp(_ input: V) -> V {
        var x = input.replacing(with: V(repeating: -87.0), where: input .< V(repeating: -87.0))
        x = x.replacing(with: V(repeating: 88.0), where: x .> V(repeating: 88.0))
        // n = round(x / ln 2) through the 1.5 * 2^23 trick, which also leaves n in the low mantissa bits.
        let magic = V(repeating: 12_582_912.0)
        let shifted = x * V(repeating: 1.442_695_04) + magic
        let n = shifted - magic
        var r = x - n * V(repeating: 0.693_359_375)
        r = r - n * V(repeating: -2.121_944_4e-4)
        var p = V(repeating: 1.987_569_15e-4)
        p = p * r + V(repeating: 1.398_199_95e-3)
        p = p * r + V(repeating: 8.333_451_9e-3)
        p = p * r + V(repeating: 4.166_579_6e-2)
        p = p * r + V(repeating: 1.666_666_55e-1)
        p = p * r + V(repeating: 5.000_000_1e-1)
        p = p * (r * r) + r + V(repeating: 1)
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: V.self)
        return p * scale
    }

    /// x * sigmoid(x).
    @inline(__always)
    static func swish(_ x: V) -> V {
        x / (V(repeating: 1) + exp(-x))
    }

    @inline(__always)
    static func swish(_ x: Float) -> Float {
        x / (1 + Foundation.exp(-x))
    }
}
