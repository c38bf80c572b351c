import Foundation
import StudyKit

extension StudyDefinitionFile {
    /// Reads, decodes and validates a `study.yaml`. Throws one `StudyError` naming the file, line and field.
    public static func load(_ url: URL) throws -> StudyDefinitionFile {
        let url = url.standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw StudyError(
                file: url, problem: "there is no study definition at this path",
                fix: "pass a study name (studies/<name>/study.yaml), a study folder or a study.yaml file; see docs/WRITING-A-STUDY.md")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw StudyError(
                file: url, problem: "cannot read the file (\(error.localizedDescription))",
                fix: "check the file's permissions")
        }
        return try parse(data, url: url)
    }

    /// Loads the definition of a study folder (`StudyPaths.definitionFile`).
    public static func load(_ paths: StudyPaths) throws -> StudyDefinitionFile {
        try load(paths.definitionFile)
    }
}
