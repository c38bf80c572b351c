import Foundation
import Yams

/// A study definition read from its YAML file, checked field by field, with the file's hash and
/// the line of every field so that later checks (images, checkpoints) can point at the line too.
public struct StudyDefinitionFile: Sendable {
    public var url: URL
    public var definition: StudyDefinition
    /// sha256 of the file's bytes (`Manifest.definitionSHA256`).
    public var sha256: String
    let fieldLines: YAMLFieldLines

    /// The folder relative paths in the definition are resolved against.
    public var folder: URL { url.deletingLastPathComponent() }

    /// Decodes and validates definition bytes as if read from `url` (which names the file in errors
    /// and anchors relative paths).
    public static func parse(_ data: Data, url: URL) throws -> StudyDefinitionFile {
        guard let text = String(data: data, encoding: .utf8) else {
            throw StudyError(file: url, problem: "the file is not UTF-8 text", fix: "save it as UTF-8")
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw StudyError(
                    file: url, problem: "the file is empty",
                    fix: "write a study definition; see docs/WRITING-A-STUDY.md")
            }
            root = node
        } catch let error as StudyError {
            throw error
        } catch {
            throw YAMLErrorTranslation.studyError(error, file: url)
        }
        guard case .mapping = root else {
            throw StudyError(
                file: url, line: root.mark?.line, problem: "the file is not a YAML mapping of `key: value` lines",
                fix: "start with `name: <study name>`; see docs/WRITING-A-STUDY.md")
        }
        let lines = YAMLFieldLines(root: root)
        try DefinitionSchema.checkKeys(lines, file: url)
        let definition: StudyDefinition
        do {
            definition = try YAMLDecoder().decode(StudyDefinition.self, from: root)
        } catch {
            throw YAMLErrorTranslation.studyError(error, file: url, lines: lines)
        }
        let file = StudyDefinitionFile(url: url, definition: definition, sha256: ContentHash.sha256Hex(data), fieldLines: lines)
        try DefinitionValidation.validate(file)
        return file
    }

    /// The line of a field in the file (or of its nearest enclosing field), for error messages.
    public func line(of field: String) -> Int? { fieldLines.line(of: field) }

    /// An error about one field of this definition.
    public func error(field: String, problem: String, fix: String) -> StudyError {
        StudyError(file: url, line: line(of: field), field: field, problem: problem, fix: fix)
    }

    /// A path written in the definition, relative to the definition's folder unless absolute.
    public func resolve(_ path: String) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
        return folder.appendingPathComponent(path).standardizedFileURL
    }
}
