/// Makes every stimulus of a study the same number of bytes, so that a file's size says nothing about
/// which image it is (a smooth model output compresses better than a sharp photo, a catch foil or a 16x16
/// input far better). A private ancillary PNG chunk (`paDd`, zeros) goes before IEND; decoders skip it,
/// so the pixels are untouched.
enum StimulusPadding {
    static let chunkType: [UInt8] = Array("paDd".utf8)
    /// Length, type and CRC of a chunk.
    static let chunkOverhead = 12
    private static let iend: [UInt8] = [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]

    /// The size every stimulus gets: the largest, plus room for one (possibly empty) padding chunk.
    static func paddedLength(of sizes: some Sequence<Int>) -> Int { (sizes.max() ?? 0) + chunkOverhead }

    /// `png` with a padding chunk that brings it to exactly `length` bytes; nil when it is not a PNG
    /// ending in IEND or is too long.
    static func pad(_ png: [UInt8], to length: Int) -> [UInt8]? {
        guard png.count >= 8 + iend.count, png.count + chunkOverhead <= length,
            Array(png[(png.count - iend.count)...]) == iend
        else { return nil }
        let dataLength = length - png.count - chunkOverhead
        var chunk: [UInt8] = []
        chunk.reserveCapacity(dataLength + chunkOverhead)
        chunk += bigEndian(UInt32(dataLength))
        chunk += chunkType
        chunk += [UInt8](repeating: 0, count: dataLength)
        chunk += bigEndian(crc32(chunk[4...]))
        var out = Array(png[..<(png.count - iend.count)])
        out += chunk
        out += iend
        return out
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The PNG chunk CRC (ISO 3309) over type and data.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
