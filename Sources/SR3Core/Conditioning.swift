/// The conditioning image of spec section 1: LR -> plain bicubic up -> clamp [0,1] -> round to
/// 1/255 -> * 2 - 1. This (before the last step) is also the Bicubic baseline's output.
public enum Conditioning {
    /// The Bicubic baseline in [0, 1], quantised to 1/255.
    public static func bicubicBaseline(lr: [Float], count: Int, channels: Int, height: Int, width: Int, toHeight: Int, toWidth: Int) -> [Float] {
        Bicubic.upsample(lr, count: count * channels, height: height, width: width, toHeight: toHeight, toWidth: toWidth)
            .map { (min(1, max(0, $0)) * 255).rounded(.toNearestOrEven) / 255 }
    }

    /// The network's conditioning input in [-1, 1].
    public static func condition(lr: [Float], count: Int, channels: Int, height: Int, width: Int, toHeight: Int, toWidth: Int) -> [Float] {
        bicubicBaseline(lr: lr, count: count, channels: channels, height: height, width: width, toHeight: toHeight, toWidth: toWidth)
            .map { $0 * 2 - 1 }
    }
}
