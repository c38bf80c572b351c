import Foundation
import StudyKit

/// Where a study's files live. Everything is relative to the project root (the working directory):
/// `studies/<name>/study.yaml`, `studies/<name>/build/manifest.json`, `studies/<name>/responses.sqlite`.
public struct StudyPaths: Sendable, Equatable {
    public static let defaultStudy = "faces16to128"
    public static let definitionFileName = "study.yaml"
    public static let manifestFileName = "manifest.json"

    /// The folder holding `study.yaml`.
    public var folder: URL

    public init(folder: URL) { self.folder = folder.standardizedFileURL }

    /// A study named `name` under `studies/` of `root` (default: the current directory).
    public init(name: String, root: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        self.init(folder: root.appendingPathComponent("studies").appendingPathComponent(name))
    }

    /// Accepts a study name (`faces16to128`), a study folder, a `study.yaml` file or a build folder.
    public init(argument: String?, root: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        guard let argument, !argument.isEmpty else {
            self.init(name: StudyPaths.defaultStudy, root: root)
            return
        }
        let fm = FileManager.default
        // Appended rather than `relativeTo:`, which drops root's last component unless root is known to be a folder.
        let url = (argument.hasPrefix("/") ? URL(fileURLWithPath: argument) : root.appendingPathComponent(argument))
            .standardizedFileURL
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDir) {
            if !isDir.boolValue {
                self.init(folder: url.deletingLastPathComponent())
            } else if fm.fileExists(atPath: url.appendingPathComponent(StudyPaths.manifestFileName).path),
                !fm.fileExists(atPath: url.appendingPathComponent(StudyPaths.definitionFileName).path)
            {
                self.init(folder: url.deletingLastPathComponent())
            } else {
                self.init(folder: url)
            }
        } else if !argument.contains("/") {
            self.init(name: argument, root: root)
        } else {
            self.init(folder: url)
        }
    }

    public var name: String { folder.lastPathComponent }
    public var definitionFile: URL { folder.appendingPathComponent(StudyPaths.definitionFileName) }
    public var buildFolder: URL { folder.appendingPathComponent("build") }
    public var manifestFile: URL { buildFolder.appendingPathComponent(StudyPaths.manifestFileName) }
    /// Model outputs kept between builds, keyed by everything that determines them.
    public var cacheFolder: URL { folder.appendingPathComponent(".cache") }
    /// The database `studyserver serve` and `studyserver report` use when not told otherwise.
    public var defaultDatabase: URL { folder.appendingPathComponent("responses.sqlite") }
}

public enum ManifestError: Error, CustomStringConvertible {
    case missing(URL)
    case unreadable(URL, String)
    case unsupportedFormat(URL, Int)

    public var description: String {
        switch self {
        case .missing(let url):
            return
                "no built study at \(url.path): run `studygen build \(url.deletingLastPathComponent().deletingLastPathComponent().lastPathComponent)` first"
        case .unreadable(let url, let why):
            return "\(url.path) is not a valid manifest (\(why)); rebuild the study with `studygen build`"
        case .unsupportedFormat(let url, let format):
            return "\(url.path) has manifest format \(format); this version reads format \(Manifest.currentFormat). Rebuild the study."
        }
    }
}

extension Manifest {
    /// Reads `manifest.json` from a build folder.
    public static func load(buildFolder: URL) throws -> Manifest {
        let url = buildFolder.appendingPathComponent(StudyPaths.manifestFileName)
        guard FileManager.default.fileExists(atPath: url.path) else { throw ManifestError.missing(url) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ManifestError.unreadable(url, "\(error)") }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw ManifestError.unreadable(url, "\(error)")
        }
        guard manifest.format == Manifest.currentFormat else { throw ManifestError.unsupportedFormat(url, manifest.format) }
        return manifest
    }
}
