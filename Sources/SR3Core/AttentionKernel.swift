import COpenBLAS
import Foundation

/// Single-head self-attention over all positions, added to its input in place (docs/SR3-ARCHITECTURE.md section 2).
extension SelfAttention {
    /// Query rows handled per work item.
    static let rowsPerItem = 64

    /// Scratch floats needed: normalised input and qkv, the score rows and the attended values.
    static func scratchFloats(channels: Int, positions: Int) -> Int {
        channels * positions + 3 * channels * positions + positions * positions
    }

    func apply(_ x: UnsafeMutablePointer<Float>, positions: Int, scratch: UnsafeMutablePointer<Float>, context: KernelContext) {
        let c = channels
        let normalised = scratch
        let qkvBuffer = scratch + c * positions
        let scores = qkvBuffer + 3 * c * positions
        norm.apply(input: UnsafePointer(x), planeSize: positions, output: normalised, swish: false, context: context)
        qkv.apply(input: UnsafePointer(normalised), height: 1, width: positions, output: qkvBuffer, context: context)
        // The attended values reuse the normalised-input buffer.
        let attended = SharedFloats(normalised)
        let q = SharedConstFloats(qkvBuffer)
        let k = SharedConstFloats(qkvBuffer + c * positions)
        let v = SharedConstFloats(qkvBuffer + 2 * c * positions)
        let s = SharedFloats(scores)
        let scale = 1 / Float(c).squareRoot()
        let items = (positions + Self.rowsPerItem - 1) / Self.rowsPerItem
        context.workers.forEach(items) { item, _ in
            let i0 = item * Self.rowsPerItem
            let rows = min(Self.rowsPerItem, positions - i0)
            let block = s[i0 * positions]
            // S[i, j] = scale * sum_ch q[ch, i] k[ch, j]
            cblas_sgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(rows), Int32(positions), Int32(c),
                scale, q[i0], Int32(positions), k.base, Int32(positions), 0, block, Int32(positions))
            for r in 0..<rows { Self.softmax(block + r * positions, count: positions) }
            // o[ch, i] = sum_j S[i, j] v[ch, j]
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(c), Int32(rows), Int32(positions),
                1, v.base, Int32(positions), UnsafePointer(block), Int32(positions), 0, attended[i0], Int32(positions))
        }
        out.apply(input: UnsafePointer(normalised), height: 1, width: positions, output: x, accumulate: true, context: context)
    }

    static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for j in 0..<count { maximum = max(maximum, row[j]) }
        var sum: Float = 0
        for j in 0..<count {
            let e = Foundation.exp(row[j] - maximum)
            row[j] = e
            sum += e
        }
        let inverse = 1 / sum
        for j in 0..<count { row[j] *= inverse }
    }
}
