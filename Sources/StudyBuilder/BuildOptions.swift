import Foundation
import StudyKit

/// Options of `StudyBuild.build` and `StudyBuild.buildShard`.
public struct BuildOptions: Sendable {
    /// Where model outputs (and checkpoint hashes) are cached; nil: the study's `.cache` folder.
    /// Shards and the final assembly of one build must use the same folder (shared storage on a cluster).
    public var cacheFolder: URL?
    /// Fail instead of computing when an output is missing from the cache (the assembly after shards).
    public var assembleOnly: Bool
    /// `builtAt` in the manifest; nil: now. `SOURCE_DATE_EPOCH` sets it from the command line.
    public var builtAt: Date?

    public init(cacheFolder: URL? = nil, assembleOnly: Bool = false, builtAt: Date? = nil) {
        self.cacheFolder = cacheFolder
        self.assembleOnly = assembleOnly
        self.builtAt = builtAt
    }

    /// The reproducible-builds convention: `SOURCE_DATE_EPOCH` (seconds since 1970) fixes the build time,
    /// so two builds of the same inputs give byte-identical manifests.
    public static func builtAt(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Date? {
        guard let text = environment["SOURCE_DATE_EPOCH"] else { return nil }
        guard let seconds = Int64(text.trimmingCharacters(in: .whitespaces)), seconds >= 0 else {
            throw BuildShardError("SOURCE_DATE_EPOCH must be a non-negative whole number of seconds since 1970 (got \"\(text)\")")
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}

/// Shard `index` of `count` (0-based, so Slurm's `SLURM_ARRAY_TASK_ID` with `--array=0-(N-1)` and
/// Kubernetes' `JOB_COMPLETION_INDEX` can be passed as they are).
///
/// Every model output of the study (models in definition order, images in image order, external
/// models excluded) gets a position p in that list; shard `p mod count` computes it. The list does not
/// depend on what is cached, so every shard agrees on the split whenever it starts, and each shard gets
/// an equal share (within one image) of every model's work.
public struct BuildShard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws(BuildShardError) {
        guard count >= 1 else { throw BuildShardError("the shard count must be at least 1 (got \(count))") }
        guard index >= 0, index < count else {
            throw BuildShardError("shard \(index) of \(count) does not exist: shards are numbered 0 to \(count - 1)")
        }
        self.index = index
        self.count = count
    }

    /// Parses "K/N", e.g. "0/4".
    public init(parsing text: String) throws(BuildShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw BuildShardError("--shard takes K/N, shard K (0 to N-1) of N, e.g. 0/4 (got \"\(text)\")")
        }
        try self.init(index: index, count: count)
    }

    /// Whether this shard computes the output at `position` of the study's output list.
    public func owns(position: Int) -> Bool { position % count == index }

    public var description: String { "\(index)/\(count)" }
}

public struct BuildShardError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
