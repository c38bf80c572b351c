import Foundation

/// One problem with a study's definition or inputs, told the way a researcher can act on it:
/// which file (and line and field, where known), what is wrong, and how to fix it.
public struct StudyError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or folder) at fault.
    public var file: URL
    /// 1-based line in `file`, for YAML fields.
    public var line: Int?
    /// Field path in the definition, e.g. `models[2].kind`.
    public var field: String?
    public var problem: String
    public var fix: String

    public init(file: URL, line: Int? = nil, field: String? = nil, problem: String, fix: String) {
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
        self.fix = fix
    }

    public var description: String {
        var place = StudyError.displayPath(file)
        if let line { place += ", line \(line)" }
        if let field { place += ", field `\(field)`" }
        return "\(place): \(problem)\n  fix: \(fix)"
    }

    /// The path relative to the working directory when it lies below it, else absolute.
    public static func displayPath(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        let cwd = FileManager.default.currentDirectoryPath
        let prefix = cwd.hasSuffix("/") ? cwd : cwd + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
