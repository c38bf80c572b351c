import COpenBLAS
import Foundation

/// How 3x3 stride-1 convolutions are computed. Both give results within float rounding of each other
/// (well inside the 1e-4 fixtures); each is bit-identical for any thread count and batch composition.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    /// Winograd: F(4x4, 3x3) on planes of 16x16 and more (36 multiplies per 4x4 outputs and channel pair
    /// instead of 144, 4x fewer), F(2x2, 3x3) below (16 per 2x2 instead of 36); see `WinogradTile`.
    case winograd
    /// im2col + sgemm, the original path.
    case im2col

    /// `SR3CORE_CONV=im2col` selects the original path for a whole process; default Winograd.
    public static let standard: ConvolutionAlgorithm = {
        guard let text = ProcessInfo.processInfo.environment["SR3CORE_CONV"] else { return .winograd }
        return ConvolutionAlgorithm(rawValue: text) ?? .winograd
    }()
}

/// The output tile of a Winograd convolution: F(2x2, 3x3) or F(4x4, 3x3) (Lavin & Gray 2016). Each tile
/// takes an (m+2)x(m+2) input patch; F(4x4) needs 36 multiplies per 16 outputs instead of 16 per 4.
enum WinogradTile: Int, Sendable, CaseIterable {
    case two = 2
    case four = 4

    /// Input patch side, m + 2.
    var alpha: Int { rawValue + 2 }
    /// Transformed points per tile, one sgemm each.
    var points: Int { alpha * alpha }

    /// F(4x4) for planes of at least 16x16; on smaller planes its few tiles leave the larger transformed
    /// kernels to be read for little work, so F(2x2) is faster there.
    static func forPlane(side: Int) -> WinogradTile { side >= 16 ? .four : .two }

    /// G, alpha x 3, of U = G g G^T.
    fileprivate var kernelTransform: [[Double]] {
        switch self {
        case .two: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        case .four:
            [
                [1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1],
            ]
        }
    }
}

/// The transformed kernels of a 3x3 convolution, U = G g G^T (computed in double, rounded once), laid out
/// [alpha^2][cout][cin] so each of the alpha^2 products is one sgemm.
struct WinogradWeights: Sendable {
    let tile: WinogradTile
    let u: [Float]

    init(weight: [Float], outChannels: Int, inChannels: Int, tile: WinogradTile) {
        self.tile = tile
        let g = tile.kernelTransform
        let alpha = tile.alpha
        let plane = outChannels * inChannels
        var u = [Float](repeating: 0, count: tile.points * plane)
        var gk = [Double](repeating: 0, count: alpha * 3)
        for o in 0..<outChannels {
            for i in 0..<inChannels {
                let k = (o * inChannels + i) * 9
                // G g (alpha x 3), then (G g) G^T (alpha x alpha).
                for r in 0..<alpha {
                    for c in 0..<3 {
                        var sum = 0.0
                        for j in 0..<3 { sum += g[r][j] * Double(weight[k + 3 * j + c]) }
                        gk[3 * r + c] = sum
                    }
                }
                for r in 0..<alpha {
                    for c in 0..<alpha {
                        var sum = 0.0
                        for j in 0..<3 { sum += gk[3 * r + j] * g[c][j] }
                        u[(alpha * r + c) * plane + o * inChannels + i] = Float(sum)
                    }
                }
            }
        }
        self.u = u
    }
}

/// Winograd F(m x m, 3x3) for 3x3, stride 1, pad 1. The output is cut into m x m tiles; a work item is a
/// block of whole tile rows (and, when there are few blocks, a share of the output channels). Per item:
/// the input tiles are transformed (V = B^T d B, vectorised along a tile row), alpha^2 sgemms multiply
/// them with U, and the products are transformed back (Y = A^T M A) onto the output.
/// Blocks and splits depend only on the shapes, so results are the same for any number of workers.
extension ConvWeights {
    struct WinogradPlan {
        let tile: WinogradTile
        let tilesX: Int
        let tilesY: Int
        let rowsPerBlock: Int
        let blocks: Int
        let channelSplits: Int
        let channelsPerSplit: Int
        var tilesPerBlock: Int { rowsPerBlock * tilesX }
        /// Floats of the per-row buffers of the input transform.
        var rowFloats: Int { tile == .four ? Winograd4.rowFloats(tilesX: tilesX) : 16 * (tilesX + 1) }
        /// Scratch floats per worker: V [alpha^2][cin][T], M [alpha^2][split][T], the row buffers.
        func scratchFloats(inChannels: Int) -> Int {
            tile.points * (inChannels + channelsPerSplit) * tilesPerBlock + rowFloats
        }
    }

