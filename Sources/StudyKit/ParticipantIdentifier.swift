import Foundation

/// The rule for external participant ids (`pid`, Prolific's PROLIFIC_PID, STUDY_ID, SESSION_ID): one
/// spelling per person (Unicode NFC), at most `maxBytes` UTF-8 bytes, and nothing invisible or
/// confusing: no whitespace, control, format (bidi, zero-width), private-use or unassigned characters.
public enum ParticipantIdentifier {
    public static let maxBytes = 128

    /// The NFC form of `raw`, or nil when it breaks the rule.
    public static func normalized(_ raw: String) -> String? {
        let value = raw.precomposedStringWithCanonicalMapping
        guard !value.isEmpty, value.utf8.count <= maxBytes else { return nil }
        for scalar in value.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .privateUse, .unassigned, .surrogate,
                .spaceSeparator, .lineSeparator, .paragraphSeparator:
                return nil
            default:
                if scalar.properties.isWhitespace || scalar.properties.isDefaultIgnorableCodePoint { return nil }
            }
        }
        return value
    }

    public static let ruleDescription =
        "1-\(maxBytes) bytes of visible characters: no spaces, control, bidi or zero-width characters"
}
