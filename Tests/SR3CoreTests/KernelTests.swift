import XCTest

@testable import SR3Core

/// The tiled im2col and Winograd convolutions and the two-buffer GroupNorm against plain loops, on odd
/// sizes where tiles cut rows at arbitrary points.
final class KernelTests: XCTestCase {
    func testTiledConvolutionMatchesDirectLoops() {
        var rng = NormalRNG(seed: 21)
        for (kernel, stride, height, width, cin, cout) in [
            (3, 1, 7, 13, 5, 18), (3, 2, 10, 14, 5, 18), (1, 1, 9, 11, 5, 18),
            (3, 1, 20, 48, 5, 18), (3, 1, 1, 1, 3, 40), (3, 1, 9, 2, 70, 33),
            (3, 1, 64, 64, 32, 32), (3, 1, 8, 8, 96, 64), (3, 1, 33, 70, 7, 9), (3, 1, 130, 67, 4, 3),
        ] {
            // Weights scaled as in a trained network, so outputs stay near 1 and 1e-4 is a relative bound too.
            let scale = 1 / Float(cin * kernel * kernel).squareRoot()
            let weight = rng.normals(cout * cin * kernel * kernel).map { $0 * scale }
            let bias = rng.normals(cout)
            let input = rng.normals(cin * height * width)
            let out = conv(kernel, stride, cin, cout, weight, bias, .two).outputSize(height: height, width: width)
            let expected = naiveConvolution(conv(kernel, stride, cin, cout, weight, bias, .two), input, height, width)
            for tile in WinogradTile.allCases {
                let conv = conv(kernel, stride, cin, cout, weight, bias, tile)
                XCTAssertEqual(conv.winograd?.tile, kernel == 3 && stride == 1 ? tile : nil)
                for algorithm in ConvolutionAlgorithm.allCases {
                    var results: [[Float]] = []
                    for threads in [1, 2] {
                        let result = run(conv, input, height, width, threads: threads, algorithm: algorithm)
                        XCTAssertEqual(result.count, cout * out.height * out.width)
                        XCTAssertLessThan(
                            maxAbsDifference(result, expected), 1e-4,
                            "k\(kernel) s\(stride) \(height)x\(width), \(threads) thread(s), \(algorithm), F(\(tile.rawValue)x\(tile.rawValue))")
                        results.append(result)
                    }
                    XCTAssertEqual(results[0], results[1], "bit-identical for 1 and 2 threads, \(algorithm), tile \(tile)")
                }
            }
        }
    }

    /// Each 3x3 stride-1 convolution of a U-Net gets F(4x4) on planes of 16x16 and more and F(2x2) below,
    /// judged by the plane it runs on at the config's image size.
    func testUNetGivesEachConvolutionTheTileOfItsPlane() throws {
        let config = UNetConfig(
            inChannel: 6, innerChannel: 8, channelMults: [1, 2, 2], resBlocks: 1, attnRes: [], normGroups: 4, imageSize: 32)
        let tensors = UNet.expectedTensorShapes(for: config).mapValues {
            NamedTensor(shape: $0, values: [Float](repeating: 0.01, count: $0.reduce(1, *)))
        }
        let unet = try UNet(config: config, tensors: tensors)
        var tiles: [String] = []
        func note(_ conv: ConvWeights, _ name: String) {
            if let tile = conv.winograd?.tile { tiles.append("\(name):\(tile.rawValue)") }
        }
        for layer in unet.downs {
            switch layer {
            case .stem(let conv): note(conv, "stem")
            case .resnet(let block): note(block.resnet.block1.conv, "down")
            case .downsample(let conv): note(conv, "downsample")
            case .upsample(let conv): note(conv, "upsample")
            }
        }
        note(unet.mid[0].resnet.block1.conv, "mid")
        for layer in unet.ups {
            switch layer {
            case .resnet(let block): note(block.resnet.block1.conv, "up")
            case .upsample(let conv): note(conv, "upsample")
            case .stem, .downsample: break
            }
        }
        note(unet.final.conv, "final")
        // Planes: 32, 32, (down) 16, (down) 8, mid 8; up 8, 8, upsample to 16, 16, 16, upsample to 32, 32, 32, final 32.
        XCTAssertEqual(
            tiles,
            [
                "stem:4", "down:4", "down:4", "down:2", "mid:2", "up:2", "up:2", "upsample:4", "up:4", "up:4", "upsample:4",
                "up:4", "up:4", "final:4",
            ])
    }

    /// Every workspace buffer and every worker's scratch starts on a 64-byte cache line, whatever the sizes
    /// (eight-lane stores from a merely 16-byte-aligned start straddle two lines every other time).
    func testWorkspaceBuffersStartOnCacheLines() throws {
        let config = UNetConfig(
            inChannel: 6, innerChannel: 6, channelMults: [1, 3], resBlocks: 1, attnRes: [10], normGroups: 3, imageSize: 20)
        let unet = try UNet(config: config, tensors: RandomWeights.tensors(for: config, seed: 5))
        for threads in [1, 2, 3] {
            let ws = UNetWorkspace(unet: unet, height: 20, width: 20, threads: threads)
            let buffers =
                ws.skips + [ws.ping, ws.pong, ws.normalised, ws.hidden, ws.attention, ws.extraBias]
                + (0..<threads).map { ws.context.columns($0) }
            for (index, buffer) in buffers.enumerated() {
                XCTAssertEqual(Int(bitPattern: buffer) % 64, 0, "buffer \(index) of \(buffers.count), \(threads) thread(s)")
            }
        }
    }

