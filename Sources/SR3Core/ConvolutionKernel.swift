import COpenBLAS

/// Convolution by im2col + sgemm, tiled over output positions so each worker's column buffer stays in
/// cache and each product is small enough for OpenBLAS's unpacked small-matrix kernel.
/// Tiles and channel splits depend only on the shapes, never on the worker count, so results are
/// bit-identical whether one or several threads run them.
extension ConvWeights {
    /// Output positions per tile.
    static let tileColumns = 64

    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        let pad = kernel / 2
        return ((height + 2 * pad - kernel) / stride + 1, (width + 2 * pad - kernel) / stride + 1)
    }

    /// Output positions per tile, tile count and the column-buffer floats one tile needs.
    func tiling(height: Int, width: Int) -> (positionsPerTile: Int, tiles: Int, columnFloats: Int) {
        let out = outputSize(height: height, width: width)
        let positions = out.height * out.width
        let perTile = max(1, min(positions, Self.tileColumns))
        let tiles = (positions + perTile - 1) / perTile
        let columnFloats = kernel == 1 && stride == 1 ? 0 : reduction * perTile
        return (perTile, tiles, columnFloats)
    }

    /// output = conv(input) + bias + extraBias (+ output when `accumulate`, + `addend` when given).
    func apply(
        input: UnsafePointer<Float>, height: Int, width: Int, output: UnsafeMutablePointer<Float>,
        extraBias: UnsafePointer<Float>? = nil, accumulate: Bool = false, addend: UnsafePointer<Float>? = nil,
        context: KernelContext
    ) {
        apply(
            input: ChannelPlanes(input, planeSize: height * width), height: height, width: width, output: output,
            extraBias: extraBias, accumulate: accumulate, addend: addend, context: context)
    }

    func apply(
        input: ChannelPlanes, height: Int, width: Int, output: UnsafeMutablePointer<Float>,
        extraBias: UnsafePointer<Float>? = nil, accumulate: Bool = false, addend: UnsafePointer<Float>? = nil,
        context: KernelContext
    ) {
        if let u = winograd, context.algorithm == .winograd {
            applyWinograd(
                u, input: input, height: height, width: width, output: output, extraBias: extraBias,
                accumulate: accumulate, addend: addend, context: context)
            return
        }
        let out = outputSize(height: height, width: width)
        let plan = tiling(height: height, width: width)
        // Few tiles: also split the output channels so two threads have work.
        let channelSplits = plan.tiles >= 4 || outChannels < 16 ? 1 : 2
        let channelsPerSplit = (outChannels + channelSplits - 1) / channelSplits
        let dst = SharedFloats(output)
        let extra = extraBias.map(SharedConstFloats.init)
        let add = addend.map(SharedConstFloats.init)
        let planeSize = out.height * out.width
        let direct = kernel == 1 && stride == 1
        context.workers.forEach(plan.tiles * channelSplits) { item, worker in
            let tile = item / channelSplits
            let split = item % channelSplits
            let offset = tile * plan.positionsPerTile
            let columns = min(plan.positionsPerTile, planeSize - offset)
            let c0 = split * channelsPerSplit
            let c1 = min(outChannels, c0 + channelsPerSplit)
            guard c1 > c0 else { return }
            let outTile = dst[offset]
            // Bias (and addend) first, then the product is accumulated onto it.
            for c in c0..<c1 {
                let value = (bias?[c] ?? 0) + (extra?.base[c] ?? 0)
                let row = outTile + c * planeSize
                if accumulate {
                    for j in 0..<columns { row[j] += value }
                } else if let add {
                    let source = add[offset + c * planeSize]
                    for j in 0..<columns { row[j] = source[j] + value }
                } else {
                    row.update(repeating: value, count: columns)
                }
            }
            weight.withUnsafeBufferPointer { w in
                guard let weights = w.baseAddress else { return }
                if direct {
                    // One product per contiguous run of input channels.
                    var k0 = 0
                    for (start, count) in input.runs(0, inChannels) {
                        let channels = count / planeSize
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasNoTrans,
                            Int32(c1 - c0), Int32(columns), Int32(channels),
                            1, weights + c0 * reduction + k0, Int32(reduction),
                            start + offset, Int32(planeSize),
                            1, outTile + c0 * planeSize, Int32(planeSize))
                        k0 += channels
                    }
                } else {
                    let buffer = context.columns(worker)
                    im2col(input: input, height: height, width: width, outWidth: out.width, start: offset, count: columns, into: buffer)
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasNoTrans,
                        Int32(c1 - c0), Int32(columns), Int32(reduction),
                        1, weights + c0 * reduction, Int32(reduction),
                        buffer, Int32(columns),
                        1, outTile + c0 * planeSize, Int32(planeSize))
                }
            }
        }
    }

    /// Scratch floats one worker needs for this convolution on a height x width input.
    func scratchFloats(height: Int, width: Int, algorithm: ConvolutionAlgorithm) -> Int {
        let columns = tiling(height: height, width: width).columnFloats
        guard let u = winograd, algorithm == .winograd else { return columns }
        return max(columns, winogradPlan(u.tile, height: height, width: width).scratchFloats(inChannels: inChannels))
    }

    /// Column matrix [cin * k * k, count] for output positions start ..< start + count (zero padding).
    private func im2col(
        input: ChannelPlanes, height: Int, width: Int, outWidth: Int,
        start: Int, count: Int, into buffer: UnsafeMutablePointer<Float>
    ) {
        let pad = kernel / 2
        let end = start + count
        let firstRow = start / outWidth
        let lastRow = (end - 1) / outWidth
        var dst = buffer
        for c in 0..<inChannels {
            let plane = input.plane(c)
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    for r in firstRow...lastRow {
                        // Output columns [a, b) of row r fall in the tile.
                        let a = max(start - r * outWidth, 0)
                        let b = min(end - r * outWidth, outWidth)
                        let out = dst + (r * outWidth + a - start)
                        let iy = r * stride + ky - pad
                        if iy < 0 || iy >= height {
                            out.update(repeating: 0, count: b - a)
                            continue
                        }
                        let srcRow = plane + iy * width
                        if stride == 1 {
                            // ix = ox + shift; valid ox in [lo, hi).
                            let shift = kx - pad
                            let lo = min(max(a, -shift), b)
                            let hi = max(min(b, width - shift), lo)
                            if lo > a { out.update(repeating: 0, count: lo - a) }
                            if hi > lo { (out + (lo - a)).update(from: srcRow + lo + shift, count: hi - lo) }
                            if b > hi { (out + (hi - a)).update(repeating: 0, count: b - hi) }
                        } else {
                            for ox in a..<b {
                                let ix = ox * stride + kx - pad
                                out[ox - a] = ix >= 0 && ix < width ? srcRow[ix] : 0
                            }
                        }
                    }
                    dst += count
                }
            }
        }
    }
}

/// The threads and per-thread column buffers the kernels run with.
struct KernelContext {
    let workers: Workers
    let columnBase: SharedFloats
    let columnCapacity: Int
    let algorithm: ConvolutionAlgorithm

    func columns(_ worker: Int) -> UnsafeMutablePointer<Float> { columnBase[worker * columnCapacity] }
}

extension KernelContext: Sendable {}
