import Foundation
import StudyKit

/// A source image file of the study: its id is the file name without extension.
public struct SourceImage: Sendable, Equatable {
    public var id: String
    public var fileName: String
    public var url: URL
}

/// Lists the study's source images: the PNG files of `images.folder`, sorted by name, limited by `images.limit`.
/// Other files (e.g. SOURCES.tsv) are ignored; images in other formats are an error, so none is silently left out.
enum SourceImageScanner {
    static let otherImageExtensions: Set<String> = ["jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff", "heic", "avif"]

    static func scan(_ file: StudyDefinitionFile) throws -> [SourceImage] {
        let folder = file.resolve(file.definition.images.folder)
        let field = "images.folder"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw file.error(
                field: field, problem: "the image folder \(StudyError.displayPath(folder)) does not exist",
                fix: "create it with the source PNGs, or correct the path (it is relative to study.yaml)")
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw file.error(
                field: field, problem: "cannot list \(StudyError.displayPath(folder)) (\(error.localizedDescription))",
                fix: "check the folder's permissions")
        }
        var images: [SourceImage] = []
        var ids: [String: String] = [:]
        for name in names.sorted() where !name.hasPrefix(".") {
            let ext = (name as NSString).pathExtension.lowercased()
            let url = folder.appendingPathComponent(name)
            if otherImageExtensions.contains(ext) {
                throw StudyError(
                    file: url, problem: "source images must be PNG files, this one is .\(ext)",
                    fix:
                        "convert it to an 8-bit RGB PNG (e.g. `convert \(name) \((name as NSString).deletingPathExtension).png`) or move it out of the folder"
                )
            }
            guard ext == "png" else { continue }
            let id = (name as NSString).deletingPathExtension
            guard StudyIdentifiers.isSafe(id) else {
                throw StudyError(
                    file: url, problem: "the file name `\(id)` cannot serve as an image id",
                    fix: "rename it using only letters, digits, `_`, `-` and `.` (at most 64)")
            }
            if let other = ids[id] {
                throw StudyError(file: url, problem: "two source files have the id `\(id)` (\(other) and \(name))", fix: "keep one of them")
            }
            ids[id] = name
            images.append(SourceImage(id: id, fileName: name, url: url))
        }
        guard !images.isEmpty else {
            throw file.error(
                field: field, problem: "the image folder \(StudyError.displayPath(folder)) holds no PNG files",
                fix: "put the source images there as PNG files")
        }
        if let limit = file.definition.images.limit, limit < images.count { images = Array(images.prefix(limit)) }
        if file.definition.imagesPerParticipant > images.count {
            throw file.error(
                field: "images_per_participant",
                problem: "images_per_participant is \(file.definition.imagesPerParticipant) but the study has \(images.count) source images",
                fix: "use at most \(images.count) (a participant never sees a source image twice within a task), or add images")
        }
        return images
    }
}
