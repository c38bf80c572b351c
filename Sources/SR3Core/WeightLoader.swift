/// Takes tensors out of a checkpoint by their state-dict names, checking shapes against the config.
struct WeightLoader {
    private var tensors: [String: NamedTensor]
    private(set) var missing: [String] = []
    private(set) var mismatched: [String] = []
    /// Every name asked for, with the shape the config gives it.
    private(set) var requested: [String: [Int]] = [:]
    /// Side of the planes the convolutions taken next run on (at the config's image size); it picks their
    /// Winograd tile.
    var planeSide = 0

    init(_ tensors: [String: NamedTensor]) { self.tensors = tensors }

    var leftover: [String] { tensors.keys.sorted() }

    mutating func take(_ name: String, _ shape: [Int]) -> [Float] {
        requested[name] = shape
        guard let tensor = tensors.removeValue(forKey: name) else {
            missing.append(name)
            return [Float](repeating: 0, count: shape.reduce(1, *))
        }
        guard tensor.shape == shape else {
            mismatched.append("\(name) has shape \(tensor.shape), the config needs \(shape)")
            return [Float](repeating: 0, count: shape.reduce(1, *))
        }
        return tensor.values
    }

    mutating func conv(_ prefix: String, in cin: Int, out cout: Int, kernel: Int, stride: Int = 1, bias: Bool = true) -> ConvWeights {
        ConvWeights(
            outChannels: cout, inChannels: cin, kernel: kernel, stride: stride,
            weight: take(prefix + ".weight", [cout, cin, kernel, kernel]),
            bias: bias ? take(prefix + ".bias", [cout]) : nil, winogradTile: .forPlane(side: planeSide))
    }

    mutating func groupNorm(_ prefix: String, channels: Int, groups: Int) -> GroupNormWeights {
        GroupNormWeights(
            channels: channels, groups: groups,
            weight: take(prefix + ".weight", [channels]), bias: take(prefix + ".bias", [channels]))
    }

    mutating func linear(_ prefix: String, in inFeatures: Int, out outFeatures: Int) -> LinearWeights {
        LinearWeights(
            outFeatures: outFeatures, inFeatures: inFeatures,
            weight: take(prefix + ".weight", [outFeatures, inFeatures]), bias: take(prefix + ".bias", [outFeatures]))
    }

    mutating func block(_ prefix: String, in cin: Int, out cout: Int, groups: Int) -> NormConvBlock {
        NormConvBlock(
            norm: groupNorm(prefix + ".block.0", channels: cin, groups: groups),
            conv: conv(prefix + ".block.3", in: cin, out: cout, kernel: 3))
    }

    mutating func resnetWithAttention(_ prefix: String, in cin: Int, out cout: Int, embedding: Int, groups: Int, attention: Bool)
        -> ResnetBlockWithAttention
    {
        let r = prefix + ".res_block"
        let resnet = ResnetBlock(
            block1: block(r + ".block1", in: cin, out: cout, groups: groups),
            noise: linear(r + ".noise_func.noise_func.0", in: embedding, out: cout),
            block2: block(r + ".block2", in: cout, out: cout, groups: groups),
            residual: cin != cout ? conv(r + ".res_conv", in: cin, out: cout, kernel: 1) : nil)
        let attn =
            attention
            ? SelfAttention(
                norm: groupNorm(prefix + ".attn.norm", channels: cout, groups: groups),
                qkv: conv(prefix + ".attn.qkv", in: cout, out: 3 * cout, kernel: 1, bias: false),
                out: conv(prefix + ".attn.out", in: cout, out: cout, kernel: 1)) : nil
        return ResnetBlockWithAttention(resnet: resnet, attention: attn)
    }
}
