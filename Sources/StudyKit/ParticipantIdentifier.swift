import Foundation

/// The rule for external participant ids (`pid`, Prolific's PROLIFIC_PID, STUDY_ID, SESSION_ID): one
/// spelling per person (Unicode NFC), at most `maxBytes` UTF-8 bytes, and nothing invisible or
/// confusing: no whitespace, control, format (bidi, zero-width), private-use or unassigned characters,
/// no default-ignorable ones and none drawn as a blank (`blanks`).
///
/// Ids are compared as people read them (`comparisonKey`): `José42`, `JOSÉ42`, `José４２` and `Jоsé42`
/// (Cyrillic о) are one participant.
public enum ParticipantIdentifier {
    public static let maxBytes = 128

    /// Characters that are letters or symbols to Unicode but have no visible glyph: U+2800 BRAILLE PATTERN
    /// BLANK, the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0; also default-ignorable) and U+180E
    /// MONGOLIAN VOWEL SEPARATOR.
    static let blanks: Set<Unicode.Scalar> = ["\u{2800}", "\u{115F}", "\u{1160}", "\u{3164}", "\u{FFA0}", "\u{180E}"]

    /// The key two ids are compared by: the UTS #39 skeleton (`ConfusableSkeleton`) of the id's NFKC form,
    /// case-folded. Equal keys are one participant.
    public static func comparisonKey(_ id: String) -> String {
        let compatible = id.precomposedStringWithCompatibilityMapping
        let folded = compatible.folding(options: [.caseInsensitive], locale: nil).precomposedStringWithCompatibilityMapping
        return ConfusableSkeleton.skeleton(folded)
    }

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
                if scalar.properties.isWhitespace || scalar.properties.isDefaultIgnorableCodePoint || blanks.contains(scalar) {
                    return nil
                }
            }
        }
        return value
    }

    /// The study's `assignment.participant_id_pattern` as an expression the whole id must match; nil when
    /// it is not a regular expression.
    public static func idPattern(_ pattern: String) -> NSRegularExpression? {
        try? NSRegularExpression(pattern: "^(?:\(pattern))$")
    }

    /// Whether `id` matches the study's id pattern as a whole.
    public static func matches(_ id: String, pattern: String) -> Bool {
        guard let expression = idPattern(pattern) else { return false }
        return expression.firstMatch(in: id, range: NSRange(id.startIndex..., in: id)) != nil
    }

    public static let ruleDescription =
        "1-\(maxBytes) bytes of visible characters: no spaces, control, bidi, zero-width or blank characters"
}
