/// Bicubic resampling of float image planes, exactly as docs/SR3-ARCHITECTURE.md section 5.
///
/// Both resamplers are separable (width first, then height, in float) and precompute,
/// per axis, a fixed number of (source index, weight) taps for every output position.
public enum Bicubic {
    /// Antialiased bicubic (a = -0.5), docs/SR3-ARCHITECTURE.md section 5, as PIL and torch `antialias=True`.
    /// `planes`: `count` planes of `height * width` floats (e.g. the N*C planes of an NCHW tensor).
    /// Returns `count * toHeight * toWidth` floats. Sizes must be positive and
    /// `planes.count == count * height * width`; otherwise the result is empty.
    public static func downsampleAntialiased(
        _ planes: [Float], count: Int, height: Int, width: Int, toHeight: Int, toWidth: Int
    ) -> [Float] {
        guard valid(planes, count, height, width, toHeight, toWidth) else { return [] }
        return resample(
            planes, count: count, height: height, width: width,
            horizontal: BicubicTaps.antialiased(from: width, to: toWidth),
            vertical: BicubicTaps.antialiased(from: height, to: toHeight))
    }

    /// Plain bicubic (a = -0.75, half-pixel centres, edge clamp, no antialias, weights not
    /// renormalised), docs/SR3-ARCHITECTURE.md section 5, as torch `antialias=False, align_corners=False`.
    /// Same layout and size rules as `downsampleAntialiased`. The result is not clamped.
    public static func upsample(
        _ planes: [Float], count: Int, height: Int, width: Int, toHeight: Int, toWidth: Int
    ) -> [Float] {
        guard valid(planes, count, height, width, toHeight, toWidth) else { return [] }
        return resample(
            planes, count: count, height: height, width: width,
            horizontal: BicubicTaps.plain(from: width, to: toWidth),
            vertical: BicubicTaps.plain(from: height, to: toHeight))
    }

    private static func valid(
        _ planes: [Float], _ count: Int, _ height: Int, _ width: Int, _ toHeight: Int, _ toWidth: Int
    ) -> Bool {
        count >= 0 && height > 0 && width > 0 && toHeight > 0 && toWidth > 0
            && planes.count == count * height * width
    }

    /// Each pass is a "combine rows" pass (output row = weighted sum of source rows), whose inner
    /// loop over a row vectorises; the width pass runs on the transposed plane to become one.
    private static func resample(
        _ planes: [Float], count: Int, height: Int, width: Int,
        horizontal: BicubicTaps, vertical: BicubicTaps
    ) -> [Float] {
        let toWidth = horizontal.outputCount
        let toHeight = vertical.outputCount
        var output = [Float](repeating: 0, count: count * toHeight * toWidth)
        // Per plane: the input transposed (width rows of height), the width pass on it (toWidth
        // rows of height), and that transposed back (height rows of toWidth).
        var scratch = [Float](repeating: 0, count: width * height + 2 * toWidth * height)
        planes.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    guard let source = src.baseAddress, let target = dst.baseAddress,
                        let transposedIn = scratch.baseAddress
                    else { return }
                    let widthPassed = transposedIn + width * height
                    let rows = widthPassed + toWidth * height
                    for plane in 0..<count {
                        transpose(source + plane * height * width, rows: height, columns: width, into: transposedIn)
                        combineRows(transposedIn, rowLength: height, taps: horizontal, into: widthPassed)
                        transpose(widthPassed, rows: toWidth, columns: height, into: rows)
                        combineRows(rows, rowLength: toWidth, taps: vertical, into: target + plane * toHeight * toWidth)
                    }
                }
            }
        }
        return output
    }

    /// Transposes in square tiles, so that the strided writes stay within a few cache lines.
    private static func transpose(
        _ src: UnsafePointer<Float>, rows: Int, columns: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        let tile = 16
        for rowTile in stride(from: 0, to: rows, by: tile) {
            let rowEnd = min(rowTile + tile, rows)
            for columnTile in stride(from: 0, to: columns, by: tile) {
                let columnEnd = min(columnTile + tile, columns)
                for row in rowTile..<rowEnd {
                    let rowStart = src + row &* columns
                    for column in columnTile..<columnEnd {
                        dst[column &* rows &+ row] = rowStart[column]
                    }
                }
            }
        }
    }

    /// `dst` row `i` (of `taps.outputCount`) = sum over taps `t` of `weight(i, t) * src row index(i, t)`,
    /// accumulated in tap order.
    private static func combineRows(
        _ src: UnsafePointer<Float>, rowLength: Int, taps: BicubicTaps, into dst: UnsafeMutablePointer<Float>
    ) {
        let k = taps.tapsPerOutput
        taps.indices.withUnsafeBufferPointer { idx in
            taps.weights.withUnsafeBufferPointer { wts in
                for i in 0..<taps.outputCount {
                    let out = dst + i &* rowLength
                    out.update(repeating: 0, count: rowLength)
                    for t in 0..<k {
                        let w = wts[i &* k &+ t]
                        if w == 0 { continue }
                        let row = src + idx[i &* k &+ t] &* rowLength
                        for x in 0..<rowLength {
                            out[x] += w * row[x]
                        }
                    }
                }
            }
        }
    }
}