    func winogradPlan(_ tile: WinogradTile, height: Int, width: Int) -> WinogradPlan {
        let tilesX = (width + tile.rawValue - 1) / tile.rawValue
        let tilesY = (height + tile.rawValue - 1) / tile.rawValue
        // About 128K floats of transformed input per block keeps V in L2 while the sgemms stay wide. F(4x4)
        // takes smaller blocks (72K floats): its 36 products are narrower, and a 128x128 plane at 32 channels
        // then splits into 16 blocks, which two threads share evenly (measured on the bench models).
        let budget = tile == .four ? 73_728 : 131_072
        let target = max(32, min(256, budget / tile.points / max(1, inChannels)))
        let rowsPerBlock = max(1, min(tilesY, target / max(1, tilesX)))
        let blocks = (tilesY + rowsPerBlock - 1) / rowsPerBlock
        let channelSplits = blocks >= 4 || outChannels < 32 ? 1 : (blocks >= 2 ? 2 : 4)
        let channelsPerSplit = (outChannels + channelSplits - 1) / channelSplits
        return WinogradPlan(
            tile: tile, tilesX: tilesX, tilesY: tilesY, rowsPerBlock: rowsPerBlock, blocks: blocks,
            channelSplits: channelSplits, channelsPerSplit: channelsPerSplit)
    }

