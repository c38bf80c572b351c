import Foundation

/// What a study's texts state about a session, computed from its settings rather than written by hand:
/// `{minutes}` in a text becomes the expected length of one session, and `studygen check` warns where a
/// text contradicts the settings (a stated duration far from the expected one, "anonymous" although
/// participant ids are kept).
public enum SessionTextFacts {
    /// The placeholder replaced by the expected minutes of one session.
    public static let minutesPlaceholder = "{minutes}"
    /// Seconds a trial takes beyond its fixation and exposure: the choice (about a second) and the page's
    /// transitions (0.4 s between trials, 2 s of feedback after a practice trial). An assumption, checked against
    /// real sessions by `studyserver status`.
    static let secondsPerTrialBeyondExposure = 2.0
    /// Seconds for the steps around the trials: display check, consent, instructions, completion.
    static let fixedSeconds = 75.0
    /// A stated duration this many times longer or shorter than the expected one is reported.
    public static let toleratedFactor = 1.5

    /// Expected seconds for one session of `trials` trials.
    public static func expectedSeconds(trials: Int, fixationMs: Int, exposureMs: Int) -> Double {
        fixedSeconds + Double(trials) * (Double(fixationMs + exposureMs) / 1000 + secondsPerTrialBeyondExposure)
    }

    /// Whole minutes, rounded up, at least 1.
    public static func expectedMinutes(trials: Int, fixationMs: Int, exposureMs: Int) -> Int {
        max(1, Int((expectedSeconds(trials: trials, fixationMs: fixationMs, exposureMs: exposureMs) / 60).rounded(.up)))
    }

    /// `text` with `{minutes}` replaced.
    public static func fill(_ text: String, minutes: Int) -> String {
        text.replacingOccurrences(of: minutesPlaceholder, with: "\(minutes)")
    }

    /// What the participant-facing texts say that the settings contradict, one sentence each.
    public static func contradictions(in texts: StudyTexts, expectedMinutes: Int) -> [String] {
        var found: [String] = []
        for (name, text) in [("consent", texts.consent), ("instructions", texts.instructions), ("completion", texts.completion)] {
            let lower = text.lowercased()
            if claimsAnonymity(lower) {
                found.append(
                    "texts.\(name) says the answers are anonymous, but participant ids (and Prolific study and session ids) are kept "
                        + "with them: say \"pseudonymous\" and list what is recorded")
            }
            for stated in statedMinutes(in: lower) {
                let expected = Double(expectedMinutes)
                if Double(stated) > expected * toleratedFactor || Double(stated) * toleratedFactor < expected {
                    found.append(
                        "texts.\(name) states \(stated) minutes, but a session of this design takes about \(expectedMinutes): "
                            + "write \(minutesPlaceholder) to state the expected duration")
                }
            }
        }
        return found
    }

    /// "anonymous" or "anonymously" stated, not denied ("not anonymous").
    static func claimsAnonymity(_ lowercased: String) -> Bool {
        lowercased.ranges(of: "anonym").contains { range in
            !lowercased[..<range.lowerBound].hasSuffix("not ")
        }
    }

    /// Numbers followed by "min" ("10 minutes", "5-min").
    static func statedMinutes(in text: String) -> [Int] {
        let pattern = /(\d+)\s*-?\s*min/
        return text.matches(of: pattern).compactMap { Int($0.output.1) }
    }
}
