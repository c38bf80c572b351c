/// Why a participant's answers may not be trustworthy. Raised per participant from what the server saw
/// (when each trial's images were served, when its answer arrived) and what the participant answered
/// (the `implausible_fool_rate_*` flags compare them with the whole crowd, so only the report raises them);
/// `exclusions.exclude_flags` in study.yaml decides which of them remove the participant.
public enum ParticipantFlag: String, Codable, Sendable, CaseIterable, Comparable {
    /// An answer arrived sooner after its images were served than the exposure plus the minimum response time.
    case earlyAnswers = "early_answers"
    /// An answer came for a trial whose images the server never served to this session.
    case unseenAnswers = "unseen_answers"
    /// The whole session, from its first served image to its last answer, was shorter than its trials allow.
    case tooFastSession = "too_fast_session"
    /// Catch-trial accuracy below `exclusions.min_catch_accuracy`.
    case catchFailed = "catch_failed"
    /// (Nearly) always the same side: at least `exclusions.one_sided_share` of the answers.
    case oneSided = "one_sided"
    /// Focus or visibility lost in at least `exclusions.max_focus_losses` trials.
    case focusLost = "focus_lost"
    /// A trial's images were served again (reload, back/forward) or the browser reported an interruption.
    case interrupted
    /// Fooled far more often than the other participants' rates in the same (task, model) cells predict
    /// (`exclusions.fool_rate_fdr`): the choices of a script that tells the images apart and picks the model's.
    case implausibleFoolRateHigh = "implausible_fool_rate_high"
    /// Fooled far less often than the other participants predict: a script that picks the truth every time.
    case implausibleFoolRateLow = "implausible_fool_rate_low"

    public static func < (a: ParticipantFlag, b: ParticipantFlag) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }

    /// What the flag means, for reports.
    public var meaning: String {
        switch self {
        case .earlyAnswers: return "answered sooner after the images were served than the exposure allows"
        case .unseenAnswers: return "answered trials whose images were never served"
        case .tooFastSession: return "finished faster than the trials allow"
        case .catchFailed: return "catch-trial accuracy below the declared minimum"
        case .oneSided: return "chose the same side almost always"
        case .focusLost: return "lost focus or visibility in several trials"
        case .interrupted: return "trials re-shown after a reload or interruption"
        case .implausibleFoolRateHigh: return "fooled far more often than the other participants (false discovery rate control)"
        case .implausibleFoolRateLow: return "fooled far less often than the other participants (false discovery rate control)"
        }
    }
}

/// Every per-answer flag, as the answer's `flags` column holds them: first those from what the browser
/// reported, then those the server sets from its own clock.
public enum AnswerFlag: String, Sendable, CaseIterable {
    /// The measured exposure is outside exposure_ms +- exposure_tolerance_ms.
    case exposureDeviation = "exposure_deviation"
    /// The page was hidden during the trial.
    case visibilityLost = "visibility_lost"
    /// The window lost focus during the trial.
    case focusLost = "focus_lost"
    /// The trial was disturbed (reload, resize, ...); `interrupted(reason:)` names how.
    case interrupted
    /// Received sooner than exposure + minimum response after the trial's images were first served.
    case earlyAnswer = "early_answer"
    /// No image of the trial was served to the session before the answer.
    case unseen
    /// An image of the trial was served more than once: the trial may have been seen twice.
    case servedAgain = "served_again"

    /// The flag that names how a trial was interrupted, beside `interrupted`.
    public static func interrupted(reason: String) -> String { "\(AnswerFlag.interrupted.rawValue)_\(reason)" }
}
