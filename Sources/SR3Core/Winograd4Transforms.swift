#if canImport(_Builtin_intrinsics.intel)
    import _Builtin_intrinsics.intel
#endif

/// The input and output transforms of Winograd F(4x4, 3x3), vectorised along a tile row: the row splits and
/// the output's 4x4 transposes take four tiles at a time, the row and column combinations eight (they read
/// and write whole vectors of the phase arrays, so eight lanes need no shuffles and fit in the registers).
/// B^T = [[4,0,-5,0,1,0], [0,-4,-4,1,1,0], [0,4,-4,-1,1,0], [0,-2,-1,2,1,0], [0,2,-1,-2,1,0], [0,4,0,-5,0,1]],
/// A^T = [[1,1,1,1,1,0], [0,1,-1,2,-2,0], [0,1,1,4,4,0], [0,1,-1,8,-8,1]].
enum Winograd4 {
    typealias V = SIMD4<Float>
    typealias W = SIMD8<Float>

    /// Length of one phase array: tilesX + 1 entries, rounded up to whole vectors plus one vector, so the
    /// vector loops may run past the last tile (those lanes are never stored to V or the output).
    static func phaseLength(tilesX: Int) -> Int { (tilesX + 1 + 7) / 8 * 8 + 8 }

    /// Row buffers: 6 rows x 4 phases of input, 6 x 4 of row-transformed values, and 4 phases of zeros.
    static func rowFloats(tilesX: Int) -> Int { 52 * phaseLength(tilesX: tilesX) }

    /// V[6i + j][c][t] = (B^T d B)[i][j] for the 6x6 input patch d of tile t (rows 4ty-1 ... 4ty+4,
    /// columns 4tx-1 ... 4tx+4, zero outside). Each patch row is first split into its four column phases
    /// (phase p, entry k = column 4k + p - 1), so column 4tx - 1 + q of tile tx is phase q at k = tx for
    /// q < 4 and phase q - 4 at k = tx + 1 for q = 4, 5; both transforms are then plain vector operations.
    @inline(never)
    static func transformInput(
        _ input: ChannelPlanes, channels: Int, height: Int, width: Int, tilesX: Int,
        ty0: Int, ty1: Int, into v: UnsafeMutablePointer<Float>, stride: Int,
        rows: UnsafeMutablePointer<Float>
    ) {
        let n = phaseLength(tilesX: tilesX)
        let phases = rows
        let transformed = rows + 24 * n
        let zeros = rows + 48 * n
        zeros.update(repeating: 0, count: 4 * n)
        let block = channels * stride
        for c in 0..<channels {
            let plane = input.plane(c)
            for ty in ty0..<ty1 {
                // Input row iy keeps its phases in slot iy mod 6, so rows 4 and 5 of one tile row's patch,
                // which are rows 0 and 1 of the next one's, are split once.
                @inline(__always) func patchRow(_ r: Int) -> UnsafeMutablePointer<Float> {
                    let iy = 4 * ty - 1 + r
                    guard iy >= 0, iy < height else { return zeros }
                    let p = phases + 4 * n * ((iy + 6) % 6)
                    if r >= 2 || ty == ty0 { split(plane + iy * width, width: width, tilesX: tilesX, phases: p, n: n) }
                    return p
                }
                let d0 = patchRow(0)
                let d1 = patchRow(1)
                let d2 = patchRow(2)
                let d3 = patchRow(3)
                let d4 = patchRow(4)
                let d5 = patchRow(5)
                // Row combinations i = 0 ... 5 of B^T over all four phases at once: transformed[i][p][k]
                // (4n is a whole number of eight-lane vectors).
                var q = 0
                while q < 4 * n {
                    let t = combine(load8(d0 + q), load8(d1 + q), load8(d2 + q), load8(d3 + q), load8(d4 + q), load8(d5 + q))
                    let out = transformed + q
                    store(t.0, out)
                    store(t.1, out + 4 * n)
                    store(t.2, out + 8 * n)
                    store(t.3, out + 12 * n)
                    store(t.4, out + 16 * n)
                    store(t.5, out + 20 * n)
                    q += 8
                }
                // Column combinations of each transformed row, for groups of eight tiles, then four (the last
                // may be short).
                let base = v + c * stride + (ty - ty0) * tilesX
                for i in 0..<6 {
                    let row = transformed + 4 * i * n
                    let out = base + 6 * i * block
                    var tx = 0
                    while tx + 8 <= tilesX {
                        storeSix(columnCombination(row, n: n, tx: tx, as: W.self), out + tx, block: block)
                        tx += 8
                    }
                    while tx < tilesX {
                        let t = columnCombination(row, n: n, tx: tx, as: V.self)
                        if tx + 4 <= tilesX {
                            storeSix(t, out + tx, block: block)
                        } else {
                            storeEdge(t, out + tx, block: block, lanes: tilesX - tx)
                        }
                        tx += 4
                    }
                }
            }
        }
    }

