import Foundation
import StudyKit

/// sha256 of large files (checkpoints), remembered by path, size and modification time in the
/// study's cache folder, so that a rebuild does not hash unchanged checkpoints again.
struct FileHashCache {
    private struct Entry: Codable {
        var size: UInt64
        var modified: Double
        var sha256: String
    }

    private let file: URL
    private var entries: [String: Entry]

    init(cacheFolder: URL) {
        file = cacheFolder.appendingPathComponent("file-hashes.json")
        entries = (try? JSONDecoder().decode([String: Entry].self, from: Data(contentsOf: file))) ?? [:]
    }

    mutating func sha256(of url: URL) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        let size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        if let entry = entries[url.path], entry.size == size, entry.modified == modified { return entry.sha256 }
        let sha = try ContentHash.sha256Hex(fileAt: url)
        entries[url.path] = Entry(size: size, modified: modified, sha256: sha)
        return sha
    }

    /// Best effort: a cache that cannot be written only costs time on the next build.
    func save() {
        guard let data = try? JSONEncoder().encode(entries) else { return }
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? data.write(to: file, options: .atomic)
    }
}
