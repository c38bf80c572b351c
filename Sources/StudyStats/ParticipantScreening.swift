import StudyKit

/// One participant's flags (StudyKit's `ParticipantFlag`) with what raised each, and whether the study's
/// rules exclude them.
public struct ParticipantScreen: Codable, Sendable, Equatable {
    public struct Reason: Codable, Sendable, Equatable {
        public var flag: ParticipantFlag
        public var detail: String
    }

    public var participant: String
    public var sessions: [String]
    public var tasks: [String]
    /// Answers counted for the flags (practice excluded).
    public var answers: Int
    public var reasons: [Reason]
    public var excluded: Bool

    public var flags: [ParticipantFlag] { reasons.map(\.flag) }
}

/// Raises participant flags from answered trials: the server's per-answer timing flags, the session's
/// pace, the side chosen, the lost-focus trials, and (over the whole crowd, `ChoiceScreening`) the fool
/// rate. Pure; the server stores its per-participant flags at completion and the report recomputes them all
/// for every participant.
public enum ParticipantScreening {
    /// Every participant with at least one non-practice answer, flagged or not, sorted by id.
    /// `catchFailed` comes from the catch accuracy the exclusions computed (one rule, one place).
    public static func screen(
        _ trials: [AnsweredTrial], rules: ExclusionRules, exposureMs: Int,
        catchAccuracy: [ParticipantCatchAccuracy] = []
    ) -> [ParticipantScreen] {
        var byParticipant: [String: [AnsweredTrial]] = [:]
        for trial in trials where trial.kind != .practice { byParticipant[trial.participant, default: []].append(trial) }
        let catchFailed = Dictionary(catchAccuracy.map { ($0.participant, $0) }, uniquingKeysWith: { a, _ in a })
        var reasonsOf: [String: [ParticipantScreen.Reason]] = [:]
        for (participant, own) in byParticipant {
            var reasons = flags(own, rules: rules, exposureMs: exposureMs)
            if let accuracy = catchFailed[participant], accuracy.excluded {
                reasons.append(.init(flag: .catchFailed, detail: "\(accuracy.correct) of \(accuracy.catchTrials) catch trials right"))
            }
            reasonsOf[participant] = reasons
        }
        // The crowd a participant's choices are compared with leaves out whoever another rule excludes.
        let excludes = { (reasons: [ParticipantScreen.Reason]) in
            reasons.contains { rules.excludeFlags.contains($0.flag) || $0.flag == .catchFailed }
        }
        let excludedElsewhere = Set(reasonsOf.filter { excludes($0.value) }.keys)
        let choices = rules.foolRateFDR.map { q in
            Dictionary(
                ChoiceScreening.screen(trials, q: q, sd: rules.foolRateSD, outsideTheCrowd: excludedElsewhere).map { ($0.participant, $0) },
                uniquingKeysWith: { a, _ in a })
        }
        return byParticipant.keys.sorted().map { participant in
            let own = byParticipant[participant] ?? []
            var reasons = reasonsOf[participant] ?? []
            if let tested = choices?[participant], let flag = tested.flag { reasons.append(.init(flag: flag, detail: tested.detail)) }
            reasons.sort { $0.flag < $1.flag }
            let excluded = excludes(reasons)
            return ParticipantScreen(
                participant: participant, sessions: Array(Set(own.map(\.session))).sorted(),
                tasks: Array(Set(own.map(\.task))).sorted(), answers: own.count,
                reasons: reasons, excluded: excluded)
        }
    }

    /// The flags of one participant's non-practice answers, catch accuracy aside.
    public static func flags(_ trials: [AnsweredTrial], rules: ExclusionRules, exposureMs: Int) -> [ParticipantScreen.Reason] {
        var reasons: [ParticipantScreen.Reason] = []
        let n = trials.count
        guard n > 0 else { return reasons }
        let delayMs = rules.minimumAnswerDelayMs(exposureMs: exposureMs)
        let early = trials.filter { $0.flags.contains(AnswerFlag.earlyAnswer.rawValue) }.count
        if early > 0 {
            reasons.append(
                .init(
                    flag: .earlyAnswers,
                    detail: "\(early) of \(n) answers arrived sooner than \(Int(delayMs)) ms after their images were served"))
        }
        let unseen = trials.filter { $0.flags.contains(AnswerFlag.unseen.rawValue) }.count
        if unseen > 0 {
            reasons.append(.init(flag: .unseenAnswers, detail: "\(unseen) of \(n) answers for trials whose images were never served"))
        }
        let starts = trials.compactMap { $0.servedAt ?? $0.receivedAt }
        if let first = starts.min(), let last = trials.compactMap(\.receivedAt).max() {
            let tookMs = (last - first) * 1000
            let neededMs = Double(n) * delayMs
            if tookMs < neededMs {
                reasons.append(
                    .init(
                        flag: .tooFastSession,
                        detail: "\(n) answers in \(Int(tookMs)) ms; at least \(Int(neededMs)) ms are needed"))
            }
        }
        let left = trials.filter { $0.choice == .left }.count
        let same = max(left, n - left)
        if n >= rules.oneSidedMinTrials, Double(same) >= rules.oneSidedShare * Double(n) {
            reasons.append(.init(flag: .oneSided, detail: "\(same) of \(n) answers on the \(left >= n - left ? "left" : "right")"))
        }
        let lost = trials.filter { $0.flags.contains(AnswerFlag.focusLost.rawValue) || $0.flags.contains(AnswerFlag.visibilityLost.rawValue) }.count
        if lost >= rules.maxFocusLosses {
            reasons.append(.init(flag: .focusLost, detail: "focus or visibility lost in \(lost) of \(n) trials"))
        }
        let interrupted = trials.filter {
            $0.flags.contains(AnswerFlag.servedAgain.rawValue) || $0.flags.contains(AnswerFlag.interrupted.rawValue)
        }.count
        if interrupted > 0 {
            reasons.append(.init(flag: .interrupted, detail: "\(interrupted) of \(n) trials shown again or interrupted"))
        }
        return reasons
    }
}