    /// B^T applied to the six patch columns of tiles tx ..< tx + S.scalarCount of one row-transformed patch row
    /// (its four phases `n` apart).
    @inline(__always)
    private static func columnCombination<S: SIMD>(_ row: UnsafeMutablePointer<Float>, n: Int, tx: Int, as _: S.Type) -> (S, S, S, S, S, S)
    where S.Scalar == Float {
        combine(
            load(row + tx, as: S.self), load(row + n + tx, as: S.self), load(row + 2 * n + tx, as: S.self),
            load(row + 3 * n + tx, as: S.self), load(row + tx + 1, as: S.self), load(row + n + tx + 1, as: S.self))
    }

    /// Six vectors, `block` apart.
    @inline(__always)
    private static func storeSix<S: SIMD>(_ t: (S, S, S, S, S, S), _ out: UnsafeMutablePointer<Float>, block: Int)
    where S.Scalar == Float {
        store(t.0, out)
        store(t.1, out + block)
        store(t.2, out + 2 * block)
        store(t.3, out + 3 * block)
        store(t.4, out + 4 * block)
        store(t.5, out + 5 * block)
    }

    /// The last, short group of tiles of a row: six vectors, `lanes` lanes each, `block` apart.
    @inline(never)
    private static func storeEdge(_ t: (V, V, V, V, V, V), _ out: UnsafeMutablePointer<Float>, block: Int, lanes: Int) {
        for l in 0..<lanes {
            out[l] = t.0[l]
            out[block + l] = t.1[l]
            out[2 * block + l] = t.2[l]
            out[3 * block + l] = t.3[l]
            out[4 * block + l] = t.4[l]
            out[5 * block + l] = t.5[l]
        }
    }

    /// B^T applied to six values (rows or columns of a patch), lane by lane.
    @inline(__always)
    private static func combine<S: SIMD>(_ d0: S, _ d1: S, _ d2: S, _ d3: S, _ d4: S, _ d5: S) -> (S, S, S, S, S, S)
    where S.Scalar == Float {
        let four = S(repeating: 4)
        let five = S(repeating: 5)
        let a = d4 - four * d2
        let b = d3 - four * d1
        let c = d4 - d2
        let e = 2 * (d3 - d1)
        return (four * d0 - five * d2 + d4, a + b, a - b, c + e, c - e, four * d1 - five * d3 + d5)
    }

    /// phases[p * n + k] = row[4k + p - 1] for k = 0 ... tilesX (zero outside the row).
    @inline(__always)
    private static func split(
        _ row: UnsafePointer<Float>, width: Int, tilesX: Int, phases: UnsafeMutablePointer<Float>, n: Int
    ) {
        let p0 = phases
        let p1 = phases + n
        let p2 = phases + 2 * n
        let p3 = phases + 3 * n
        p0[0] = 0
        var k = 0
        // Four tiles (16 columns) at a time while the chunk is inside the row: the 4x4 transpose of the
        // tiles' column quadruples gives the phases.
        while 4 * k + 16 <= width {
            let q = transpose(load(row + 4 * k), load(row + 4 * k + 4), load(row + 4 * k + 8), load(row + 4 * k + 12))
            store(q.0, p1 + k)
            store(q.1, p2 + k)
            store(q.2, p3 + k)
            store(q.3, p0 + k + 1)
            k += 4
        }
        while k <= tilesX {
            let x = 4 * k
            p0[k] = x >= 1 && x - 1 < width ? row[x - 1] : 0
            p1[k] = x < width ? row[x] : 0
            p2[k] = x + 1 < width ? row[x + 1] : 0
            p3[k] = x + 2 < width ? row[x + 2] : 0
            k += 1
        }
    }

