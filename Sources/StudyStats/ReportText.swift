/// The readable text report (the default format).
public enum ReportText {
    public static func render(_ report: FoolRateReport) -> String {
        var out: [String] = []
        let s = report.settings
        let levelText = Format.percent(s.level, digits: 0)
        out.append("Fool rates: \(report.title) (\(report.study))")
        out.append(
            "Main trials counted: \(report.exclusions.mainTrialsKept) of \(report.exclusions.mainTrials); "
                + "participants: \(report.exclusions.participantsKept) of \(report.exclusions.participants). "
                + "Level \(levelText), bootstrap B = \(s.bootstrapSamples), seed \(s.seed).")
        out.append("Primary interval: \(s.primaryDescription)")
        for note in report.notes { out.append("Note: \(note)") }

        for task in report.tasks {
            out.append("")
            out.append("== \(task) ==")
            var table = [
                [
                    "Model", "Trials", "Part.", "Images", "Fool rate", "Primary \(levelText)", "Pigeonhole",
                    "Particip. only", "Images only", "Wilson (naive)", "CP (naive)", "p vs 50%",
                    "TOST ±\(Format.percent(s.equivalenceMargin, digits: 0))",
                ]
            ]
            for row in report.foolRates where row.task == task {
                func ci(_ m: IntervalMethod) -> String {
                    guard let c = row.interval(m) else {
                        return m == .crossedCombined && row.trials > 0 && row.tooFewForInterval ? IntervalMinimum.tooFewLabel : "-"
                    }
                    return "[\(Format.percent(c.low)), \(Format.percent(c.high))]"
                }
                let tost = row.versusHalf.map { "p=\(Format.pValue($0.equivalencePValue))\($0.equivalent ? " equiv." : "")" } ?? "-"
                table.append([
                    row.label, "\(row.trials)", "\(row.participants)", "\(row.images)", Format.percent(row.foolRate),
                    ci(.crossedCombined), ci(.bootstrapPigeonhole), ci(.bootstrapParticipants),
                    ci(.bootstrapImages), ci(.wilsonNaive), ci(.clopperPearsonNaive),
                    Format.pValue(row.versusHalf?.pValue), tost,
                ])
            }
            out.append(contentsOf: TextTable.render(table))
            for row in report.foolRates where row.task == task {
                for note in row.notes { out.append("  \(row.label): \(note)") }
            }

            let pairs = report.pairwise.filter { $0.task == task }
            if !pairs.isEmpty {
                out.append("")
                out.append("Pairwise differences (A - B, paired by image; Holm-adjusted within \(task)):")
                var pt = [["A", "B", "Images", "Difference", "Primary \(levelText)", "Pigeonhole", "p", "p (Holm)"]]
                for p in pairs {
                    func ci(_ m: IntervalMethod) -> String {
                        guard let c = p.ci.first(where: { $0.method == m }) else {
                            return m == .crossedCombined && p.tooFewForInterval ? IntervalMinimum.tooFewLabel : "-"
                        }
                        return "[\(Format.percent(c.low)), \(Format.percent(c.high))]"
                    }
                    pt.append([
                        label(report, p.modelA), label(report, p.modelB), "\(p.pairedImages)",
                        Format.percent(p.difference), ci(.crossedCombined), ci(.bootstrapPigeonhole),
                        Format.pValue(p.pValue), Format.pValue(p.pHolm),
                    ])
                }
                out.append(contentsOf: TextTable.render(pt))
            }
            out.append(contentsOf: MixedModelRender.textLines(report, task: task))

            let extremes = report.extremes.filter { $0.task == task }
            if !extremes.isEmpty {
                out.append("")
                out.append(
                    "Lowest and highest images (ranked by empirical-Bayes estimate, ties by raw rate, then image id; raw rate and trials in brackets):"
                )
                for e in extremes {
                    func list(_ rows: [ImageFoolRate]) -> String {
                        rows.map { "\($0.image) \(Format.percent($0.shrunken, digits: 0)) (\($0.fooled)/\($0.trials))" }
                            .joined(separator: ", ")
                    }
                    out.append("  \(label(report, e.model)): lowest \(list(e.lowest)); highest \(list(e.highest))")
                }
            }
            if let bias = report.positionBias.first(where: { $0.task == task }), bias.trials > 0 {
                let ci = bias.ci.first.map { " [\(Format.percent($0.low)), \(Format.percent($0.high))] naive Wilson" } ?? ""
                out.append("")
                out.append(
                    "Position bias: left chosen in \(Format.percent(bias.leftChoiceRate)) of \(bias.trials) trials\(ci); "
                        + "fool rate with the model on the left \(Format.percent(bias.foolRateModelLeft)) (\(bias.trialsModelLeft) trials), "
                        + "on the right \(Format.percent(bias.foolRateModelRight)) (\(bias.trialsModelRight) trials).")
            }
        }

        out.append("")
        out.append("Exclusions (applied in this order; practice trials never count: \(report.exclusions.practiceTrials)):")
        var et = [["Rule", "Declared", "Main trials removed", "Participants removed"]]
        for r in report.exclusions.rules {
            et.append([r.rule.rawValue, r.description, "\(r.mainTrials)", r.rule.isParticipantLevel ? "\(r.participants)" : "-"])
        }
        out.append(contentsOf: TextTable.render(et, left: [0, 1]))

        out.append("")
        out.append(
            "Flagged participants: \(report.flaggedParticipants.count), "
                + "\(report.flaggedParticipants.filter(\.excluded).count) of them excluded (every flag listed, excluded or not).")
        if !report.flaggedParticipants.isEmpty {
            var ft = [["Participant", "Tasks", "Answers", "Excluded", "Flags (why)"]]
            for p in report.flaggedParticipants {
                let why = p.reasons.map { "\($0.flag.rawValue) (\($0.detail))" }.joined(separator: "; ")
                ft.append([p.participant, p.tasks.joined(separator: " "), "\(p.answers)", p.excluded ? "yes" : "no", why])
            }
            out.append(contentsOf: TextTable.render(ft, left: [0, 1, 3, 4]))
        }
        out.append("")
        out.append("Fool rates with and without exclusions (primary \(levelText) interval):")
        var wt = [["Task", "Model", "With exclusions", "Trials", "Without exclusions", "Trials"]]
        for (row, raw) in report.exclusionComparison {
            wt.append([row.task, row.label, row.rateWithPrimaryInterval, "\(row.trials)", raw.rateWithPrimaryInterval, "\(raw.trials)"])
        }
        out.append(contentsOf: TextTable.render(wt, left: [0, 1]))
        out.append(contentsOf: screeningLines(report))

        if !report.screens.isEmpty {
            out.append("")
            out.append("Fool rates by screen (devicePixelRatio and drawn image width in CSS px; naive Wilson \(levelText) intervals):")
            var st = [["Task", "Model", "Screen", "Trials", "Fool rate", "Wilson"]]
            for r in report.screens {
                let ci = r.wilson.map { "[\(Format.percent($0.low)), \(Format.percent($0.high))]" } ?? "-"
                st.append([r.task, label(report, r.model), r.screen, "\(r.trials)", Format.percent(r.foolRate), ci])
            }
            out.append(contentsOf: TextTable.render(st, left: [0, 1, 2]))
            for t in report.screenTests { out.append("  \(t.task) \(label(report, t.model)): \(t.sentence)") }
        }

        let withCatch = report.catchAccuracy.filter { $0.catchTrials > 0 }
        out.append("")
        out.append(
            "Catch trials: \(report.exclusions.catchTrials) answered by \(withCatch.count) participants; "
                + "\(report.catchAccuracy.filter(\.excluded).count) excluded for low accuracy.")
        if !withCatch.isEmpty {
            var ct = [["Participant", "Tasks", "Catch trials", "Correct", "Accuracy", "Excluded"]]
            for c in report.catchAccuracy {
                ct.append([
                    c.participant, c.tasks.joined(separator: " "), "\(c.catchTrials)", "\(c.correct)",
                    Format.percent(c.accuracy, digits: 0), c.excluded ? "yes" : "",
                ])
            }
            out.append(contentsOf: TextTable.render(ct, left: [0, 1]))
        }
        out.append("")
        out.append("Per-image rates for every model: --format json (\"images\") or --format csv --table images.")
        return out.joined(separator: "\n") + "\n"
    }

    static func label(_ report: FoolRateReport, _ model: String) -> String {
        report.models.first { $0.id == model }?.label ?? model
    }
}

enum TextTable {
    /// Columns in `left` (default: the first) left-aligned, others right-aligned, two spaces apart.
    static func render(_ rows: [[String]], left: Set<Int> = [0]) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return left.contains(i) ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }
}
