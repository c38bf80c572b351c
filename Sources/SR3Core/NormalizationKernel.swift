/// GroupNorm (eps 1e-5, biased variance, per-channel affine), optionally followed by Swish.
extension GroupNormWeights {
    static let epsilon: Float = 1e-5

    func apply(
        input: UnsafePointer<Float>, planeSize: Int, output: UnsafeMutablePointer<Float>,
        swish: Bool, context: KernelContext
    ) {
        apply(input: ChannelPlanes(input, planeSize: planeSize), output: output, swish: swish, context: context)
    }

    func apply(input: ChannelPlanes, output: UnsafeMutablePointer<Float>, swish: Bool, context: KernelContext) {
        let perGroup = channels / groups
        let planeSize = input.planeSize
        let dst = SharedFloats(output)
        context.workers.forEach(groups) { group, _ in
            let c0 = group * perGroup
            let c1 = c0 + perGroup
            let (mean, variance) = Self.moments(input.runs(c0, c1))
            let inverse = 1 / (variance + Self.epsilon).squareRoot()
            for c in c0..<c1 {
                let scale = weight[c] * inverse
                let shift = bias[c] - mean * scale
                Self.affine(input.plane(c), dst[c * planeSize], count: planeSize, scale: scale, shift: shift, swish: swish)
            }
        }
    }

    static func moments(_ runs: [(UnsafePointer<Float>, Int)]) -> (Float, Float) {
        if runs.count == 1 { return moments(runs[0].0, count: runs[0].1) }
        let total = runs.reduce(0) { $0 + $1.1 }
        var sum: Float = 0
        for (start, count) in runs { sum += moments(start, count: count).0 * Float(count) }
        let mean = sum / Float(total)
        var squares: Float = 0
        for (start, count) in runs {
            // Each run's squares about the common mean: its variance plus the squared offset of its mean.
            let (m, v) = moments(start, count: count)
            squares += (v + (m - mean) * (m - mean)) * Float(count)
        }
        return (mean, squares / Float(total))
    }

    /// Mean and biased variance, two passes with eight-lane float accumulators.
    static func moments(_ x: UnsafePointer<Float>, count: Int) -> (Float, Float) {
        typealias V = SIMD8<Float>
        let vectors = count / 8
        var acc = V()
        var acc2 = V()
        var i = 0
        while i + 1 < vectors {
            acc += UnsafeRawPointer(x + 8 * i).loadUnaligned(as: V.self)
            acc2 += UnsafeRawPointer(x + 8 * i + 8).loadUnaligned(as: V.self)
            i += 2
        }
        if i < vectors { acc += UnsafeRawPointer(x + 8 * i).loadUnaligned(as: V.self) }
        var sum = (acc + acc2).sum()
        for j in (vectors * 8)..<count { sum += x[j] }
        let mean = sum / Float(count)
        let m = V(repeating: mean)
        var sq = V()
        var sq2 = V()
        i = 0
        while i + 1 < vectors {
            let d = UnsafeRawPointer(x + 8 * i).loadUnaligned(as: V.self) - m
            let e = UnsafeRawPointer(x + 8 * i + 8).loadUnaligned(as: V.self) - m
            sq += d * d
            sq2 += e * e
            i += 2
        }
        if i < vectors {
            let d = UnsafeRawPointer(x + 8 * i).loadUnaligned(as: V.self) - m
            sq += d * d
        }
        var squares = (sq + sq2).sum()
        for j in (vectors * 8)..<count {
            let d = x[j] - mean
            squares += d * d
        }
        return (mean, squares / Float(count))
    }

    @inline(__always)
    static func affine(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
        scale: Float, shift: Float, swish: Bool
    ) {
        typealias V = SIMD8<Float>
        let a = V(repeating: scale)
        let b = V(repeating: shift)
        let vectors = count / 8
        if swish {
            for i in 0..<vectors {
                let v = UnsafeRawPointer(x + 8 * i).loadUnaligned(as: V.self) * a + b
                UnsafeMutableRawPointer(y + 8 * i).storeBytes(of: FastMath.swish(v), as: V.self)
            }
            for j in (vectors * 8)..<count { y[j] = FastMath.swish(x[j] * scale + shift) }
        } else {
            for i in 0..<vectors {
                let v = UnsafeRawPointer(x + 8 * i).loadUnaligned(as: V.self) * a + b
                UnsafeMutableRawPointer(y + 8 * i).storeBytes(of: v, as: V.self)
            }
            for j in (vectors * 8)..<count { y[j] = x[j] * scale + shift }
        }
    }
}