    /// Y = A^T M A for each tile of rows ty0 ..< ty1, plus `value`, written to one output plane. The 24
    /// vectors of A^T M go through `staged` (192 floats), so no stage holds more than ten vectors in registers.
    @inline(never)
    static func transformOutput(
        _ m: UnsafeMutablePointer<Float>, stride: Int, tilesX: Int, ty0: Int, ty1: Int,
        height: Int, width: Int, value: Float, into output: WinogradOutput, staged: UnsafeMutablePointer<Float>
    ) {
        let bias = V(repeating: value)
        let bias8 = W(repeating: value)
        for ty in ty0..<ty1 {
            let t0 = (ty - ty0) * tilesX
            let outputRows = min(4, height - 4 * ty)
            var tx = 0
            while tx < tilesX {
                if tx + 8 <= tilesX, 4 * (tx + 8) <= width {
                    // Eight whole tiles.
                    stage(m + t0 + tx, stride: stride, into: staged, as: W.self)
                    for r in 0..<outputRows {
                        let y = stagedRow(r, of: staged, as: W.self)
                        let start = (4 * ty + r) * width + 4 * tx
                        let y0 = y.0 + bias8
                        let y1 = y.1 + bias8
                        let y2 = y.2 + bias8
                        let y3 = y.3 + bias8
                        // Tiles 0-3 and 4-7 are the low and high halves: a 4x4 transpose each.
                        let low = transpose(y0.lowHalf, y1.lowHalf, y2.lowHalf, y3.lowHalf)
                        output.put(low.0, start)
                        output.put(low.1, start + 4)
                        output.put(low.2, start + 8)
                        output.put(low.3, start + 12)
                        let high = transpose(y0.highHalf, y1.highHalf, y2.highHalf, y3.highHalf)
                        output.put(high.0, start + 16)
                        output.put(high.1, start + 20)
                        output.put(high.2, start + 24)
                        output.put(high.3, start + 28)
                    }
                    tx += 8
                    continue
                }
                let lanes = min(4, tilesX - tx)
                stage(m + t0 + tx, stride: stride, into: staged, as: V.self)
                for r in 0..<outputRows {
                    let y = stagedRow(r, of: staged, as: V.self)
                    let start = (4 * ty + r) * width + 4 * tx
                    if lanes == 4, 4 * (tx + 4) <= width {
                        // Tile l's four columns are lane l of y.0 ... y.3: a 4x4 transpose.
                        let columns = transpose(y.0 + bias, y.1 + bias, y.2 + bias, y.3 + bias)
                        output.put(columns.0, start)
                        output.put(columns.1, start + 4)
                        output.put(columns.2, start + 8)
                        output.put(columns.3, start + 12)
                    } else {
                        putEdge(y, value: value, lanes: lanes, firstColumn: 4 * tx, width: width, start: start, into: output)
                    }
                }
                tx += 4
            }
        }
    }

    /// staged[n(6r + j) + l] = (A^T M)[r][j] of tile l, for the n = S.scalarCount tiles whose products start at
    /// `products` (point e of a tile is `e * stride` further on).
    @inline(__always)
    private static func stage<S: SIMD>(
        _ products: UnsafeMutablePointer<Float>, stride: Int, into staged: UnsafeMutablePointer<Float>, as _: S.Type
    ) where S.Scalar == Float {
        let n = S.scalarCount
        var column = products
        for j in 0..<6 {
            let s = outputCombine(
                load(column, as: S.self), load(column + 6 * stride, as: S.self), load(column + 12 * stride, as: S.self),
                load(column + 18 * stride, as: S.self), load(column + 24 * stride, as: S.self), load(column + 30 * stride, as: S.self))
            store(s.0, staged + n * j)
            store(s.1, staged + n * (6 + j))
            store(s.2, staged + n * (12 + j))
            store(s.3, staged + n * (18 + j))
            column += stride
        }
    }

