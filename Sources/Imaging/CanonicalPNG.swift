/// A PNG whose bytes are a function of the image's size and pixels only, laid out so that every image of
/// one size has the same length, the same chunks and the same chunk lengths: the signature, IHDR (8-bit
/// RGB, not interlaced), one IDAT holding a zlib stream of *stored* (uncompressed) deflate blocks of
/// `blockSize` bytes (the last one shorter), filter type 0 on every row, and IEND. No ancillary chunk.
///
/// Served stimuli are re-encoded this way, so that nothing but the decoded pixels tells a smooth model
/// output from a sharp photo (compressed sizes, chunk lengths and IDAT counts all would).
/// The cost is the uncompressed size: `height * (1 + 3 * width)` bytes plus 63, plus 5 per block.
public enum CanonicalPNG {
    /// The longest stored deflate block (its LEN field is 16 bits).
    public static let blockSize = 65_535

    /// The canonical bytes of `image` (an empty image gives a 0x0 IHDR, which decoders refuse; callers
    /// only pass decoded images, which are never empty).
    public static func encode(_ image: RGBImage) -> [UInt8] {
        let rowBytes = 1 + 3 * image.width
        let raw = image.height * rowBytes
        let blocks = max(1, (raw + blockSize - 1) / blockSize)
        var zlib: [UInt8] = []
        zlib.reserveCapacity(2 + raw + 5 * blocks + 4)
        zlib += [0x78, 0x01]  // deflate, 32K window, no dictionary, "fastest" level; (0x7801 % 31 == 0)
        var adler = Adler32()
        var written = 0
        var row = 0
        var column = 0  // byte within the current row, 0 = its filter byte
        for block in 0..<blocks {
            let length = min(blockSize, raw - written)
            zlib.append(block == blocks - 1 ? 1 : 0)  // BFINAL, BTYPE 00 (stored)
            zlib += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            for _ in 0..<length {
                let byte = column == 0 ? 0 : image.pixels[row * image.width * 3 + column - 1]
                zlib.append(byte)
                adler.add(byte)
                column += 1
                if column == rowBytes {
                    column = 0
                    row += 1
                }
            }
            written += length
        }
        zlib += bigEndian(adler.value)

        var ihdr = bigEndian(UInt32(image.width)) + bigEndian(UInt32(image.height))
        ihdr += [8, 2, 0, 0, 0]  // 8 bits, RGB, deflate, adaptive filtering (type 0 used), not interlaced
        var out = PNG.signature
        out.reserveCapacity(8 + 25 + 12 + zlib.count + 12)
        out += chunk("IHDR", ihdr)
        out += chunk("IDAT", zlib)
        out += chunk("IEND", [])
        return out
    }

    /// The byte length of the canonical PNG of a `width` x `height` image.
    public static func length(width: Int, height: Int) -> Int {
        let raw = height * (1 + 3 * width)
        let blocks = max(1, (raw + blockSize - 1) / blockSize)
        return 8 + 25 + 12 + (2 + raw + 5 * blocks + 4) + 12
    }

    /// Everything about a PNG's bytes except its pixel values: its chunks (type and length), and for a zlib
    /// stream of stored deflate blocks, each block's header and the rows' filter bytes. Two canonical PNGs
    /// of one size have equal layouts; see `layout(of:)`.
    public struct Layout: Equatable, Sendable, CustomStringConvertible {
        public struct Chunk: Equatable, Sendable {
            public var type: String
            public var length: Int
        }

        public struct Block: Equatable, Sendable {
            public var final: Bool
            public var length: Int
        }

        public var chunks: [Chunk]
        public var width: Int
        public var height: Int
        /// The IHDR fields after width and height: bit depth, colour type, compression, filter, interlace.
        public var format: [UInt8]
        /// The zlib header (2 bytes).
        public var zlibHeader: [UInt8]
        /// Each deflate block's header: BFINAL/BTYPE byte, then LEN for stored blocks (nil when the stream
        /// is not made of stored blocks only).
        public var blocks: [Block]?
        /// The filter type byte of every row (nil when the blocks are not all stored).
        public var filters: Set<UInt8>?

        public var description: String {
            let chunkText = chunks.map { "\($0.type)(\($0.length))" }.joined(separator: " ")
            let blockText = blocks.map { $0.map { "\($0.final ? "final " : "")stored \($0.length)" }.joined(separator: ", ") } ?? "compressed"
            return "\(width)x\(height) \(chunkText); deflate: \(blockText); filters \(filters.map { $0.sorted() } ?? [])"
        }
    }

    /// The layout of `bytes`, or nil when it is not a PNG with an IHDR and a zlib stream.
    public static func layout(of bytes: [UInt8]) -> Layout? {
        guard bytes.count >= 8, Array(bytes[0..<8]) == PNG.signature else { return nil }
        var chunks: [Layout.Chunk] = []
        var ihdr: [UInt8] = []
        var idat: [UInt8] = []
        var at = 8
        while at + 12 <= bytes.count {
            let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard at + 12 + length <= bytes.count else { return nil }
            let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
            chunks.append(.init(type: type, length: length))
            let data = bytes[(at + 8)..<(at + 8 + length)]
            if type == "IHDR" { ihdr = Array(data) }
            if type == "IDAT" { idat += data }
            at += 12 + length
        }
        guard ihdr.count == 13, idat.count >= 2 else { return nil }
        let width = ihdr[0..<4].reduce(0) { $0 << 8 | Int($1) }
        let height = ihdr[4..<8].reduce(0) { $0 << 8 | Int($1) }
        var layout = Layout(
            chunks: chunks, width: width, height: height, format: Array(ihdr[8...]), zlibHeader: Array(idat[0..<2]),
            blocks: nil, filters: nil)
        // Walk stored blocks only; any other block type leaves `blocks` nil.
        let rowBytes = 1 + 3 * width
        var blocks: [Layout.Block] = []
        var filters: Set<UInt8> = []
        var offset = 2
        var rawIndex = 0
        while offset + 5 <= idat.count {
            let header = idat[offset]
            guard header & 0b110 == 0 else { return layout }
            let length = Int(idat[offset + 1]) | Int(idat[offset + 2]) << 8
            let complement = Int(idat[offset + 3]) | Int(idat[offset + 4]) << 8
            guard length ^ complement == 0xFFFF, offset + 5 + length <= idat.count else { return layout }
            for index in 0..<length where (rawIndex + index) % rowBytes == 0 { filters.insert(idat[offset + 5 + index]) }
            rawIndex += length
            blocks.append(.init(final: header & 1 == 1, length: length))
            offset += 5 + length
            if header & 1 == 1 { break }
        }
        layout.blocks = blocks
        layout.filters = filters
        return layout
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed[...]))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
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

    private struct Adler32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        mutating func add(_ byte: UInt8) {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        var value: UInt32 { b << 16 | a }
    }
}
