import Foundation
import Imaging
import StudyKit

/// Model outputs kept between builds in `StudyPaths.cacheFolder/outputs/<key>.png`, where the key is the
/// sha256 of everything that determines the output: the model's kind, checkpoint hash and settings, the
/// image's seed and the LR pixels. A changed input gives a new key, so stale entries are never read.
struct OutputCache {
    /// Bump when the way outputs are computed changes, so old entries stop matching.
    static let version = "sr3study-output-v1"

    let folder: URL

    init(cacheFolder: URL) { folder = cacheFolder.appendingPathComponent("outputs") }

    static func key(model: ResolvedModel, image: PreparedImage, seed: UInt64?, hrSize: Int) -> String {
        var text = "\(version)\nkind=\(model.spec.kind.rawValue)\nhr_size=\(hrSize)\n"
        text += "checkpoint=\(model.checkpointSHA256 ?? "-")\n"
        for (name, value) in model.settings.sorted(by: { $0.key < $1.key }) { text += "\(name)=\(value)\n" }
        text += "image_seed=\(seed.map(String.init) ?? "-")\n"
        text += "lr=\(image.lr.width)x\(image.lr.height):\(ContentHash.sha256Hex(Data(image.lr.pixels)))\n"
        return ContentHash.sha256Hex(text)
    }

    /// The cached PNG bytes and pixels, or nil when absent or unreadable (then it is recomputed).
    func load(_ key: String, size: Int) -> (png: Data, image: RGBImage)? {
        let url = folder.appendingPathComponent("\(key).png")
        guard let data = try? Data(contentsOf: url), let image = try? PNG.decode(data, name: url.path),
              image.width == size, image.height == size else { return nil }
        return (data, image)
    }

    func store(_ key: String, png: Data) throws {
        let url = folder.appendingPathComponent("\(key).png")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try png.write(to: url, options: .atomic)
        } catch {
            throw StudyError(file: url, problem: "cannot write to the output cache (\(error.localizedDescription))",
                             fix: "check the permissions and free space of \(StudyError.displayPath(folder))")
        }
    }
}
