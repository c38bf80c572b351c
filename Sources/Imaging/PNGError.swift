/// Why a PNG could not be read or written. Every case names the file.
public enum PNGError: Error, CustomStringConvertible, Equatable {
    case unreadable(name: String, reason: String)
    case notPNG(name: String)
    case corrupt(name: String, reason: String)
    case notRGB(name: String, kind: String)
    case notOpaque(name: String, transparentPixels: Int)
    case unwritable(name: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let name, let reason):
            return "\(name): cannot read the file (\(reason))"
        case .notPNG(let name):
            return "\(name): not a PNG file (no PNG signature); convert it to an 8-bit RGB PNG"
        case .corrupt(let name, let reason):
            return "\(name): truncated or corrupt PNG (libpng: \(reason)); re-export the image"
        case .notRGB(let name, let kind):
            return "\(name): \(kind) PNG, but images must be RGB colour; convert it to an 8-bit RGB PNG"
        case .notOpaque(let name, let transparentPixels):
            return "\(name): has an alpha channel with \(transparentPixels) pixel(s) not fully opaque; "
                + "flatten it onto a background and save it as an RGB PNG"
        case .unwritable(let name, let reason):
            return "\(name): cannot write the PNG (\(reason))"
        }
    }
}
