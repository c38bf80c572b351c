/// The 256 levels of an 8-bit channel, for floats in [0, 1]: clamped, scaled by 255 and rounded to the
/// nearest level (ties to even, as torch `round`); NaN becomes 0.
public enum PixelLevels {
    @inlinable
    public static func byte(_ value: Float) -> UInt8 {
        guard value > 0 else { return 0 }  // also NaN
        guard value < 1 else { return 255 }
        return UInt8((value * 255).rounded(.toNearestOrEven))
    }

    /// `value` moved to the nearest of the 256 levels, still as a float in [0, 1].
    @inlinable
    public static func quantized(_ value: Float) -> Float { Float(byte(value)) / 255 }
}