    /// The Winograd path also adds onto the output or an addend exactly as the bias-only path writes.
    func testWinogradAccumulatesAndAddsLikeThePlainPath() {
        var rng = NormalRNG(seed: 23)
        let (height, width, cin, cout) = (37, 45, 6, 5)
        let weight = rng.normals(cout * cin * 9).map { $0 / 7 }
        let bias = rng.normals(cout)
        let input = Buffer(rng.normals(cin * height * width))
        let addend = rng.normals(cout * height * width)
        for tile in WinogradTile.allCases {
            let conv = conv(3, 1, cin, cout, weight, bias, tile)
            let capacity = conv.scratchFloats(height: height, width: width, algorithm: .winograd)
            let columns = Buffer(count: capacity)
            let context = KernelContext(
                workers: Workers(1), columnBase: SharedFloats(columns.pointer), columnCapacity: capacity, algorithm: .winograd)
            let plain = Buffer(count: addend.count)
            conv.apply(input: input.pointer, height: height, width: width, output: plain.pointer, context: context)
            let accumulated = Buffer(addend)
            conv.apply(input: input.pointer, height: height, width: width, output: accumulated.pointer, accumulate: true, context: context)
            let added = Buffer(count: addend.count)
            let addendBuffer = Buffer(addend)
            conv.apply(
                input: input.pointer, height: height, width: width, output: added.pointer, addend: addendBuffer.pointer,
                context: context)
            let expected = zip(plain.values, addend).map { $0 + $1 }
            XCTAssertEqual(accumulated.values, expected, "accumulate, tile \(tile)")
            XCTAssertEqual(added.values, expected, "addend, tile \(tile)")
        }
    }

    private func conv(
        _ kernel: Int, _ stride: Int, _ cin: Int, _ cout: Int, _ weight: [Float], _ bias: [Float], _ tile: WinogradTile
    ) -> ConvWeights {
        ConvWeights(
            outChannels: cout, inChannels: cin, kernel: kernel, stride: stride, weight: weight, bias: bias, winogradTile: tile)
    }

    func testGroupNormOverTwoBuffersEqualsOneBuffer() {
        var rng = NormalRNG(seed: 22)
        let (first, second, plane) = (6, 10, 35)
        let norm = GroupNormWeights(channels: first + second, groups: 4, weight: rng.normals(16), bias: rng.normals(16))
        let a = rng.normals(first * plane).map { $0 + 3 }
        let b = rng.normals(second * plane)
        let joined = a + b
        let joinedBuffer = Buffer(joined)
        let aBuffer = Buffer(a)
        let bBuffer = Buffer(b)
        let fromOneBuffer = Buffer(count: joined.count)
        let fromTwoBuffer = Buffer(count: joined.count)
        let context = KernelContext(
            workers: Workers(2), columnBase: SharedFloats(fromOneBuffer.pointer), columnCapacity: 0,
            algorithm: .im2col)
        norm.apply(input: ChannelPlanes(joinedBuffer.pointer, planeSize: plane), output: fromOneBuffer.pointer, swish: true, context: context)
        norm.apply(
            input: ChannelPlanes(aBuffer.pointer, channels: first, then: bBuffer.pointer, planeSize: plane),
            output: fromTwoBuffer.pointer, swish: true, context: context)
        let fromOne = fromOneBuffer.values
        let fromTwo = fromTwoBuffer.values
        XCTAssertLessThan(maxAbsDifference(fromOne, fromTwo), 1e-5)
        // And against the definition for the group that straddles the two buffers (channels 4...7).
        let group = Array(joined[(4 * plane)..<(8 * plane)])
        let mean = group.reduce(0, +) / Float(group.count)
        let variance = group.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(group.count)
        let c = 5
        let x = joined[c * plane + 3]
        let y = (x - mean) / (variance + 1e-5).squareRoot() * norm.weight[c] + norm.bias[c]
        XCTAssertEqual(fromTwo[c * plane + 3], y / (1 + exp(-y)), accuracy: 1e-5)
    }

    private func run(
        _ conv: ConvWeights, _ input: [Float], _ height: Int, _ width: Int, threads: Int,
        algorithm: ConvolutionAlgorithm
    ) -> [Float] {
        let out = conv.outputSize(height: height, width: width)
        let capacity = max(1, conv.scratchFloats(height: height, width: width, algorithm: algorithm))
        let columns = Buffer(count: capacity * threads)
        let context = KernelContext(
            workers: Workers(threads), columnBase: SharedFloats(columns.pointer), columnCapacity: capacity,
            algorithm: algorithm)
        let source = Buffer(input)
        let result = Buffer(count: conv.outChannels * out.height * out.width)
        conv.apply(input: source.pointer, height: height, width: width, output: result.pointer, context: context)
        return result.values
    }

    private func naiveConvolution(_ conv: ConvWeights, _ input: [Float], _ height: Int, _ width: Int) -> [Float] {
        let out = conv.outputSize(height: height, width: width)
        let k = conv.kernel
        let pad = k / 2
        var result = [Float](repeating: 0, count: conv.outChannels * out.height * out.width)
        for o in 0..<conv.outChannels {
            for oy in 0..<out.height {
                for ox in 0..<out.width {
                    var sum = conv.bias?[o] ?? 0
                    for c in 0..<conv.inChannels {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let iy = oy * conv.stride + ky - pad
                                let ix = ox * conv.stride + kx - pad
                                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                sum += conv.weight[((o * conv.inChannels + c) * k + ky) * k + kx] * input[(c * height + iy) * width + ix]
                            }
                        }
                    }
                    result[(o * out.height + oy) * out.width + ox] = sum
                }
            }
        }
        return result
    }
}

/// Owned float storage for calling the pointer-based kernels from tests.
private final class Buffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }

    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for (i, v) in values.enumerated() { pointer[i] = v }
    }

    var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    deinit { pointer.deallocate() }
}