    func applyWinograd(
        _ u: WinogradWeights, input: ChannelPlanes, height: Int, width: Int, output: UnsafeMutablePointer<Float>,
        extraBias: UnsafePointer<Float>?, accumulate: Bool, addend: UnsafePointer<Float>?, context: KernelContext
    ) {
        let plan = winogradPlan(u.tile, height: height, width: width)
        let points = u.tile.points
        let dst = SharedFloats(output)
        let extra = extraBias.map(SharedConstFloats.init)
        let add = addend.map(SharedConstFloats.init)
        let cin = inChannels
        let cout = outChannels
        let planeSize = height * width
        context.workers.forEach(plan.blocks * plan.channelSplits) { item, worker in
            let block = item / plan.channelSplits
            let split = item % plan.channelSplits
            let c0 = split * plan.channelsPerSplit
            let c1 = min(cout, c0 + plan.channelsPerSplit)
            guard c1 > c0 else { return }
            let ty0 = block * plan.rowsPerBlock
            let ty1 = min(plan.tilesY, ty0 + plan.rowsPerBlock)
            let tiles = (ty1 - ty0) * plan.tilesX
            let scratch = context.columns(worker)
            let v = scratch
            let m = v + points * cin * plan.tilesPerBlock
            let rows = m + points * plan.channelsPerSplit * plan.tilesPerBlock
            switch u.tile {
            case .two:
                Self.transformInput(
                    input, channels: cin, height: height, width: width, tilesX: plan.tilesX,
                    ty0: ty0, ty1: ty1, into: v, stride: tiles, rows: rows)
            case .four:
                Winograd4.transformInput(
                    input, channels: cin, height: height, width: width, tilesX: plan.tilesX,
                    ty0: ty0, ty1: ty1, into: v, stride: tiles, rows: rows)
            }
            let splitChannels = c1 - c0
            u.u.withUnsafeBufferPointer { weights in
                guard let w = weights.baseAddress else { return }
                for e in 0..<points {
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(splitChannels), Int32(tiles), Int32(cin),
                        1, w + e * cout * cin + c0 * cin, Int32(cin),
                        v + e * cin * tiles, Int32(tiles),
                        0, m + e * splitChannels * tiles, Int32(tiles))
                }
            }
            for c in c0..<c1 {
                let value = (bias?[c] ?? 0) + (extra?.base[c] ?? 0)
                let products = m + (c - c0) * tiles
                let target = WinogradOutput(
                    plane: dst[c * planeSize], addend: add.map { $0[c * planeSize] }, accumulate: accumulate)
                switch u.tile {
                case .two:
                    Self.transformOutput(
                        products, stride: splitChannels * tiles, tilesX: plan.tilesX, ty0: ty0, ty1: ty1,
                        height: height, width: width, value: value, into: target)
                case .four:
                    Winograd4.transformOutput(
                        products, stride: splitChannels * tiles, tilesX: plan.tilesX, ty0: ty0, ty1: ty1,
                        height: height, width: width, value: value, into: target, staged: rows)
                }
            }
        }
    }

    /// V[4i + j][c][t] = (B^T d B)[i][j] for the 4x4 input patch d of tile t (rows 2ty-1 ... 2ty+2,
    /// columns 2tx-1 ... 2tx+2, zero outside). B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]].
    /// The patch rows are split into even and odd columns first, so both the row and the column
    /// combinations are plain vector operations along the tile row.
    private static func transformInput(
        _ input: ChannelPlanes, channels: Int, height: Int, width: Int, tilesX: Int,
        ty0: Int, ty1: Int, into v: UnsafeMutablePointer<Float>, stride: Int,
        rows: UnsafeMutablePointer<Float>
    ) {
        let n = tilesX + 1
        // even[r][k] = d_r at column 2k - 1, odd[r][k] = d_r at column 2k, k = 0 ... tilesX.
        let even = rows
        let odd = rows + 4 * n
        let block = channels * stride
        for c in 0..<channels {
            let plane = input.plane(c)
            for ty in ty0..<ty1 {
                for r in 0..<4 {
                    let iy = 2 * ty - 1 + r
                    let e = even + r * n
                    let o = odd + r * n
                    if iy < 0 || iy >= height {
                        e.update(repeating: 0, count: n)
                        o.update(repeating: 0, count: n)
                    } else {
                        split(plane + iy * width, width: width, tilesX: tilesX, even: e, odd: o)
                    }
                }
                let base = v + c * stride + (ty - ty0) * tilesX
                // Row combination i of B^T: rows 0 - 2, 1 + 2, 2 - 1, 1 - 3.
                combine(even, odd, n: n, x: 0, y: 2, sign: -1, tilesX: tilesX, out: base, block: block)
                combine(even, odd, n: n, x: 1, y: 2, sign: 1, tilesX: tilesX, out: base + 4 * block, block: block)
                combine(even, odd, n: n, x: 2, y: 1, sign: -1, tilesX: tilesX, out: base + 8 * block, block: block)
                combine(even, odd, n: n, x: 1, y: 3, sign: -1, tilesX: tilesX, out: base + 12 * block, block: block)
            }
        }
    }

    /// even[k] = row[2k - 1], odd[k] = row[2k] for k = 0 ... tilesX (zero outside the row).
    @inline(__always)
    private static func split(
        _ row: UnsafePointer<Float>, width: Int, tilesX: Int,
        even: UnsafeMutablePointer<Float>, odd: UnsafeMutablePointer<Float>
    ) {
        even[0] = 0
        var k = 0
        // Eight tiles (sixteen columns) at a time while the whole chunk is inside the row.
        while 2 * k + 16 <= width {
            let chunk = UnsafeRawPointer(row + 2 * k).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(odd + k).storeBytes(of: chunk.evenHalf, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(even + k + 1).storeBytes(of: chunk.oddHalf, as: SIMD8<Float>.self)
            k += 8
        }
        while k < tilesX + 1 {
            let x = 2 * k
            odd[k] = x < width ? row[x] : 0
            if k < tilesX { even[k + 1] = x + 1 < width ? row[x + 1] : 0 }
            k += 1
        }
    }

    /// The four column combinations of row combination (row x + sign * row y) for every tile of a row.
    @inline(__always)
    private static func combine(
        _ even: UnsafeMutablePointer<Float>, _ odd: UnsafeMutablePointer<Float>, n: Int, x: Int, y: Int,
        sign: Float, tilesX: Int, out: UnsafeMutablePointer<Float>, block: Int
    ) {
        let ex = even + x * n
        let ey = even + y * n
        let ox = odd + x * n
        let oy = odd + y * n
        let out0 = out
        let out1 = out + block
        let out2 = out + 2 * block
        let out3 = out + 3 * block
        var tx = 0
        typealias V = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafeMutablePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func store(_ value: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: value, as: V.self) }
        let s = V(repeating: sign)
        while tx + 8 <= tilesX {
            // Patch columns 0 ... 3 are the even, odd, next even and next odd taps.
            let ea = load(ex + tx) + s * load(ey + tx)
            let oa = load(ox + tx) + s * load(oy + tx)
            let eb = load(ex + tx + 1) + s * load(ey + tx + 1)
            let ob = load(ox + tx + 1) + s * load(oy + tx + 1)
            store(ea - eb, out0 + tx)
            store(oa + eb, out1 + tx)
            store(eb - oa, out2 + tx)
            store(oa - ob, out3 + tx)
            tx += 8
        }
        while tx < tilesX {
            let ea = ex[tx] + sign * ey[tx]
            let oa = ox[tx] + sign * oy[tx]
            let eb = ex[tx + 1] + sign * ey[tx + 1]
            let ob = ox[tx + 1] + sign * oy[tx + 1]
            out0[tx] = ea - eb
            out1[tx] = oa + eb
            out2[tx] = eb - oa
            out3[tx] = oa - ob
            tx += 1
        }
    }

    /// Y = A^T M A for each tile of rows ty0 ..< ty1, A^T = [[1,1,1,0],[0,1,-1,-1]], plus `value`, written to
    /// one output plane (added to it when `accumulate`, to `addend` when given).
    private static func transformOutput(
        _ m: UnsafeMutablePointer<Float>, stride: Int, tilesX: Int, ty0: Int, ty1: Int,
        height: Int, width: Int, value: Float, into output: WinogradOutput
    ) {
        typealias V = SIMD8<Float>
        @inline(__always) func load(_ e: Int, _ t: Int) -> V { UnsafeRawPointer(m + e * stride + t).loadUnaligned(as: V.self) }
        let bias = V(repeating: value)
        // Two output rows of eight tiles at a time: y[r][k] for tiles t ... t+7.
        var y00 = V()
        var y01 = V()
        var y10 = V()
        var y11 = V()
        for ty in ty0..<ty1 {
            let t0 = (ty - ty0) * tilesX
            let row0 = 2 * ty * width
            let hasSecondRow = 2 * ty + 1 < height
            var tx = 0
            while tx < tilesX {
                let lanes = min(8, tilesX - tx)
                let t = t0 + tx
                if lanes == 8 {
                    // s_r,j = (A^T M)[r][j]
                    let m4 = load(4, t)
                    let m5 = load(5, t)
                    let m6 = load(6, t)
                    let m7 = load(7, t)
                    let m8 = load(8, t)
                    let m9 = load(9, t)
                    let m10 = load(10, t)
                    let m11 = load(11, t)
                    let s00 = load(0, t) + m4 + m8
                    let s01 = load(1, t) + m5 + m9
                    let s02 = load(2, t) + m6 + m10
                    let s03 = load(3, t) + m7 + m11
                    let s10 = m4 - m8 - load(12, t)
                    let s11 = m5 - m9 - load(13, t)
                    let s12 = m6 - m10 - load(14, t)
                    let s13 = m7 - m11 - load(15, t)
                    y00 = s00 + s01 + s02 + bias
                    y01 = s01 - s02 - s03 + bias
                    y10 = s10 + s11 + s12 + bias
                    y11 = s11 - s12 - s13 + bias
                } else {
                    for l in 0..<lanes {
                        @inline(__always) func at(_ e: Int) -> Float { m[e * stride + t + l] }
                        let s00 = at(0) + at(4) + at(8)
                        let s01 = at(1) + at(5) + at(9)
                        let s02 = at(2) + at(6) + at(10)
                        let s03 = at(3) + at(7) + at(11)
                        let s10 = at(4) - at(8) - at(12)
                        let s11 = at(5) - at(9) - at(13)
                        let s12 = at(6) - at(10) - at(14)
                        let s13 = at(7) - at(11) - at(15)
                        y00[l] = s00 + s01 + s02 + value
                        y01[l] = s01 - s02 - s03 + value
                        y10[l] = s10 + s11 + s12 + value
                        y11[l] = s11 - s12 - s13 + value
                    }
                }
                if lanes == 8, 2 * (tx + 8) <= width, hasSecondRow {
                    // Interleave the tiles' two columns into sixteen contiguous outputs per row.
                    output.put(interleave(y00, y01), row0 + 2 * tx)
                    output.put(interleave(y10, y11), row0 + width + 2 * tx)
                } else {
                    for l in 0..<lanes {
                        let x = 2 * (tx + l)
                        let hasSecondColumn = x + 1 < width
                        output.put(y00[l], row0 + x)
                        if hasSecondColumn { output.put(y01[l], row0 + x + 1) }
                        if hasSecondRow {
                            output.put(y10[l], row0 + width + x)
                            if hasSecondColumn { output.put(y11[l], row0 + width + x + 1) }
                        }
                    }
                }
                tx += lanes
            }
        }
    }

    @inline(__always)
    private static func interleave(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD16<Float> {
        SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
    }
}
