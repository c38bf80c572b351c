import Foundation
import Imaging
import SR3Core
import StudyKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Model outputs kept between builds in `<cache folder>/outputs/<key>.png`, where the key is the
/// sha256 of everything that determines the output: the model's kind, checkpoint hash and settings, the
/// image's seed and the LR pixels. A changed input gives a new key, so stale entries are never read.
///
/// The folder may be shared by several processes or machines (`studygen build --shard K/N --cache DIR`):
/// an entry is written to a temporary file in the same folder and renamed into place, so a reader sees
/// either no entry or a complete one, a writer that dies leaves only a `.partial-*` file that is never
/// read, and two writers racing on one key (same inputs, so same bytes) both succeed.
struct OutputCache {
    /// Bump when the way outputs are computed changes, so old entries stop matching.
    static let version = "sr3study-output-v2"
    /// Temporary files start with this; they are never read as entries.
    static let partialPrefix = ".partial-"

    let folder: URL

    init(cacheFolder: URL) { folder = cacheFolder.appendingPathComponent("outputs") }

    static func key(model: ResolvedModel, image: PreparedImage, seed: UInt64?, hrSize: Int) -> String {
        var text = "\(version)\nkind=\(model.spec.kind.rawValue)\nhr_size=\(hrSize)\n"
        text += "checkpoint=\(model.checkpointSHA256 ?? "-")\n"
        // The network's 3x3 convolution arithmetic changes outputs at float rounding, so it is part of the key.
        if model.spec.kind == .sr3 || model.spec.kind == .regression { text += "sr3core_conv=\(ConvolutionAlgorithm.standard.rawValue)\n" }
        for (name, value) in model.settings.sorted(by: { $0.key < $1.key }) { text += "\(name)=\(value)\n" }
        text += "image_seed=\(seed.map(String.init) ?? "-")\n"
        text += "lr=\(image.lr.width)x\(image.lr.height):\(ContentHash.sha256Hex(Data(image.lr.pixels)))\n"
        return ContentHash.sha256Hex(text)
    }

    func url(_ key: String) -> URL { folder.appendingPathComponent("\(key).png") }

    /// The cached PNG bytes and pixels, or nil when absent or unreadable (then it is recomputed).
    func load(_ key: String, size: Int) -> (png: Data, image: RGBImage)? {
        let url = url(key)
        guard let data = try? Data(contentsOf: url), let image = try? PNG.decode(data, name: url.path),
            image.width == size, image.height == size
        else { return nil }
        return (data, image)
    }

    /// Whether a complete entry exists (it is not decoded).
    func contains(_ key: String) -> Bool { FileManager.default.fileExists(atPath: url(key).path) }

    func store(_ key: String, png: Data) throws {
        let destination = url(key)
        let temporary = folder.appendingPathComponent("\(Self.partialPrefix)\(key)-\(getpid())-\(UUID().uuidString.prefix(8))")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Self.writeDurably(png, to: temporary)
            // rename(2) replaces an existing entry atomically (another shard may have written the same bytes).
            guard rename(temporary.path, destination.path) == 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw StudyError(
                file: destination, problem: "cannot write to the output cache (\(error.localizedDescription))",
                fix: "check the permissions and free space of \(StudyError.displayPath(folder))")
        }
    }

    /// Writes and fsyncs a new file, so the rename never exposes a file whose data is not on disk
    /// (matters on network file systems shared by a cluster).
    private static func writeDurably(_ data: Data, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                guard let base = raw.baseAddress else { break }
                let written = write(fd, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                offset += written
            }
        }
        guard fsync(fd) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
