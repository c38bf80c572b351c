import Foundation

/// Just enough PNG chunk parsing to see a palette image's colours, which the simplified
/// libpng API does not report.
enum PNGChunks {
    private static let paletteColorType: UInt8 = 3

    /// Whether `data` is a palette PNG (colour type 3) whose entries all have red == green == blue.
    static func isGrayPaletteImage(_ data: Data) -> Bool {
        let bytes = [UInt8](data)
        // Signature (8), IHDR length (4) and type (4), width (4), height (4), bit depth (1), colour type (1).
        guard bytes.count > 25, bytes[25] == paletteColorType, let palette = palette(in: bytes) else {
            return false
        }
        return isGray(palette: palette)
    }

    /// The PLTE chunk's bytes (RGB triples), if the file has one before its image data.
    static func palette(in bytes: [UInt8]) -> [UInt8]? {
        var offset = PNG.signature.count
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let start = offset + 8
            guard start + length <= bytes.count else { return nil }
            if type == "PLTE" { return Array(bytes[start..<(start + length)]) }
            if type == "IDAT" || type == "IEND" { return nil }
            offset = start + length + 4  // data, then the CRC
        }
        return nil
    }

    static func isGray(palette: [UInt8]) -> Bool {
        guard palette.count >= 3 else { return false }
        for entry in stride(from: 0, to: palette.count - 2, by: 3) {
            let red = palette[entry]
            if palette[entry + 1] != red || palette[entry + 2] != red { return false }
        }
        return true
    }
}
