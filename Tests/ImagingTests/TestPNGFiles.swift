import CPNG
import Foundation
import Imaging

/// Writes PNGs that `PNG.encode` never makes (grayscale, alpha, palettes) with libpng's
/// simplified API, so the reader's rejections are tested on real files.
enum TestPNGFiles {
    static let gray: UInt32 = 0
    static let grayAlpha: UInt32 = cpng_format_flag_alpha
    static let rgba: UInt32 = cpng_format_rgba
    /// PNG_FORMAT_FLAG_COLORMAP: `bytes` are palette indices into `colormap` (RGB entries).
    static let rgbColormap: UInt32 = cpng_format_rgb | PNG_FORMAT_FLAG_COLORMAP

    struct Failure: Error {}

    static func encode(width: Int, height: Int, format: UInt32, bytes: [UInt8], colormap: [UInt8] = []) throws -> Data {
        var image = png_image()
        image.version = cpng_image_version
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format
        image.colormap_entries = UInt32(colormap.count / 3)
        defer { png_image_free(&image) }
        var size = 0
        let measured = bytes.withUnsafeBytes { pixels in
            colormap.withUnsafeBytes { map in
                png_image_write_to_memory(&image, nil, &size, 0, pixels.baseAddress, 0, map.baseAddress)
            }
        }
        guard measured != 0 else { throw Failure() }
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBytes { memory in
            bytes.withUnsafeBytes { pixels in
                colormap.withUnsafeBytes { map in
                    png_image_write_to_memory(&image, memory.baseAddress, &size, 0, pixels.baseAddress, 0, map.baseAddress)
                }
            }
        }
        guard written != 0 else { throw Failure() }
        return Data(out.prefix(size))
    }

    /// The chunk types of a PNG, in order.
    static func chunkTypes(_ data: Data) -> [String] {
        let bytes = [UInt8](data)
        var types: [String] = []
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            types.append(String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self))
            offset += 12 + length
        }
        return types
    }

    /// A deterministic image with varied pixels.
    static func pattern(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var state: UInt32 = 12345
        for index in pixels.indices {
            state = state &* 1_103_515_245 &+ 12345
            pixels[index] = UInt8(truncatingIfNeeded: state >> 16)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ImagingTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A PNG assembled by hand (IHDR, the given extra chunks, one uncompressed IDAT, IEND),
    /// for files libpng's simplified writer cannot make, such as 16-bit sRGB without gAMA.
    /// `rows` are the raw scanlines without filter bytes; they must fit one stored deflate block.
    static func handMade(
        width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]], extraChunks: [(String, [UInt8])] = []
    ) -> Data {
        var raw: [UInt8] = []
        for row in rows { raw += [0] + row }
        let length = UInt16(raw.count)
        var zlib: [UInt8] = [0x78, 0x01, 0x01, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
        zlib += raw
        zlib += bigEndian(adler32(raw))
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [bitDepth, colorType, 0, 0, 0])
        for (type, body) in extraChunks { png += chunk(type, body) }
        png += chunk("IDAT", zlib)
        png += chunk("IEND", [])
        return Data(png)
    }

    private static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typeAndBody = Array(type.utf8) + body
        return bigEndian(UInt32(body.count)) + typeAndBody + bigEndian(crc32(typeAndBody))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }
}
