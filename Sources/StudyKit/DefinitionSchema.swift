import Foundation

/// The keys each mapping of a study definition may have, taken from the Codable keys themselves
/// so that a field added to `StudyDefinition` is known here at once. A misspelt key would
/// otherwise silently fall back to its default.
enum DefinitionSchema {
    static let knownKeys: [String: [String]] = [
        "": StudyDefinition.CodingKeys.allCases.map(\.stringValue),
        "images": ImageSource.CodingKeys.allCases.map(\.stringValue),
        "models[]": ModelSpec.CodingKeys.allCases.map(\.stringValue),
        "tasks[]": TaskSpec.CodingKeys.allCases.map(\.stringValue),
        "display": DisplaySpec.CodingKeys.allCases.map(\.stringValue),
        "exclusions": ExclusionRules.CodingKeys.allCases.map(\.stringValue),
        "analysis": AnalysisSettings.CodingKeys.allCases.map(\.stringValue),
        "texts": StudyTexts.CodingKeys.allCases.map(\.stringValue),
        "completion": CompletionSpec.CodingKeys.allCases.map(\.stringValue),
        "assignment": AssignmentSpec.CodingKeys.allCases.map(\.stringValue),
    ]

    static func checkKeys(_ lines: YAMLFieldLines, file: URL) throws {
        for (path, keys) in lines.mappingKeys.sorted(by: { $0.key < $1.key }) {
            guard let known = knownKeys[pattern(of: path)] else { continue }
            for (key, line) in keys where !known.contains(key) {
                let field = YAMLFieldLines.join(path, key)
                let fix: String
                if let suggestion = closest(to: key, in: known) {
                    fix = "did you mean `\(suggestion)`? Known keys here: \(known.joined(separator: ", "))"
                } else {
                    fix = "remove it or use one of: \(known.joined(separator: ", "))"
                }
                throw StudyError(file: file, line: line, field: field, problem: "unknown key `\(key)`", fix: fix)
            }
        }
    }

    /// `models[3]` -> `models[]`.
    static func pattern(of path: String) -> String {
        var out = ""
        var inIndex = false
        for character in path {
            if character == "[" {
                inIndex = true
                out.append("[]")
            } else if character == "]" {
                inIndex = false
            } else if !inIndex {
                out.append(character)
            }
        }
        return out
    }

    static func closest(to key: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(key.lowercased(), $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 3) else { return nil }
        return best.0
    }

    /// Levenshtein distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
