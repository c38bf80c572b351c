import StudyKit

/// How much the choice screening (`implausible_fool_rate_*`) and any single participant move each fool
/// rate: the rate with the screened participants counted and without them, both after every other rule,
/// and the range of the reported rate when one participant at a time is left out.
public struct ScreeningSensitivity: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var task: String
        public var model: String
        /// After every other rule, the screened participants counted.
        public var withScreened: Rate
        /// After every other rule, the screened participants removed.
        public var withoutScreened: Rate
        /// Lowest and highest reported fool rate with one participant left out (nil with fewer than two).
        public var leaveOneOutLow: Double?
        public var leaveOneOutHigh: Double?
    }

    public struct Rate: Codable, Sendable, Equatable {
        public var fooled: Int
        public var trials: Int
        public var foolRate: Double? { trials > 0 ? Double(fooled) / Double(trials) : nil }

        enum CodingKeys: String, CodingKey {
            case fooled, trials
            case foolRate = "fool_rate"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(fooled, forKey: .fooled)
            try c.encode(trials, forKey: .trials)
            try c.encode(foolRate, forKey: .foolRate)
        }

        public init(fooled: Int, trials: Int) {
            self.fooled = fooled
            self.trials = trials
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(fooled: try c.decode(Int.self, forKey: .fooled), trials: try c.decode(Int.self, forKey: .trials))
        }
    }

    /// The declared false discovery rate; nil: the screening is off.
    public var fdr: Double?
    /// Whether `exclude_flags` lets the screening's flags exclude.
    public var excludes: Bool
    /// Participants the screening flagged.
    public var screened: [String]
    public var rows: [Row]

    /// `kept`: the main trials the report counts; `screens`: every participant's flags.
    static func measure(
        _ trials: [AnsweredTrial], rules: ExclusionRules, exposureMs: Int, kept: [AnsweredTrial], screens: [ParticipantScreen]
    ) -> ScreeningSensitivity {
        let choiceFlags: Set<ParticipantFlag> = [.implausibleFoolRateHigh, .implausibleFoolRateLow]
        let screened = Set(screens.filter { !Set($0.flags).isDisjoint(with: choiceFlags) }.map(\.participant))
        var others = rules
        others.excludeFlags.removeAll { choiceFlags.contains($0) }
        let counted = Exclusions.apply(trials, rules: others, exposureMs: exposureMs).keptMain
        var cells: [String] = []
        var seen: Set<String> = []
        for t in counted + kept where seen.insert(t.task + "\u{0}" + t.model).inserted { cells.append(t.task + "\u{0}" + t.model) }
        let rows = cells.map { key -> Row in
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            let inCell = { (t: AnsweredTrial) in t.task == parts[0] && t.model == parts[1] }
            let with = counted.filter(inCell)
            let without = with.filter { !screened.contains($0.participant) }
            let reported = kept.filter(inCell)
            var byParticipant: [String: (fooled: Int, trials: Int)] = [:]
            for t in reported {
                byParticipant[t.participant, default: (0, 0)].trials += 1
                byParticipant[t.participant, default: (0, 0)].fooled += t.fooled ? 1 : 0
            }
            let fooled = reported.filter(\.fooled).count
            let rates = byParticipant.values.compactMap { own -> Double? in
                reported.count > own.trials ? Double(fooled - own.fooled) / Double(reported.count - own.trials) : nil
            }
            return Row(
                task: parts[0], model: parts[1], withScreened: rate(with), withoutScreened: rate(without),
                leaveOneOutLow: byParticipant.count > 1 ? rates.min() : nil, leaveOneOutHigh: byParticipant.count > 1 ? rates.max() : nil)
        }
        return ScreeningSensitivity(
            fdr: rules.foolRateFDR, excludes: !Set(rules.excludeFlags).isDisjoint(with: choiceFlags), screened: screened.sorted(),
            rows: rows)
    }

    static func rate(_ trials: [AnsweredTrial]) -> Rate { Rate(fooled: trials.filter(\.fooled).count, trials: trials.count) }

    /// One sentence on what the screening declared and did.
    var summary: String {
        guard let fdr else { return "The fool-rate screening is off (exclusions.fool_rate_fdr: null)." }
        return "Fool-rate screening (two-sided, false discovery rate \(Format.percent(fdr, digits: 0))): "
            + "\(screened.count) participant\(screened.count == 1 ? "" : "s") screened"
            + (screened.isEmpty ? "" : " (\(screened.joined(separator: ", ")))")
            + (excludes ? ", excluded by exclude_flags." : ", reported only (not in exclude_flags).")
    }
}

extension ReportText {
    /// The sensitivity section: rates with and without the screened participants, and the leave-one-out range.
    static func screeningLines(_ report: FoolRateReport) -> [String] {
        guard let s = report.screening else { return [] }
        var out = ["", "Sensitivity: \(s.summary)"]
        var table = [["Task", "Model", "Screened counted", "Trials", "Screened removed", "Trials", "Leave one participant out"]]
        for row in s.rows {
            let loo = row.leaveOneOutLow.map { "\(Format.percent($0)) - \(Format.percent(row.leaveOneOutHigh))" } ?? "-"
            table.append([
                row.task, label(report, row.model), Format.percent(row.withScreened.foolRate), "\(row.withScreened.trials)",
                Format.percent(row.withoutScreened.foolRate), "\(row.withoutScreened.trials)", loo,
            ])
        }
        out.append(contentsOf: TextTable.render(table, left: [0, 1]))
        return out
    }
}

extension ReportHTML {
    /// The sensitivity section of the HTML report.
    static func screeningSection(_ report: FoolRateReport) -> String {
        guard let s = report.screening else { return "" }
        var h = "<h2>Sensitivity to screening and to single participants</h2><p class=\"muted\">\(esc(s.summary))</p>"
        h += "<table><tr><th>Task</th><th>Model</th><th>Screened counted</th><th>Trials</th><th>Screened removed</th><th>Trials</th>"
        h += "<th>Leave one participant out</th></tr>"
        for row in s.rows {
            let loo = row.leaveOneOutLow.map { "\(Format.percent($0)) &ndash; \(Format.percent(row.leaveOneOutHigh))" } ?? "-"
            h += "<tr><td>\(esc(row.task))</td><td>\(esc(ReportText.label(report, row.model)))</td>"
            h += "<td>\(Format.percent(row.withScreened.foolRate))</td><td>\(row.withScreened.trials)</td>"
            h += "<td>\(Format.percent(row.withoutScreened.foolRate))</td><td>\(row.withoutScreened.trials)</td><td>\(loo)</td></tr>"
        }
        return h + "</table>"
    }
}
