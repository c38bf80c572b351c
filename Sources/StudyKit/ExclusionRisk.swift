/// How many attentive participants the declared exclusion rules would remove by chance, before the study
/// runs: the cost of each rule in honest people. An attentive participant is taken to answer catch trials
/// right with probability `catchAccuracy` and to have no preference for a side.
public struct ExclusionRisk: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        /// The rule as declared, in words.
        public var rule: String
        /// Probability that an attentive participant is excluded by it; nil when it cannot be estimated.
        public var probability: Double?
        /// Why the number is what it is, or what to change.
        public var note: String
        public var warning: Bool
    }

    public static let attentiveCatchAccuracy = 0.95
    /// A rule that excludes more than this share of attentive participants is warned about.
    public static let warningShare = 0.05

    public var rules: [Rule]

    /// Probability that an attentive participant is excluded by at least one rule that can be estimated.
    public var combined: Double { 1 - rules.compactMap(\.probability).reduce(1) { $0 * (1 - $1) } }
    public var hasWarning: Bool { rules.contains(where: \.warning) }

    /// `participants`: how many the study plans in all (the fool-rate screening tests them together).
    public init(
        rules: ExclusionRules, catchTrials: Int, answeredTrials: Int, participants: Int = 0,
        catchAccuracy: Double = ExclusionRisk.attentiveCatchAccuracy
    ) {
        var out: [Rule] = []
        if let minimum = rules.minCatchAccuracy {
            let name = "min_catch_accuracy \(Self.percent(minimum)) over \(catchTrials) catch trial\(catchTrials == 1 ? "" : "s")"
            if catchTrials == 0 {
                out.append(
                    Rule(
                        rule: name, probability: 0, note: "no catch trials, so this rule checks nothing; raise catch_rate",
                        warning: true))
            } else {
                let needed = Self.smallestPassing(minimum: minimum, trials: catchTrials)
                let p = Self.binomialBelow(needed, trials: catchTrials, p: catchAccuracy)
                var note = "a participant needs \(needed) of \(catchTrials) right"
                let warning = p > Self.warningShare
                if warning {
                    note += "; more catch trials (catch_rate) or a lower min_catch_accuracy excludes fewer honest people"
                }
                out.append(Rule(rule: name, probability: p, note: note, warning: warning))
            }
        }
        if rules.excludeFlags.contains(.oneSided) {
            let name = "one_sided: \(Self.percent(rules.oneSidedShare)) of \(answeredTrials) answers on one side"
            if answeredTrials < rules.oneSidedMinTrials {
                out.append(
                    Rule(
                        rule: name, probability: 0,
                        note: "fewer answers than one_sided_min_trials (\(rules.oneSidedMinTrials)): never raised", warning: false))
            } else {
                let needed = Int((rules.oneSidedShare * Double(answeredTrials)).rounded(.up))
                let oneSide = 1 - Self.binomialBelow(needed, trials: answeredTrials, p: 0.5)
                let p = min(1, 2 * oneSide)
                out.append(
                    Rule(
                        rule: name, probability: p, note: "\(needed) or more of \(answeredTrials) on the same side",
                        warning: p > Self.warningShare))
            }
        }
        let choiceFlags = rules.excludeFlags.filter { $0 == .implausibleFoolRateHigh || $0 == .implausibleFoolRateLow }
        if !choiceFlags.isEmpty {
            let name = choiceFlags.map(\.rawValue).joined(separator: ", ")
            if let q = rules.foolRateFDR {
                // Benjamini-Hochberg with honest (null) participants rejects any of them with probability q,
                // and then almost always just one: about q / participants each. The crowd's measured spread
                // keeps honest differences in skill from counting as evidence (see docs).
                let p = participants > 0 ? min(1, q / Double(participants)) : q
                let each = choiceFlags.count == 2 ? "" : " (only \(choiceFlags[0] == .implausibleFoolRateHigh ? "high" : "low") rates exclude)"
                out.append(
                    Rule(
                        rule: "\(name) at fool_rate_fdr \(Self.percent(q))", probability: p,
                        note: "false discovery control across \(participants > 0 ? "\(participants)" : "all") participants\(each): "
                            + "about q / participants each; 0.03% in the crossed simulation",
                        warning: p > Self.warningShare))
            } else {
                out.append(Rule(rule: name, probability: 0, note: "never raised: fool_rate_fdr is null", warning: false))
            }
        }
        let impossible = rules.excludeFlags.filter { [.earlyAnswers, .unseenAnswers, .tooFastSession].contains($0) }
        if !impossible.isEmpty {
            out.append(
                Rule(
                    rule: impossible.map(\.rawValue).joined(separator: ", "), probability: 0,
                    note: "cannot happen to anyone who uses the study page", warning: false))
        }
        for flag in rules.excludeFlags where flag == .focusLost || flag == .interrupted {
            out.append(
                Rule(
                    rule: flag.rawValue, probability: nil,
                    note: "depends on the participant's surroundings; watch it in the pilot", warning: false))
        }
        self.rules = out
    }

    /// The fewest right answers out of `trials` that reach `minimum` accuracy.
    static func smallestPassing(minimum: Double, trials: Int) -> Int {
        (0...trials).first { Double($0) / Double(trials) >= minimum } ?? trials + 1
    }

    /// P(X < k) for X ~ Binomial(trials, p).
    static func binomialBelow(_ k: Int, trials: Int, p: Double) -> Double {
        guard k > 0 else { return 0 }
        guard k <= trials else { return 1 }
        var pmf = pow1(1 - p, trials)  // P(X = 0)
        var total = 0.0
        for x in 0..<k {
            total += pmf
            pmf *= Double(trials - x) / Double(x + 1) * (p / (1 - p))
        }
        return min(1, total)
    }

    private static func pow1(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= base }
        return result
    }

    static func percent(_ value: Double) -> String {
        let scaled = value * 100
        return scaled == scaled.rounded() ? "\(Int(scaled))%" : "\((scaled * 10).rounded() / 10)%"
    }

    /// Lines for `studygen check` and `studyserver plan`.
    public func describe(indent: String = "  ") -> [String] {
        var lines = [
            "\(indent)exclusion rules (share of attentive participants each would exclude; catch accuracy "
                + "\(Self.percent(Self.attentiveCatchAccuracy)), no side preference):"
        ]
        for rule in rules {
            let share = rule.probability.map { Self.percent(($0 * 1000).rounded() / 1000) } ?? "unknown"
            lines.append("\(indent)  \(rule.rule): \(share) (\(rule.note))\(rule.warning ? "  WARNING" : "")")
        }
        lines.append("\(indent)  all rules together: \(Self.percent((combined * 1000).rounded() / 1000))")
        if hasWarning {
            lines.append("\(indent)warning: a declared rule would exclude more than \(Self.percent(Self.warningShare)) of attentive participants")
        }
        return lines
    }
}
