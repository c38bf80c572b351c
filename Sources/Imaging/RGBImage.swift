/// An 8-bit RGB image: `width * height` pixels, RGB interleaved, row-major.
public struct RGBImage: Sendable, Equatable, Hashable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes: R, G, B of the top-left pixel first, then along the row.
    public var pixels: [UInt8]

    /// An image from pixels this program produced itself. A wrong pixel count is a programming
    /// error; use `init(width:height:checkedPixels:)` for pixels that come from input.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(
            width >= 0 && height >= 0 && pixels.count == width * height * 3,
            "RGBImage \(width)x\(height) needs \(max(width * height * 3, 0)) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image from pixels that come from input: throws when the count does not match the size.
    public init(width: Int, height: Int, checkedPixels pixels: [UInt8]) throws {
        guard width >= 0, height >= 0, pixels.count == width * height * 3 else {
            throw ImagingError.pixelCountMismatch(width: width, height: height, count: pixels.count)
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// A uniform image, every pixel `(red, green, blue)`.
    public init(width: Int, height: Int, red: UInt8, green: UInt8, blue: UInt8) {
        var pixels = [UInt8](repeating: 0, count: max(width * height, 0) * 3)
        for index in stride(from: 0, to: pixels.count, by: 3) {
            pixels[index] = red
            pixels[index + 1] = green
            pixels[index + 2] = blue
        }
        self.init(width: width, height: height, pixels: pixels)
    }
}

/// Errors about image values (not files; those are `PNGError`).
public enum ImagingError: Error, CustomStringConvertible, Equatable {
    case pixelCountMismatch(width: Int, height: Int, count: Int)

    public var description: String {
        switch self {
        case .pixelCountMismatch(let width, let height, let count):
            return "an RGB image of \(width)x\(height) needs \(max(width * height * 3, 0)) bytes, got \(count)"
        }
    }
}
