import Resampling

/// How a checkpoint's conditioning image was upsampled from the LR in training (metadata
/// `conditioning`; absent means `torch-bicubic`).
public enum ConditioningUpsampler: String, Sendable, Hashable, Codable, CaseIterable {
    /// Spec section 1: plain bicubic, a = -0.75, as torch `antialias=False`.
    case torchBicubic = "torch-bicubic"
    /// PIL's `Image.resize(..., BICUBIC)` of the uint8 LR (a = -0.5, weights renormalised at the
    /// borders, 8-bit passes), as the public SR3 code's data preparation makes it: the taps of the
    /// antialiased resampler, which at scale < 1 keeps the support of 2 pixels (`PILBicubic`).
    case pilBicubic = "pil-bicubic"
}

/// The conditioning image of docs/SR3-ARCHITECTURE.md section 1: LR -> bicubic up (by the checkpoint's upsampler) ->
/// clamp [0,1] -> round to 1/255 -> * 2 - 1. With `torch-bicubic` this (before the last step) is
/// also the Bicubic baseline's output.
public enum Conditioning {
    /// The upsampled LR in [0, 1], quantised to 1/255 (the Bicubic baseline with the default upsampler).
    public static func bicubicBaseline(
        lr: [Float], count: Int, channels: Int, height: Int, width: Int, toHeight: Int, toWidth: Int,
        upsampler: ConditioningUpsampler = .torchBicubic
    ) -> [Float] {
        let planes = count * channels
        switch upsampler {
        case .torchBicubic:
            return Bicubic.upsample(lr, count: planes, height: height, width: width, toHeight: toHeight, toWidth: toWidth)
                .map(PixelLevels.quantized)
        case .pilBicubic:
            return PILBicubic.resize(lr, count: planes, height: height, width: width, toHeight: toHeight, toWidth: toWidth)
        }
    }

    /// The network's conditioning input in [-1, 1].
    public static func condition(
        lr: [Float], count: Int, channels: Int, height: Int, width: Int, toHeight: Int, toWidth: Int,
        upsampler: ConditioningUpsampler = .torchBicubic
    ) -> [Float] {
        bicubicBaseline(
            lr: lr, count: count, channels: channels, height: height, width: width, toHeight: toHeight, toWidth: toWidth,
            upsampler: upsampler
        )
        .map { $0 * 2 - 1 }
    }
}
