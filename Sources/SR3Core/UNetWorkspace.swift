import COpenBLAS

/// Every buffer one forward pass of a given image size needs, allocated once and reused across
/// passes (a sampler runs 100 of them). Not shared between threads that run different images.
final class UNetWorkspace {
    let height: Int
    let width: Int
    let threads: Int
    /// One slot per `downs` output (the skip connections).
    let skips: [UnsafeMutablePointer<Float>]
    let ping: UnsafeMutablePointer<Float>
    let pong: UnsafeMutablePointer<Float>
    let normalised: UnsafeMutablePointer<Float>
    let hidden: UnsafeMutablePointer<Float>
    let attention: UnsafeMutablePointer<Float>
    let extraBias: UnsafeMutablePointer<Float>
    let context: KernelContext
    private let allocation: UnsafeMutableRawPointer

    init(unet: UNet, height: Int, width: Int, threads: Int, algorithm: ConvolutionAlgorithm = .standard) {
        self.height = height
        self.width = width
        self.threads = max(1, threads)
        var skipSizes: [Int] = []
        var activation = 0
        var attentionFloats = 0
        var columnFloats = 0
        var maxChannels = unet.config.innerChannel
        var h = height
        var w = width
        func conv(_ weights: ConvWeights, _ ch: Int, _ cw: Int) {
            columnFloats = max(columnFloats, weights.scratchFloats(height: ch, width: cw, algorithm: algorithm))
            maxChannels = max(maxChannels, weights.outChannels)
        }
        func block(_ b: ResnetBlockWithAttention) {
            activation = max(activation, max(b.resnet.inChannels, b.resnet.outChannels) * h * w)
            conv(b.resnet.block1.conv, h, w)
            conv(b.resnet.block2.conv, h, w)
            if let r = b.resnet.residual { conv(r, h, w) }
            if let a = b.attention {
                attentionFloats = max(attentionFloats, SelfAttention.scratchFloats(channels: a.channels, positions: h * w))
                conv(a.qkv, 1, h * w)
                conv(a.out, 1, h * w)
            }
        }
        for layer in unet.downs {
            switch layer {
            case .stem(let weights):
                conv(weights, h, w)
                skipSizes.append(weights.outChannels * h * w)
            case .resnet(let b):
                block(b)
                skipSizes.append(b.resnet.outChannels * h * w)
            case .downsample(let weights):
                conv(weights, h, w)
                h /= 2
                w /= 2
                skipSizes.append(weights.outChannels * h * w)
            case .upsample: break
            }
            activation = max(activation, skipSizes.last ?? 0)
        }
        unet.mid.forEach(block)
        for layer in unet.ups {
            switch layer {
            case .resnet(let b): block(b)
            case .upsample(let weights):
                h *= 2
                w *= 2
                conv(weights, h, w)
                activation = max(activation, weights.outChannels * h * w)
            case .stem, .downsample: break
            }
        }
        activation = max(activation, unet.final.norm.channels * h * w, unet.config.inChannel * h * w)
        conv(unet.final.conv, h, w)

        // Every buffer (and every worker's scratch) starts on a cache line, so the kernels' vector loads and
        // stores never straddle two lines (an eight-lane store from a 16-byte-aligned start does every other time).
        columnFloats = Self.wholeLines(columnFloats)
        var totalFloats = 0
        func reserve(_ count: Int) -> Int {
            defer { totalFloats += Self.wholeLines(count) }
            return totalFloats
        }
        let skipOffsets = skipSizes.map(reserve)
        let pingOffset = reserve(activation)
        let pongOffset = reserve(activation)
        let normalisedOffset = reserve(activation)
        let hiddenOffset = reserve(activation)
        let attentionOffset = reserve(attentionFloats)
        let extraBiasOffset = reserve(maxChannels)
        let columnsOffset = reserve(columnFloats * self.threads)
        allocation = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, totalFloats) * MemoryLayout<Float>.stride, alignment: Self.lineBytes)
        let storage = allocation.bindMemory(to: Float.self, capacity: max(1, totalFloats))
        storage.initialize(repeating: 0, count: max(1, totalFloats))
        skips = skipOffsets.map { storage + $0 }
        ping = storage + pingOffset
        pong = storage + pongOffset
        normalised = storage + normalisedOffset
        hidden = storage + hiddenOffset
        attention = storage + attentionOffset
        extraBias = storage + extraBiasOffset
        let columns = storage + columnsOffset
        // Parallelism comes from our own threads; every sgemm runs on the thread that calls it.
        openblas_set_num_threads(1)
        context = KernelContext(
            workers: Workers(self.threads), columnBase: SharedFloats(columns), columnCapacity: columnFloats,
            algorithm: algorithm)
    }

    private static let lineBytes = 64

    /// `floats` rounded up to whole cache lines.
    private static func wholeLines(_ floats: Int) -> Int {
        let perLine = lineBytes / MemoryLayout<Float>.stride
        return (floats + perLine - 1) / perLine * perLine
    }

    deinit {
        allocation.deallocate()
    }
}
