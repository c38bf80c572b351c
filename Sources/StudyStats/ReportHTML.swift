import Foundation
import StudyKit

/// One self-contained HTML file: the paper's Figure 6 as inline SVG, the tables, and galleries of the
/// lowest and highest fool-rate images with their inputs embedded as data: URIs.
public enum ReportHTML {
    /// `stimulus` returns a stimulus file's bytes (PNG), or nil when it is missing.
    public static func render(
        _ report: FoolRateReport, manifest: Manifest,
        stimulus: (StimulusRef) -> Data?
    ) -> String {
        let s = report.settings
        let level = Format.percent(s.level, digits: 0)
        var h: [String] = []
        h.append(
            """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>Fool rates: \(esc(report.title))</title>
            <style>
            body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1380px;color:#222;padding:0 1em}
            .wide{max-width:100%;overflow-x:auto}
            table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
            th,td{border-bottom:1px solid #ddd;padding:.25em .5em;text-align:right}
            td{white-space:nowrap}
            th{white-space:normal;vertical-align:bottom}
            th:first-child,td:first-child,table.pairs td:nth-child(2),table.pairs th:nth-child(2){text-align:left}
            th{background:#f4f4f4}
            .note{color:#a33}.muted{color:#666;font-size:.9em}
            .gallery{display:flex;flex-wrap:wrap;gap:1em;margin-bottom:1.5em}
            figure{margin:0;border:1px solid #ddd;padding:.4em;background:#fafafa}
            figure img{image-rendering:pixelated;margin-right:2px;vertical-align:top}
            figcaption{font-size:.8em;max-width:400px}
            </style></head><body>
            <h1>Fool rates: \(esc(report.title))</h1>
            <p class="muted">Study <code>\(esc(report.study))</code>. Main trials counted: \(report.exclusions.mainTrialsKept)
            of \(report.exclusions.mainTrials); participants: \(report.exclusions.participantsKept) of
            \(report.exclusions.participants). Level \(level), bootstrap B = \(s.bootstrapSamples), seed \(s.seed).</p>
            <p><strong>Primary interval.</strong> \(esc(s.primaryDescription))</p>
            """)
        for note in report.notes { h.append("<p class=\"note\">\(esc(note))</p>") }

        let questions = Dictionary(manifest.definition.tasks.map { ($0.id, $0.question) }, uniquingKeysWith: { a, _ in a })
        func taskName(_ task: String) -> String { questions[task].map { "\($0) (\(task))" } ?? task }

        h.append("<h2>Figure 6: fool rates (\(level) primary intervals)</h2>")
        h.append(
            "<p class=\"muted\">Bars show the fool rate with its primary interval and n, the trials counted; a model "
                + "whose interval cannot be computed yet is marked “n too small” and drawn without a bar.</p>")
        h.append("<div class=\"wide\">" + ReportFigure.svg(report, questions: questions) + "</div>")

        h.append("<h2>Fool rates and every interval</h2>")
        for task in report.tasks {
            let order: [IntervalMethod] = [
                .crossedCombined, .bootstrapPigeonhole, .bootstrapParticipants, .bootstrapImages,
                .wilsonNaive, .clopperPearsonNaive,
            ]
            h.append(
                "<h3>\(esc(taskName(task)))</h3><div class=\"wide\"><table><tr><th>Model</th><th>Trials</th><th>Participants</th><th>Images</th>"
                    + "<th>Fool rate</th>" + order.map { "<th title=\"\(esc($0.label))\">\(esc(header($0)))</th>" }.joined()
                    + "<th>p vs 50%</th><th>TOST ±\(Format.percent(s.equivalenceMargin, digits: 0))</th></tr>")
            var rowNotes: [String] = []
            for row in report.foolRates where row.task == task {
                let cis = order.map { m -> String in
                    guard let c = row.interval(m) else {
                        let tooFew = m == s.primaryMethod && row.trials > 0 && row.tooFewForInterval
                        return "<td>\(tooFew ? IntervalMinimum.tooFewLabel : "-")</td>"
                    }
                    let text = "\(Format.percent(c.low)) – \(Format.percent(c.high))"
                    return m == s.primaryMethod ? "<td><strong>\(text)</strong></td>" : "<td>\(text)</td>"
                }.joined()
                let tost = row.versusHalf.map { "p=\(Format.pValue($0.equivalencePValue))\($0.equivalent ? " (equivalent)" : "")" } ?? "-"
                h.append(
                    "<tr><td>\(esc(row.label))</td><td>\(row.trials)</td><td>\(row.participants)</td><td>\(row.images)</td>"
                        + "<td><strong>\(Format.percent(row.foolRate))</strong></td>\(cis)<td>\(Format.pValue(row.versusHalf?.pValue))</td>"
                        + "<td>\(tost)</td></tr>")
                rowNotes += row.notes.map { "\(row.label): \($0)" }
            }
            h.append("</table></div>")
            if !rowNotes.isEmpty {
                h.append("<ul class=\"muted\">" + rowNotes.map { "<li>\(esc($0))</li>" }.joined() + "</ul>")
            }
            let pairs = report.pairwise.filter { $0.task == task }
            if !pairs.isEmpty {
                h.append("<p>Pairwise differences (A − B, paired by image, Holm-adjusted within \(esc(task))):</p>")
                h.append(
                    "<div class=\"wide\"><table class=\"pairs\"><tr><th>A</th><th>B</th><th>Paired images</th><th>Difference</th><th>Primary \(level)</th>"
                        + "<th>Pigeonhole \(level)</th><th>p</th><th>p (Holm)</th></tr>")
                for p in pairs {
                    func ci(_ m: IntervalMethod) -> String {
                        guard let c = p.ci.first(where: { $0.method == m }) else {
                            return m == .crossedCombined && p.tooFewForInterval ? IntervalMinimum.tooFewLabel : "-"
                        }
                        return "\(Format.percent(c.low)) – \(Format.percent(c.high))"
                    }
                    h.append(
                        "<tr><td>\(esc(ReportText.label(report, p.modelA)))</td><td>\(esc(ReportText.label(report, p.modelB)))</td>"
                            + "<td>\(p.pairedImages)</td><td>\(Format.percent(p.difference))</td><td>\(ci(.crossedCombined))</td>"
                            + "<td>\(ci(.bootstrapPigeonhole))</td><td>\(Format.pValue(p.pValue))</td><td>\(Format.pValue(p.pHolm))</td></tr>")
                }
                h.append("</table></div>")
            }
            h.append(MixedModelRender.html(report, task: task))
            if let bias = report.positionBias.first(where: { $0.task == task }), bias.trials > 0 {
                h.append(
                    "<p>Position bias: left chosen in \(Format.percent(bias.leftChoiceRate)) of \(bias.trials) trials; "
                        + "fool rate with the model on the left \(Format.percent(bias.foolRateModelLeft)), on the right "
                        + "\(Format.percent(bias.foolRateModelRight)).</p>")
            }
        }

        h.append(
            "<h2>Exclusions</h2><p class=\"muted\">Applied in this order; practice trials never count "
                + "(\(report.exclusions.practiceTrials) answered).</p>")
        h.append("<table><tr><th>Rule</th><th>Declared</th><th>Main trials removed</th><th>Participants removed</th></tr>")
        for r in report.exclusions.rules {
            h.append("<tr><td>\(r.rule.rawValue)</td><td>\(esc(r.description))</td><td>\(r.mainTrials)</td><td>\(r.participants)</td></tr>")
        }
        h.append("</table>")
        h.append(
            "<h2>Flagged participants</h2><p class=\"muted\">Every participant with a flag, excluded or not "
                + "(\(report.flaggedParticipants.filter(\.excluded).count) of \(report.flaggedParticipants.count) excluded).</p>")
        if report.flaggedParticipants.isEmpty {
            h.append("<p>No participant is flagged.</p>")
        } else {
            h.append("<table><tr><th>Participant</th><th>Tasks</th><th>Answers</th><th>Excluded</th><th>Flags (why)</th></tr>")
            for p in report.flaggedParticipants {
                let why = p.reasons.map { "<b>\($0.flag.rawValue)</b>: \(esc($0.detail))" }.joined(separator: "<br>")
                h.append(
                    "<tr><td>\(esc(p.participant))</td><td>\(esc(p.tasks.joined(separator: " ")))</td><td>\(p.answers)</td>"
                        + "<td>\(p.excluded ? "yes" : "no")</td><td>\(why)</td></tr>")
            }
            h.append("</table>")
        }
        h.append("<h2>Fool rates with and without exclusions</h2>")
        h.append("<table><tr><th>Task</th><th>Model</th><th>With exclusions</th><th>Trials</th><th>Without exclusions</th><th>Trials</th></tr>")
        for (row, raw) in report.exclusionComparison {
            h.append(
                "<tr><td>\(esc(taskName(row.task)))</td><td>\(esc(row.label))</td><td>\(row.rateWithPrimaryInterval)</td>"
                    + "<td>\(row.trials)</td><td>\(raw.rateWithPrimaryInterval)</td><td>\(raw.trials)</td></tr>")
        }
        h.append("</table>")
        h.append(screeningSection(report))
        if !report.screens.isEmpty {
            h.append(
                "<h2>Fool rates by screen</h2><p class=\"muted\">Screens by devicePixelRatio and the drawn image width in CSS "
                    + "pixels (about its physical size); naive Wilson \(level) intervals, to see whether the rates depend on the screen.</p>")
            h.append("<table><tr><th>Task</th><th>Model</th><th>Screen</th><th>Trials</th><th>Fool rate</th><th>Wilson \(level)</th></tr>")
            for r in report.screens {
                let ci = r.wilson.map { "\(Format.percent($0.low)) – \(Format.percent($0.high))" } ?? "-"
                h.append(
                    "<tr><td>\(esc(taskName(r.task)))</td><td>\(esc(ReportText.label(report, r.model)))</td><td>\(esc(r.screen))</td>"
                        + "<td>\(r.trials)</td><td>\(Format.percent(r.foolRate))</td><td>\(ci)</td></tr>")
            }
            h.append("</table>")
            if !report.screenTests.isEmpty {
                h.append(
                    "<ul>"
                        + report.screenTests.map {
                            "<li>\(esc(taskName($0.task))), \(esc(ReportText.label(report, $0.model))): \(esc($0.sentence))</li>"
                        }
                        .joined() + "</ul>")
            }
        }
        h.append("<h2>Catch-trial accuracy per participant</h2>")
        if report.catchAccuracy.isEmpty {
            h.append("<p>No participants yet.</p>")
        } else {
            h.append("<table><tr><th>Participant</th><th>Tasks</th><th>Catch trials</th><th>Correct</th><th>Accuracy</th><th>Excluded</th></tr>")
            for c in report.catchAccuracy {
                h.append(
                    "<tr><td>\(esc(c.participant))</td><td>\(esc(c.tasks.joined(separator: " ")))</td><td>\(c.catchTrials)</td>"
                        + "<td>\(c.correct)</td><td>\(Format.percent(c.accuracy, digits: 0))</td><td>\(c.excluded ? "yes" : "")</td></tr>")
            }
            h.append("</table>")
        }

        h.append("<h2>Lowest and highest fool-rate images (Figure D.1)</h2>")
        let definition = manifest.definition
        let lookup = ManifestLookup(manifest)
        let inputIsBicubic = lookup.inputIsBicubic
        let inputFactor = max(1, definition.hrSize / max(definition.lrSize, 1))
        let scale = max(1, definition.displayScale)
        let inputPx = (inputIsBicubic ? definition.hrSize : definition.lrSize * inputFactor) * scale
        h.append(
            "<p class=\"muted\">Ranked by the empirical-Bayes (beta-binomial) estimate; ties by the raw rate, then by the "
                + "image id. Each entry is laid out as participants saw the trial: the model output and the HR truth side by "
                + "side (their sides varied from trial to trial; here the output is on the left), with the input between them in "
                + "tasks that show it (\(inputIsBicubic ? "bicubic upsample" : "low resolution, pixels replicated")), at the "
                + "displayed size (\(definition.hrSize * scale) px: \(scale) px per image pixel, pixelated rendering).</p>")
        if report.extremes.isEmpty { h.append("<p>No images with answers yet.</p>") }
        var uriCache: [String: String] = [:]
        func uri(_ ref: StimulusRef?) -> String? {
            guard let ref else { return nil }
            if let cached = uriCache[ref.file] { return cached }
            guard let data = stimulus(ref) else { return nil }
            let value = "data:image/png;base64," + data.base64EncodedString()
            uriCache[ref.file] = value
            return value
        }
        func img(_ ref: StimulusRef?, _ alt: String, size: Int) -> String {
            guard let source = uri(ref) else { return "<span class=\"note\">[\(esc(alt)) missing]</span>" }
            return "<img alt=\"\(esc(alt))\" width=\"\(size)\" height=\"\(size)\" src=\"\(source)\">"
        }
        for e in report.extremes {
            for (title, rows) in [("lowest", e.lowest), ("highest", e.highest)] where !rows.isEmpty {
                h.append("<h3>\(esc(taskName(e.task))): \(esc(ReportText.label(report, e.model))), \(title)</h3><div class=\"gallery\">")
                for r in rows {
                    let image = lookup.image(r.image)
                    let output = lookup.output(image: r.image, model: r.model)?.stimulus
                    let input = inputIsBicubic ? lookup.taskInput(image: r.image) : image?.lr
                    let size = definition.hrSize * scale
                    let shownInput = manifest.task(e.task)?.showInput ?? true ? img(input, "input", size: inputPx) : ""
                    h.append(
                        "<figure>\(img(output, "output", size: size))\(shownInput)\(img(image?.hr, "HR", size: size))"
                            + "<figcaption>\(esc(r.image)): fooled \(r.fooled)/\(r.trials) (\(Format.percent(r.foolRate, digits: 0))); "
                            + "EB \(Format.percent(r.shrunken, digits: 0))</figcaption></figure>")
                }
                h.append("</div>")
            }
        }
        h.append("</body></html>")
        return h.joined(separator: "\n") + "\n"
    }

