import Foundation
import ModelVocabulary
import Yams

/// Turns Yams parse errors and Codable decoding errors into a `StudyError` that names the line,
/// the field and the fix.
enum YAMLErrorTranslation {
    static func studyError(_ error: any Error, file: URL, lines: YAMLFieldLines? = nil) -> StudyError {
        if let error = error as? YamlError { return yamlError(error, file: file) }
        if let error = error as? DecodingError { return decodingError(error, file: file, lines: lines) }
        return StudyError(
            file: file, problem: "cannot read the definition (\(error))",
            fix: "compare it with studies/faces16to128/study.yaml and docs/WRITING-A-STUDY.md")
    }

    private static let syntaxFix = "fix the YAML syntax there (indent with spaces, `key: value`, quote text that contains `: ` or `#`)"

    private static func yamlError(_ error: YamlError, file: URL) -> StudyError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let what = context.map { "\(problem) (\($0.text) at line \($0.mark.line))" } ?? problem
            return StudyError(file: file, line: mark.line, problem: "malformed YAML: \(what)", fix: syntaxFix)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return StudyError(
                file: file, line: context.mark.line,
                problem: "the key `\(duplicates.joined(separator: "`, `"))` appears twice in the same mapping",
                fix: "keep one of them")
        case .reader(let problem, _, _, _):
            return StudyError(file: file, problem: "malformed YAML: \(problem)", fix: syntaxFix)
        default:
            return StudyError(file: file, problem: "malformed YAML: \(error)", fix: syntaxFix)
        }
    }

    private static func decodingError(_ error: DecodingError, file: URL, lines: YAMLFieldLines?) -> StudyError {
        func located(_ field: String, _ problem: String, _ fix: String) -> StudyError {
            StudyError(file: file, line: lines?.line(of: field), field: field.isEmpty ? nil : field, problem: problem, fix: fix)
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = fieldPath(context.codingPath + [key])
            return located(
                field, "the required key `\(key.stringValue)` is missing",
                "add `\(key.stringValue): ...` here; see docs/WRITING-A-STUDY.md")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let field = fieldPath(context.codingPath)
            return located(field, "expected \(describe(type))", hint(for: field) ?? "write \(describe(type)) here")
        case .dataCorrupted(let context):
            let field = fieldPath(context.codingPath)
            let problem: String
            if let value = lines?.scalars[field] {
                problem = "`\(value)` is not a valid \(describe(field: field))"
            } else {
                problem = context.debugDescription.isEmpty ? "invalid value" : "invalid value: \(context.debugDescription)"
            }
            return located(field, problem, hint(for: field) ?? "see docs/WRITING-A-STUDY.md for the values this key accepts")
        @unknown default:
            return StudyError(file: file, problem: "cannot decode the definition (\(error))", fix: "see docs/WRITING-A-STUDY.md")
        }
    }

    static func fieldPath(_ codingPath: [any CodingKey]) -> String {
        var path = ""
        for key in codingPath {
            if let index = key.intValue { path += "[\(index)]" } else { path = YAMLFieldLines.join(path, key.stringValue) }
        }
        return path
    }

    private static func hint(for field: String) -> String? {
        switch DefinitionSchema.pattern(of: field) {
        case "models[].kind":
            return "use one of: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))"
        case "models[].sampler":
            return "use one of: \(SamplerKind.allCases.map(\.rawValue).joined(separator: ", "))"
        case "models", "tasks":
            return "write a list, one item per `- ` line; see studies/faces16to128/study.yaml"
        default:
            return nil
        }
    }

    private static func describe(field: String) -> String {
        switch DefinitionSchema.pattern(of: field) {
        case "models[].kind": return "model kind"
        case "models[].sampler": return "sampler"
        default: return "value for `\(field)`"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "a whole number"
        case is UInt64.Type: return "a whole number of 0 or more"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "text"
        case is ModelKind.Type: return "a model kind"
        case is SamplerKind.Type: return "a sampler name"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "a list (lines starting with `- `)" }
            if name.hasPrefix("Dictionary") || name.hasPrefix("KeyedDecodingContainer") { return "a mapping of `key: value` lines" }
            return "a value of type \(name)"
        }
    }
}
