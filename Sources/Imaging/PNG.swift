import CPNG
import Foundation

/// 8-bit RGB PNG files through libpng's simplified `png_image_*` API.
///
/// Reading accepts RGB, RGBA and colour-palette PNGs (8 or 16 bits) and gives 8-bit sRGB RGB;
/// it rejects grayscale images (including palettes whose entries are all grey) and images
/// whose alpha is not fully opaque. Writing gives an 8-bit RGB PNG with no text or time
/// chunks, so the same pixels always give the same bytes.
public enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// Larger images are refused rather than allocated (64 Mpixel).
    static let maxPixels = 1 << 26

    public static func read(_ url: URL) throws -> RGBImage {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PNGError.unreadable(name: url.path, reason: error.localizedDescription)
        }
        return try decode(data, name: url.path)
    }

    /// Decodes PNG bytes; `name` (usually the path) is used in error messages.
    public static func decode(_ data: Data, name: String) throws -> RGBImage {
        guard data.count >= signature.count, data.prefix(signature.count).elementsEqual(signature) else {
            throw PNGError.notPNG(name: name)
        }
        let grayPalette = PNGChunks.isGrayPaletteImage(data)
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> RGBImage in
            var image = png_image()
            image.version = cpng_image_version
            defer { png_image_free(&image) }
            guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
                throw PNGError.corrupt(name: name, reason: message(of: &image))
            }
            if image.format & cpng_format_flag_color == 0 {
                let kind = image.format & cpng_format_flag_alpha == 0 ? "a grayscale" : "a grayscale+alpha"
                throw PNGError.notRGB(name: name, kind: kind)
            }
            if grayPalette {
                throw PNGError.notRGB(name: name, kind: "a grayscale palette")
            }
            let width = Int(image.width)
            let height = Int(image.height)
            guard width > 0, height > 0, width * height <= maxPixels else {
                throw PNGError.corrupt(name: name, reason: "image size \(width)x\(height) is out of range")
            }
            // Without this libpng takes a 16-bit file with no gAMA chunk as linear light; such
            // files are sRGB-encoded in practice (as 8-bit ones are assumed to be).
            image.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
            let hasAlpha = image.format & cpng_format_flag_alpha != 0
            let channels = hasAlpha ? 4 : 3
            image.format = hasAlpha ? cpng_format_rgba : cpng_format_rgb
            var buffer = [UInt8](repeating: 0, count: width * height * channels)
            let finished = buffer.withUnsafeMutableBytes { out in
                png_image_finish_read(&image, nil, out.baseAddress, 0, nil)
            }
            guard finished != 0 else {
                throw PNGError.corrupt(name: name, reason: message(of: &image))
            }
            guard hasAlpha else { return RGBImage(width: width, height: height, pixels: buffer) }
            return try dropOpaqueAlpha(buffer, width: width, height: height, name: name)
        }
    }

    /// Writes `image` as a PNG atomically (a temporary file renamed over `url`).
    public static func write(_ image: RGBImage, to url: URL) throws {
        let data: Data
        do {
            data = try encode(image)
        } catch PNGError.unwritable(_, let reason) {
            throw PNGError.unwritable(name: url.path, reason: reason)
        }
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw PNGError.unwritable(name: url.path, reason: error.localizedDescription)
        }
    }

    /// The PNG bytes of `image`: 8-bit RGB, non-interlaced, an sRGB chunk and no text or time chunks.
    public static func encode(_ image: RGBImage) throws -> Data {
        let name = "PNG of \(image.width)x\(image.height) image"
        guard image.width > 0, image.height > 0, image.width * image.height <= maxPixels else {
            throw PNGError.unwritable(name: name, reason: "size must be between 1x1 and \(maxPixels) pixels")
        }
        var header = png_image()
        header.version = cpng_image_version
        header.width = UInt32(image.width)
        header.height = UInt32(image.height)
        header.format = cpng_format_rgb
        return try image.pixels.withUnsafeBytes { pixels throws -> Data in
            var size = 0
            // First call measures, second writes.
            var measuring = header
            defer { png_image_free(&measuring) }
            guard png_image_write_to_memory(&measuring, nil, &size, 0, pixels.baseAddress, 0, nil) != 0 else {
                throw PNGError.unwritable(name: name, reason: message(of: &measuring))
            }
            var bytes = [UInt8](repeating: 0, count: size)
            var writing = header
            defer { png_image_free(&writing) }
            let written = bytes.withUnsafeMutableBytes { out in
                png_image_write_to_memory(&writing, out.baseAddress, &size, 0, pixels.baseAddress, 0, nil)
            }
            guard written != 0, size <= bytes.count else {
                throw PNGError.unwritable(name: name, reason: message(of: &writing))
            }
            return Data(bytes.prefix(size))
        }
    }

    private static func dropOpaqueAlpha(_ rgba: [UInt8], width: Int, height: Int, name: String) throws -> RGBImage {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        var transparent = 0
        for pixel in 0..<(width * height) {
            rgb[pixel * 3] = rgba[pixel * 4]
            rgb[pixel * 3 + 1] = rgba[pixel * 4 + 1]
            rgb[pixel * 3 + 2] = rgba[pixel * 4 + 2]
            if rgba[pixel * 4 + 3] != 255 { transparent += 1 }
        }
        guard transparent == 0 else { throw PNGError.notOpaque(name: name, transparentPixels: transparent) }
        return RGBImage(width: width, height: height, pixels: rgb)
    }

    /// libpng's error text from `image.message` (a NUL-terminated char array).
    private static func message(of image: inout png_image) -> String {
        let text = withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "unknown libpng error" : text
    }
}
