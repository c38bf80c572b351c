import StudyKit

/// The rules of `ExclusionRules`, in the order they are applied; a trial is counted under the first
/// rule that removes it. Practice trials are never counted and are not an exclusion.
public enum ExclusionRule: String, Codable, Sendable, CaseIterable {
    case incompleteSession = "incomplete_session"
    case lowCatchAccuracy = "low_catch_accuracy"
    case flaggedParticipant = "flagged_participant"
    case flaggedExposure = "flagged_exposure"
    case tooFast = "too_fast"
}

extension ExclusionRule {
    /// The rule removes whole participants rather than single trials.
    public var isParticipantLevel: Bool { self == .incompleteSession || self == .lowCatchAccuracy || self == .flaggedParticipant }
}

public struct ExclusionCount: Codable, Sendable, Equatable {
    public var rule: ExclusionRule
    /// The rule as declared, in words, or "not declared".
    public var description: String
    public var active: Bool
    /// Main trials removed by this rule (and no earlier one).
    public var mainTrials: Int
    /// Participants this rule removed entirely (participant-level rules only).
    public var participants: Int
}

public struct ParticipantCatchAccuracy: Codable, Sendable, Equatable {
    public var participant: String
    public var tasks: [String]
    public var catchTrials: Int
    public var correct: Int
    /// nil when the participant answered no catch trials.
    public var accuracy: Double?
    public var excluded: Bool
}

public struct ExclusionSummary: Codable, Sendable, Equatable {
    public var answeredTrials: Int
    public var practiceTrials: Int
    public var catchTrials: Int
    public var mainTrials: Int
    public var mainTrialsKept: Int
    public var participants: Int
    public var participantsKept: Int
    public var rules: [ExclusionCount]
}

/// What the exclusion rules leave, and why each removed trial went.
public struct ExclusionOutcome: Sendable {
    /// Main trials that count toward fool rates.
    public var keptMain: [AnsweredTrial]
    /// For each input trial, the rule that removed it (nil: kept, or practice).
    public var reasons: [ExclusionRule?]
    public var summary: ExclusionSummary
    public var catchAccuracy: [ParticipantCatchAccuracy]
    /// Every participant with their flags and whether they are excluded, flagged or not.
    public var participants: [ParticipantScreen]
}

