/// Element types a safetensors tensor may hold here. Everything is converted to Float on load.
public enum DType: String, Sendable, CaseIterable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"

    public var byteSize: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        }
    }
}

/// Bit-exact conversions between Float and the 16-bit formats, independent of platform Float16 support.
enum HalfPrecision {
    static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits >> 15) << 31
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Zero or subnormal: mantissa * 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
    }

    /// Round to nearest even, with overflow to infinity and gradual underflow.
    static func halfFromFloat(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {
            return sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0)
        }
        let unbiased = exponent - 127
        if unbiased > 15 { return sign | 0x7C00 }
        if unbiased >= -14 {
            var half = UInt32(unbiased + 15) << 10 | (mantissa >> 13)
            let rest = mantissa & 0x1FFF
            if rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1) { half += 1 }
            return sign | UInt16(half)  // a carry into the exponent rounds up correctly, up to infinity
        }
        if unbiased < -25 { return sign }
        // Subnormal half: value = m * 2^-24 with m < 1024.
        let full = mantissa | 0x80_0000
        let shift = UInt32(-unbiased - 1)  // 14 ... 24
        var half = full >> shift
        let rest = full & ((1 << shift) - 1)
        let halfway: UInt32 = 1 << (shift - 1)
        if rest > halfway || (rest == halfway && (half & 1) == 1) { half += 1 }
        return sign | UInt16(half)
    }

    static func floatFromBFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    static func bfloatFromFloat(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
}