    /// Output row r of the staged tiles, (A^T M)[r] A: vector k holds column k of every tile.
    @inline(__always)
    private static func stagedRow<S: SIMD>(_ r: Int, of staged: UnsafeMutablePointer<Float>, as _: S.Type) -> (S, S, S, S)
    where S.Scalar == Float {
        let n = S.scalarCount
        let row = staged + 6 * n * r
        return outputCombine(
            load(row, as: S.self), load(row + n, as: S.self), load(row + 2 * n, as: S.self), load(row + 3 * n, as: S.self),
            load(row + 4 * n, as: S.self), load(row + 5 * n, as: S.self))
    }

    /// The tiles at the right edge: only the columns inside the plane.
    @inline(never)
    private static func putEdge(
        _ y: (V, V, V, V), value: Float, lanes: Int, firstColumn: Int, width: Int, start: Int, into output: WinogradOutput
    ) {
        for l in 0..<lanes {
            let x = firstColumn + 4 * l
            output.put(y.0[l] + value, start + 4 * l)
            if x + 1 < width { output.put(y.1[l] + value, start + 4 * l + 1) }
            if x + 2 < width { output.put(y.2[l] + value, start + 4 * l + 2) }
            if x + 3 < width { output.put(y.3[l] + value, start + 4 * l + 3) }
        }
    }

    /// A^T applied to six values, lane by lane.
    @inline(__always)
    private static func outputCombine<S: SIMD>(_ m0: S, _ m1: S, _ m2: S, _ m3: S, _ m4: S, _ m5: S) -> (S, S, S, S)
    where S.Scalar == Float {
        let sum12 = m1 + m2
        let difference12 = m1 - m2
        let sum34 = m3 + m4
        let difference34 = m3 - m4
        return (
            m0 + sum12 + sum34, difference12 + 2 * difference34, sum12 + 4 * sum34,
            difference12 + 8 * difference34 + m5
        )
    }

    /// The 4x4 transpose: result i holds lane i of a, b, c, d. On x86 with SSE's unpack and move
    /// instructions (the compiler turns the element-wise form into slow insert chains).
    @inline(__always)
    private static func transpose(_ a: V, _ b: V, _ c: V, _ d: V) -> (V, V, V, V) {
        #if canImport(_Builtin_intrinsics.intel)
            let abLow = _mm_unpacklo_ps(a, b)
            let cdLow = _mm_unpacklo_ps(c, d)
            let abHigh = _mm_unpackhi_ps(a, b)
            let cdHigh = _mm_unpackhi_ps(c, d)
            return (
                _mm_movelh_ps(abLow, cdLow), _mm_movehl_ps(cdLow, abLow), _mm_movelh_ps(abHigh, cdHigh),
                _mm_movehl_ps(cdHigh, abHigh)
            )
        #else
            return (V(a[0], b[0], c[0], d[0]), V(a[1], b[1], c[1], d[1]), V(a[2], b[2], c[2], d[2]), V(a[3], b[3], c[3], d[3]))
        #endif
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    private static func load(_ p: UnsafeMutablePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    private static func load8(_ p: UnsafeMutablePointer<Float>) -> W { load(p, as: W.self) }

    @inline(__always)
    private static func load<S: SIMD>(_ p: UnsafeMutablePointer<Float>, as _: S.Type) -> S where S.Scalar == Float {
        UnsafeRawPointer(p).loadUnaligned(as: S.self)
    }

    @inline(__always)
    private static func store<S: SIMD>(_ value: S, _ p: UnsafeMutablePointer<Float>) where S.Scalar == Float {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: S.self)
    }
}