public enum Exclusions {
    /// Applies `rules` in the order of `ExclusionRule`. Catch accuracy is computed over each
    /// participant's catch trials in the sessions the completeness rule keeps; a participant without
    /// catch trials is not excluded by it.
    /// `exposureMs` is the study's exposure, for the server-timing flags of `ParticipantScreening`.
    public static func apply(_ trials: [AnsweredTrial], rules: ExclusionRules, exposureMs: Int) -> ExclusionOutcome {
        var reasons = [ExclusionRule?](repeating: nil, count: trials.count)
        for (i, t) in trials.enumerated() where t.kind != .practice && rules.requireComplete && !t.sessionComplete {
            reasons[i] = .incompleteSession
        }
        var catchTally: [String: (trials: Int, correct: Int)] = [:]
        var tasksOf: [String: Set<String>] = [:]
        for (i, t) in trials.enumerated() where t.kind != .practice {
            tasksOf[t.participant, default: []].insert(t.task)
            guard t.kind == .catch, reasons[i] == nil else { continue }
            var tally = catchTally[t.participant] ?? (0, 0)
            tally.trials += 1
            if !t.fooled { tally.correct += 1 }
            catchTally[t.participant] = tally
        }
        var catchAccuracy: [ParticipantCatchAccuracy] = []
        var lowAccuracy: Set<String> = []
        for participant in tasksOf.keys.sorted() {
            let tally = catchTally[participant] ?? (0, 0)
            let accuracy = tally.trials > 0 ? Double(tally.correct) / Double(tally.trials) : nil
            var excluded = false
            if let minimum = rules.minCatchAccuracy, let accuracy, accuracy < minimum {
                excluded = true
                lowAccuracy.insert(participant)
            }
            catchAccuracy.append(
                ParticipantCatchAccuracy(
                    participant: participant, tasks: (tasksOf[participant] ?? []).sorted(), catchTrials: tally.trials,
                    correct: tally.correct, accuracy: accuracy, excluded: excluded))
        }
        let screens = ParticipantScreening.screen(trials, rules: rules, exposureMs: exposureMs, catchAccuracy: catchAccuracy)
        let flaggedOut = Set(
            screens.filter { screen in
                screen.flags.contains { $0 != .catchFailed && rules.excludeFlags.contains($0) }
            }.map(\.participant))
        for (i, t) in trials.enumerated() where t.kind != .practice && reasons[i] == nil {
            if lowAccuracy.contains(t.participant) {
                reasons[i] = .lowCatchAccuracy
            } else if flaggedOut.contains(t.participant) {
                reasons[i] = .flaggedParticipant
            } else if t.kind == .main, rules.dropFlaggedExposures, t.flagged {
                reasons[i] = .flaggedExposure
            } else if t.kind == .main, let minimum = rules.minResponseMs, t.responseMs < minimum {
                reasons[i] = .tooFast
            }
        }

        var keptMain: [AnsweredTrial] = []
        var removedMain: [ExclusionRule: Int] = [:]
        var participantsWithMain: Set<String> = []
        var participantsKept: Set<String> = []
        var participantsByFirstRule: [ExclusionRule: Set<String>] = [:]
        for (i, t) in trials.enumerated() where t.kind == .main {
            participantsWithMain.insert(t.participant)
            if let rule = reasons[i] {
                removedMain[rule, default: 0] += 1
                participantsByFirstRule[rule, default: []].insert(t.participant)
            } else {
                keptMain.append(t)
                participantsKept.insert(t.participant)
            }
        }
        let counts = ExclusionRule.allCases.map { rule -> ExclusionCount in
            let gone = (participantsByFirstRule[rule] ?? []).subtracting(participantsKept)
            let participantLevel = rule.isParticipantLevel
            return ExclusionCount(
                rule: rule, description: describe(rule, rules), active: isActive(rule, rules),
                mainTrials: removedMain[rule] ?? 0, participants: participantLevel ? gone.count : 0)
        }
        let summary = ExclusionSummary(
            answeredTrials: trials.count,
            practiceTrials: trials.filter { $0.kind == .practice }.count,
            catchTrials: trials.filter { $0.kind == .catch }.count,
            mainTrials: trials.filter { $0.kind == .main }.count,
            mainTrialsKept: keptMain.count,
            participants: participantsWithMain.count,
            participantsKept: participantsKept.count,
            rules: counts)
        return ExclusionOutcome(
            keptMain: keptMain, reasons: reasons, summary: summary, catchAccuracy: catchAccuracy,
            participants: screens)
    }

    static func isActive(_ rule: ExclusionRule, _ rules: ExclusionRules) -> Bool {
        switch rule {
        case .incompleteSession: return rules.requireComplete
        case .lowCatchAccuracy: return rules.minCatchAccuracy != nil
        case .flaggedParticipant: return rules.excludeFlags.contains { $0 != .catchFailed }
        case .flaggedExposure: return rules.dropFlaggedExposures
        case .tooFast: return rules.minResponseMs != nil
        }
    }

    static func describe(_ rule: ExclusionRule, _ rules: ExclusionRules) -> String {
        switch rule {
        case .incompleteSession:
            return rules.requireComplete ? "sessions that did not reach the completion screen" : "not declared (require_complete: false)"
        case .lowCatchAccuracy:
            guard let minimum = rules.minCatchAccuracy else { return "not declared (min_catch_accuracy: null)" }
            return "participants with catch-trial accuracy below \(Format.percent(minimum, digits: 0))"
        case .flaggedParticipant:
            let flags = rules.excludeFlags.filter { $0 != .catchFailed }
            guard !flags.isEmpty else { return "not declared (exclude_flags: [])" }
            return "participants flagged \(flags.map(\.rawValue).joined(separator: ", "))"
        case .flaggedExposure:
            return rules.dropFlaggedExposures
                ? "trials with a flagged exposure (deviation, visibility or focus lost, interrupted, early, unseen or served again)"
                : "not declared (drop_flagged_exposures: false)"
        case .tooFast:
            guard let minimum = rules.minResponseMs else { return "not declared (min_response_ms: null)" }
            return "answers faster than \(Format.number(minimum, digits: 0)) ms after the images were hidden"
        }
    }
}