    static func header(_ method: IntervalMethod) -> String {
        switch method {
        case .crossedCombined: return "Primary"
        case .bootstrapPigeonhole: return "Pigeonhole"
        case .bootstrapParticipants: return "Participants only"
        case .bootstrapImages: return "Images only"
        case .wilsonNaive: return "Wilson (naive)"
        case .clopperPearsonNaive: return "Clopper-Pearson (naive)"
        }
    }

    static func esc(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}

/// The paper's Figure 6: one panel per task titled by its question, stacked as the paper draws them (Task-1
/// above Task-2), a bar per model with its primary interval as a whisker and n under it, on a fixed 0-100%
/// axis ("higher is better") with the 50% line a photo-realistic model would reach. A model without a primary
/// interval gets no bar, only "n too small".
enum ReportFigure {
    static func svg(_ report: FoolRateReport, questions: [String: String] = [:]) -> String {
        let slot = 110.0
        let panelWidth = max(340.0, 80.0 + slot * Double(max(report.models.count, 1)))
        let titleLines = report.tasks.map { wrap(questions[$0] ?? $0, width: Int(panelWidth / 7)) }
        let labelLines = report.models.map { wrap($0.label, width: 16) }
        let top = 24.0 + 15.0 * Double(titleLines.map(\.count).max() ?? 1)
        let bottom = 50.0 + 13.0 * Double(labelLines.map(\.count).max() ?? 1)
        let plotHeight = 220.0
        let left = 50.0
        let panelHeight = top + plotHeight + bottom
        // A fixed axis, so that figures of different studies and pilots compare at a glance.
        let yMax = 1.0
        func y(_ v: Double) -> Double { top + plotHeight * (1 - min(max(v, 0), yMax) / yMax) }
        let width = panelWidth
        let height = panelHeight * Double(max(report.tasks.count, 1))
        var g: [String] = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" "
                + "viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" "
                + "aria-label=\"Fool rates per model and task\">"
        ]
        let colors = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]
        for (t, task) in report.tasks.enumerated() {
            let y0 = Double(t) * panelHeight
            g.append("<g transform=\"translate(0,\(n(y0)))\">")
            g.append(
                lines(titleLines[t], x: panelWidth / 2, y: 18, step: 15, attributes: "text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\""))
            var tick = 0.0
            while tick <= yMax + 1e-9 {
                g.append("<line x1=\"\(n(left))\" x2=\"\(n(panelWidth - 10))\" y1=\"\(n(y(tick)))\" y2=\"\(n(y(tick)))\" stroke=\"#eee\"/>")
                g.append("<text x=\"\(n(left - 4))\" y=\"\(n(y(tick) + 4))\" text-anchor=\"end\">\(Int((tick * 100).rounded()))%</text>")
                tick += 0.2
            }
            g.append(
                "<line x1=\"\(n(left))\" x2=\"\(n(panelWidth - 10))\" y1=\"\(n(y(0.5)))\" y2=\"\(n(y(0.5)))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
            )
            g.append("<text x=\"\(n(panelWidth - 12))\" y=\"\(n(y(0.5) - 4))\" text-anchor=\"end\" fill=\"#555\">photo-realistic (50%)</text>")
            for (m, model) in report.models.enumerated() {
                let cx = left + slot / 2 + slot * Double(m)
                let color = colors[m % colors.count]
                g.append(lines(labelLines[m], x: cx, y: top + plotHeight + 16, step: 13, attributes: "text-anchor=\"middle\""))
                let below = top + plotHeight + 18 + 13 * Double(labelLines[m].count)
                guard let row = report.row(task: task, model: model.id), let rate = row.foolRate else {
                    g.append("<text x=\"\(n(cx))\" y=\"\(n(y(0) - 6))\" text-anchor=\"middle\" fill=\"#a33\">no trials</text>")
                    continue
                }
                guard let ci = row.interval(report.settings.primaryMethod) else {
                    g.append("<text x=\"\(n(cx))\" y=\"\(n(y(0) - 6))\" text-anchor=\"middle\" fill=\"#a33\">n too small</text>")
                    g.append(
                        "<text x=\"\(n(cx))\" y=\"\(n(below))\" text-anchor=\"middle\" fill=\"#444\">"
                            + "\(Format.percent(rate)), n=\(row.trials)</text>")
                    continue
                }
                g.append(
                    "<rect x=\"\(n(cx - 22))\" y=\"\(n(y(rate)))\" width=\"44\" height=\"\(n(y(0) - y(rate)))\" fill=\"\(color)\">"
                        + "<title>\(ReportHTML.esc(model.label)): \(Format.percent(rate)) of \(row.trials) trials, interval "
                        + "\(Format.percent(ci.low)) – \(Format.percent(ci.high))</title></rect>")
                g.append(
                    "<path d=\"M\(n(cx)) \(n(y(ci.low)))V\(n(y(ci.high)))M\(n(cx - 8)) \(n(y(ci.low)))h16M\(n(cx - 8)) \(n(y(ci.high)))h16\" stroke=\"#222\" stroke-width=\"1.5\" fill=\"none\"/>"
                )
                g.append(
                    "<text x=\"\(n(cx))\" y=\"\(n(below))\" text-anchor=\"middle\" fill=\"#444\">\(Format.percent(rate)), n=\(row.trials)</text>")
            }
            g.append("<line x1=\"\(n(left))\" x2=\"\(n(left))\" y1=\"\(n(top))\" y2=\"\(n(y(0)))\" stroke=\"#444\"/>")
            g.append(
                "<text transform=\"translate(12,\(n(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">fool rate (higher is better)</text>")
            g.append("</g>")
        }
        g.append("</svg>")
        return g.joined(separator: "\n")
    }

    static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    /// A `<text>` of several lines (full text, escaped), one `<tspan>` per line.
    static func lines(_ lines: [String], x: Double, y: Double, step: Double, attributes: String) -> String {
        let spans = lines.enumerated().map { i, line in
            "<tspan x=\"\(n(x))\" dy=\"\(i == 0 ? "0" : n(step))\">\(ReportHTML.esc(line))</tspan>"
        }.joined()
        return "<text x=\"\(n(x))\" y=\"\(n(y))\" \(attributes)>\(spans)</text>"
    }

    /// Words greedily packed into lines of at most `width` characters (a longer word gets its own line, whole).
    static func wrap(_ text: String, width: Int) -> [String] {
        var result: [String] = []
        var current = ""
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                result.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { result.append(current) }
        return result.isEmpty ? [""] : result
    }
}
