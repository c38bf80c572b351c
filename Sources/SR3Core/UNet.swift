import COpenBLAS
import Foundation

/// The SR3 U-Net of docs/SR3-ARCHITECTURE.md section 2, built from a config and its state dict. Immutable; one forward
/// pass per image runs on the threads it is given (Winograd or im2col convolutions on single-threaded
/// OpenBLAS sgemm).
public struct UNet: Sendable {
    public let config: UNetConfig
    let downs: [UNetLayer]
    let mid: [ResnetBlockWithAttention]
    let ups: [UNetLayer]
    let final: NormConvBlock
    let noiseMLP: NoiseLevelMLP

    /// Builds the network; `tensors` must hold exactly the config's state-dict names and shapes.
    public init(config: UNetConfig, tensors: [String: NamedTensor]) throws(ConfigProblem) {
        try config.validate()
        self.config = config
        var loader = WeightLoader(tensors)
        let parts = Self.build(config, &loader)
        if !loader.mismatched.isEmpty {
            throw ConfigProblem(
                "tensor shapes do not match the config: " + loader.mismatched.prefix(5).joined(separator: "; ")
                    + (loader.mismatched.count > 5 ? " (and \(loader.mismatched.count - 5) more)" : ""))
        }
        if !loader.missing.isEmpty {
            throw ConfigProblem(
                "\(loader.missing.count) tensor(s) the config needs are missing: "
                    + loader.missing.prefix(5).joined(separator: ", ") + (loader.missing.count > 5 ? ", ..." : ""))
        }
        let extra = loader.leftover
        if !extra.isEmpty {
            throw ConfigProblem(
                "\(extra.count) tensor(s) are not part of this config's U-Net: "
                    + extra.prefix(5).joined(separator: ", ") + (extra.count > 5 ? ", ..." : ""))
        }
        downs = parts.downs
        mid = parts.mid
        ups = parts.ups
        final = parts.final
        noiseMLP = parts.mlp
    }

    /// Every state-dict name the config's U-Net has, with its shape.
    public static func expectedTensorShapes(for config: UNetConfig) -> [String: [Int]] {
        var loader = WeightLoader([:])
        _ = build(config, &loader)
        return loader.requested
    }

    private static func build(_ config: UNetConfig, _ loader: inout WeightLoader)
        -> (downs: [UNetLayer], mid: [ResnetBlockWithAttention], ups: [UNetLayer], final: NormConvBlock, mlp: NoiseLevelMLP)
    {
        let c = config.innerChannel
        let g = config.normGroups
        loader.planeSide = config.imageSize
        let mlp = NoiseLevelMLP(
            first: loader.linear("noise_level_mlp.1", in: c, out: 4 * c),
            second: loader.linear("noise_level_mlp.3", in: 4 * c, out: c), channels: c)
        var downs: [UNetLayer] = [.stem(loader.conv("downs.0", in: config.inChannel, out: c, kernel: 3))]
        var feats = [c]
        var pre = c
        var res = config.imageSize
        let last = config.channelMults.count - 1
        for (i, m) in config.channelMults.enumerated() {
            for _ in 0..<config.resBlocks {
                downs.append(
                    .resnet(
                        loader.resnetWithAttention(
                            "downs.\(downs.count)", in: pre, out: c * m, embedding: c, groups: g,
                            attention: config.attnRes.contains(res))))
                feats.append(c * m)
                pre = c * m
            }
            if i != last {
                downs.append(.downsample(loader.conv("downs.\(downs.count).conv", in: pre, out: pre, kernel: 3, stride: 2)))
                feats.append(pre)
                res /= 2
                loader.planeSide = res
            }
        }
        let mid = [
            loader.resnetWithAttention("mid.0", in: pre, out: pre, embedding: c, groups: g, attention: true),
            loader.resnetWithAttention("mid.1", in: pre, out: pre, embedding: c, groups: g, attention: false),
        ]
        var ups: [UNetLayer] = []
        for i in stride(from: last, through: 0, by: -1) {
            for _ in 0..<(config.resBlocks + 1) {
                let skip = feats.removeLast()
                ups.append(
                    .resnet(
                        loader.resnetWithAttention(
                            "ups.\(ups.count)", in: pre + skip, out: c * config.channelMults[i],
                            embedding: c, groups: g, attention: config.attnRes.contains(res))))
                pre = c * config.channelMults[i]
            }
            if i != 0 {
                res *= 2
                loader.planeSide = res
                ups.append(.upsample(loader.conv("ups.\(ups.count).conv", in: pre, out: pre, kernel: 3)))
            }
        }
        let final = loader.block("final_conv", in: pre, out: config.outChannel, groups: g)

        return (downs, mid, ups, final, mlp)
    }

    /// Why a height x width input cannot go through this U-Net, or nil when it can.
    public func sizeProblem(height: Int, width: Int) -> String? {
        let multiple = config.sizeMultiple
        if height <= 0 || width <= 0 || height % multiple != 0 || width % multiple != 0 {
            return
                "the U-Net takes heights and widths that are positive multiples of \(multiple) (\(config.channelMults.count) levels); got \(width)x\(height) (width x height)"
        }
        return nil
    }

    /// Applies the U-Net to `batch` NCHW images (in_channel x height x width each) at per-image noise levels.
    /// Returns batch x out_channel x height x width. Each image's result depends only on that image and level.
    /// `algorithm`: how 3x3 convolutions are computed (the im2col path stays selectable).
    public func forward(
        _ input: [Float], levels: [Float], batch: Int, height: Int, width: Int, threads: Int = 1,
        algorithm: ConvolutionAlgorithm = .standard
    ) throws(ConfigProblem) -> [Float] {
        if let problem = sizeProblem(height: height, width: width) { throw ConfigProblem(problem) }
        guard input.count == batch * config.inChannel * height * width, levels.count == batch else {
            throw ConfigProblem(
                "input holds \(input.count) floats and \(levels.count) levels; \(batch) image(s) of \(config.inChannel)x\(height)x\(width) need \(batch * config.inChannel * height * width) floats and \(batch) levels"
            )
        }
        let workspace = UNetWorkspace(unet: self, height: height, width: width, threads: threads, algorithm: algorithm)
        var output = [Float](repeating: 0, count: batch * config.outChannel * height * width)
        let inSize = config.inChannel * height * width
        let outSize = config.outChannel * height * width
        input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                for i in 0..<batch {
                    forward(image: s + i * inSize, level: levels[i], output: d + i * outSize, workspace: workspace)
                }
            }
        }
        return output
    }
}