/// The taps of one axis: for output `i`, source `indices[i*k + t]` weighted by `weights[i*k + t]`,
/// `t < k`. Unused taps have weight 0 and a valid index.
struct BicubicTaps: Sendable {
    let outputCount: Int
    let tapsPerOutput: Int
    let indices: [Int]
    let weights: [Float]

    /// Keys cubic convolution kernel with parameter `a`.
    static func cubic(_ x: Double, a: Double) -> Double {
        let x = abs(x)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return 0
    }

    /// Antialiased taps (a = -0.5): support widens with the scale, weights normalised to 1.
    static func antialiased(from inputCount: Int, to outputCount: Int) -> BicubicTaps {
        let spans = antialiasedSpans(from: inputCount, to: outputCount)
        let k = max(spans.map { $0.weights.count }.max() ?? 1, 1)
        var indices = [Int](repeating: 0, count: outputCount * k)
        var weights = [Float](repeating: 0, count: outputCount * k)
        for (i, span) in spans.enumerated() {
            for t in 0..<k {
                indices[i * k + t] = min(span.start + t, inputCount - 1)
                if t < span.weights.count { weights[i * k + t] = Float(span.weights[t]) }
            }
        }
        return BicubicTaps(outputCount: outputCount, tapsPerOutput: k, indices: indices, weights: weights)
    }

    /// The antialiased taps in double: for each output, the first source index and the normalised weights.
    static func antialiasedSpans(from inputCount: Int, to outputCount: Int) -> [(start: Int, weights: [Double])] {
        let scale = Double(inputCount) / Double(outputCount)
        let filterScale = max(scale, 1)
        let support = 2 * filterScale
        var spans: [(start: Int, weights: [Double])] = []
        spans.reserveCapacity(outputCount)
        for i in 0..<outputCount {
            let centre = (Double(i) + 0.5) * scale
            let start = max(Int((centre - support + 0.5).rounded(.down)), 0)
            let end = min(Int((centre + support + 0.5).rounded(.down)), inputCount)
            var ws: [Double] = []
            for j in start..<max(end, start) {
                ws.append(cubic((Double(j) - centre + 0.5) / filterScale, a: -0.5))
            }
            let total = ws.reduce(0, +)
            if total != 0 { ws = ws.map { $0 / total } }
            spans.append((start, ws))
        }
        return spans
    }

    /// Plain taps (a = -0.75): four taps around the half-pixel source coordinate, clamped to the edge.
    static func plain(from inputCount: Int, to outputCount: Int) -> BicubicTaps {
        let scale = Double(inputCount) / Double(outputCount)
        var indices = [Int](repeating: 0, count: outputCount * 4)
        var weights = [Float](repeating: 0, count: outputCount * 4)
        for i in 0..<outputCount {
            let x = (Double(i) + 0.5) * scale - 0.5
            let floorX = x.rounded(.down)
            let t = x - floorX
            for tap in 0..<4 {
                let j = Int(floorX) - 1 + tap
                indices[i * 4 + tap] = min(max(j, 0), inputCount - 1)
                weights[i * 4 + tap] = Float(cubic(t + 1 - Double(tap), a: -0.75))
            }
        }
        return BicubicTaps(outputCount: outputCount, tapsPerOutput: 4, indices: indices, weights: weights)
    }
}
