/// Weights of the U-Net's pieces (docs/SR3-ARCHITECTURE.md section 2), checked against the config when loaded.

/// A 2-D convolution: `weight` is [cout, cin * k * k] row-major (PyTorch's [cout, cin, k, k]).
struct ConvWeights: Sendable {
    let outChannels: Int
    let inChannels: Int
    let kernel: Int
    let stride: Int
    let weight: [Float]
    let bias: [Float]?
    /// The Winograd form of a 3x3 stride-1 kernel (nil otherwise, or when the process runs im2col only).
    let winograd: WinogradWeights?

    /// `winogradTile`: the Winograd form a 3x3 stride-1 kernel gets (`WinogradTile.forPlane` of the plane it runs on).
    init(
        outChannels: Int, inChannels: Int, kernel: Int, stride: Int, weight: [Float], bias: [Float]?,
        winogradTile: WinogradTile
    ) {
        self.outChannels = outChannels
        self.inChannels = inChannels
        self.kernel = kernel
        self.stride = stride
        self.weight = weight
        self.bias = bias
        winograd =
            kernel == 3 && stride == 1 && ConvolutionAlgorithm.standard == .winograd
            ? WinogradWeights(weight: weight, outChannels: outChannels, inChannels: inChannels, tile: winogradTile) : nil
    }

    var reduction: Int { inChannels * kernel * kernel }
}

/// GroupNorm's per-channel affine.
struct GroupNormWeights: Sendable {
    let channels: Int
    let groups: Int
    let weight: [Float]
    let bias: [Float]
}

/// y = W x + b, `weight` [out, in] row-major.
struct LinearWeights: Sendable {
    let outFeatures: Int
    let inFeatures: Int
    let weight: [Float]
    let bias: [Float]

    func apply(_ x: [Float]) -> [Float] {
        var y = bias
        for o in 0..<outFeatures {
            var sum: Float = 0
            let row = o * inFeatures
            for i in 0..<inFeatures { sum += weight[row + i] * x[i] }
            y[o] += sum
        }
        return y
    }
}

/// GroupNorm -> Swish -> Conv3x3 [`block.0`, `block.3`].
struct NormConvBlock: Sendable {
    let norm: GroupNormWeights
    let conv: ConvWeights
}

struct ResnetBlock: Sendable {
    let block1: NormConvBlock
    let noise: LinearWeights
    let block2: NormConvBlock
    let residual: ConvWeights?
    var inChannels: Int { block1.norm.channels }
    var outChannels: Int { block2.conv.outChannels }
}

struct SelfAttention: Sendable {
    let norm: GroupNormWeights
    let qkv: ConvWeights
    let out: ConvWeights
    var channels: Int { norm.channels }
}

struct ResnetBlockWithAttention: Sendable {
    let resnet: ResnetBlock
    let attention: SelfAttention?
}

/// One entry of `downs` / `ups` (docs/SR3-ARCHITECTURE.md section 2).
enum UNetLayer: Sendable {
    case stem(ConvWeights)
    case resnet(ResnetBlockWithAttention)
    case downsample(ConvWeights)
    case upsample(ConvWeights)
}
