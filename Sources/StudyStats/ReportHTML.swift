import Foundation
import StudyKit

/// One self-contained HTML file: the paper's Figure 6 as inline SVG, the tables, and galleries of the
/// lowest and highest fool-rate images with their inputs embedded as data: URIs.
public enum ReportHTML {
    /// `stimulus` returns a stimulus file's bytes (PNG), or nil when it is missing.
    public static func render(_ report: FoolRateReport, manifest: Manifest,
                              stimulus: (StimulusRef) -> Data?) -> String {
        let s = report.settings
        let level = Format.percent(s.level, digits: 0)
        var h: [String] = []
        h.append("""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>Fool rates: \(esc(report.title))</title>
        <style>
        body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1500px;color:#222;padding:0 1em}
        table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
        th,td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:right;white-space:nowrap}
        th:first-child,td:first-child,table.pairs td:nth-child(2),table.pairs th:nth-child(2){text-align:left}
        th{background:#f4f4f4}
        .note{color:#a33}.muted{color:#666;font-size:.9em}
        .gallery{display:flex;flex-wrap:wrap;gap:1em;margin-bottom:1.5em}
        figure{margin:0;border:1px solid #ddd;padding:.4em;background:#fafafa}
        figure img{width:96px;height:96px;image-rendering:auto;margin-right:2px}
        figure img.lr{image-rendering:pixelated}
        figcaption{font-size:.8em;max-width:300px}
        </style></head><body>
        <h1>Fool rates: \(esc(report.title))</h1>
        <p class="muted">Study <code>\(esc(report.study))</code>. Main trials counted: \(report.exclusions.mainTrialsKept)
        of \(report.exclusions.mainTrials); participants: \(report.exclusions.participantsKept) of
        \(report.exclusions.participants). Level \(level), bootstrap B = \(s.bootstrapSamples), seed \(s.seed).</p>
        <p><strong>Primary interval.</strong> \(esc(s.primaryDescription))</p>
        """)
        for note in report.notes { h.append("<p class=\"note\">\(esc(note))</p>") }

        h.append("<h2>Figure 6: fool rates (\(level) primary intervals)</h2>")
        h.append(ReportFigure.svg(report))

        h.append("<h2>Fool rates and every interval</h2>")
        for task in report.tasks {
            let order: [IntervalMethod] = [.crossedCombined, .bootstrapPigeonhole, .bootstrapParticipants, .bootstrapImages,
                                           .wilsonNaive, .clopperPearsonNaive]
            h.append("<h3>\(esc(task))</h3><table><tr><th>Model</th><th>Trials</th><th>Participants</th><th>Images</th>"
                + "<th>Fool rate</th>" + order.map { "<th title=\"\(esc($0.label))\">\(esc(header($0)))</th>" }.joined()
                + "<th>p vs 50%</th><th>TOST ±\(Format.percent(s.equivalenceMargin, digits: 0))</th></tr>")
            var rowNotes: [String] = []
            for row in report.foolRates where row.task == task {
                let cis = order.map { m -> String in
                    guard let c = row.interval(m) else { return "<td>-</td>" }
                    let text = "\(Format.percent(c.low)) – \(Format.percent(c.high))"
                    return m == s.primaryMethod ? "<td><strong>\(text)</strong></td>" : "<td>\(text)</td>"
                }.joined()
                let tost = row.versusHalf.map { "p=\(Format.pValue($0.equivalencePValue))\($0.equivalent ? " (equivalent)" : "")" } ?? "-"
                h.append("<tr><td>\(esc(row.label))</td><td>\(row.trials)</td><td>\(row.participants)</td><td>\(row.images)</td>"
                    + "<td><strong>\(Format.percent(row.foolRate))</strong></td>\(cis)<td>\(Format.pValue(row.versusHalf?.pValue))</td>"
                    + "<td>\(tost)</td></tr>")
                rowNotes += row.notes.map { "\(row.label): \($0)" }
            }
            h.append("</table>")
            if !rowNotes.isEmpty {
                h.append("<ul class=\"muted\">" + rowNotes.map { "<li>\(esc($0))</li>" }.joined() + "</ul>")
            }
            let pairs = report.pairwise.filter { $0.task == task }
            if !pairs.isEmpty {
                h.append("<p>Pairwise differences (A − B, paired by image, Holm-adjusted within \(esc(task))):</p>")
                h.append("<table class=\"pairs\"><tr><th>A</th><th>B</th><th>Paired images</th><th>Difference</th><th>Primary \(level)</th>"
                    + "<th>Pigeonhole \(level)</th><th>p</th><th>p (Holm)</th></tr>")
                for p in pairs {
                    func ci(_ m: IntervalMethod) -> String {
                        guard let c = p.ci.first(where: { $0.method == m }) else { return "-" }
                        return "\(Format.percent(c.low)) – \(Format.percent(c.high))"
                    }
                    h.append("<tr><td>\(esc(ReportText.label(report, p.modelA)))</td><td>\(esc(ReportText.label(report, p.modelB)))</td>"
                        + "<td>\(p.pairedImages)</td><td>\(Format.percent(p.difference))</td><td>\(ci(.crossedCombined))</td>"
                        + "<td>\(ci(.bootstrapPigeonhole))</td><td>\(Format.pValue(p.pValue))</td><td>\(Format.pValue(p.pHolm))</td></tr>")
                }
                h.append("</table>")
            }
            if let bias = report.positionBias.first(where: { $0.task == task }), bias.trials > 0 {
                h.append("<p>Position bias: left chosen in \(Format.percent(bias.leftChoiceRate)) of \(bias.trials) trials; "
                    + "fool rate with the model on the left \(Format.percent(bias.foolRateModelLeft)), on the right "
                    + "\(Format.percent(bias.foolRateModelRight)).</p>")
            }
        }

        h.append("<h2>Exclusions</h2><p class=\"muted\">Applied in this order; practice trials never count "
            + "(\(report.exclusions.practiceTrials) answered).</p>")
        h.append("<table><tr><th>Rule</th><th>Declared</th><th>Main trials removed</th><th>Participants removed</th></tr>")
        for r in report.exclusions.rules {
            h.append("<tr><td>\(r.rule.rawValue)</td><td>\(esc(r.description))</td><td>\(r.mainTrials)</td><td>\(r.participants)</td></tr>")
        }
        h.append("</table>")
        h.append("<h2>Catch-trial accuracy per participant</h2>")
        if report.catchAccuracy.isEmpty {
            h.append("<p>No participants yet.</p>")
        } else {
            h.append("<table><tr><th>Participant</th><th>Tasks</th><th>Catch trials</th><th>Correct</th><th>Accuracy</th><th>Excluded</th></tr>")
            for c in report.catchAccuracy {
                h.append("<tr><td>\(esc(c.participant))</td><td>\(esc(c.tasks.joined(separator: " ")))</td><td>\(c.catchTrials)</td>"
                    + "<td>\(c.correct)</td><td>\(Format.percent(c.accuracy, digits: 0))</td><td>\(c.excluded ? "yes" : "")</td></tr>")
            }
            h.append("</table>")
        }

        h.append("<h2>Lowest and highest fool-rate images (Figure D.1)</h2>")
        h.append("<p class=\"muted\">Ranked by the empirical-Bayes (beta-binomial) estimate. Each entry: LR input, model output, HR truth.</p>")
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
        func img(_ ref: StimulusRef?, _ alt: String, lr: Bool = false) -> String {
            guard let source = uri(ref) else { return "<span class=\"note\">[\(esc(alt)) missing]</span>" }
            return "<img\(lr ? " class=\"lr\"" : "") alt=\"\(esc(alt))\" src=\"\(source)\">"
        }
        for e in report.extremes {
            for (title, rows) in [("lowest", e.lowest), ("highest", e.highest)] where !rows.isEmpty {
                h.append("<h3>\(esc(e.task)): \(esc(ReportText.label(report, e.model))), \(title)</h3><div class=\"gallery\">")
                for r in rows {
                    let image = manifest.image(r.image)
                    let output = manifest.output(image: r.image, model: r.model)?.stimulus
                    h.append("<figure>\(img(image?.lr, "LR", lr: true))\(img(output, "output"))\(img(image?.hr, "HR"))"
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

/// The paper's Figure 6: one panel per task, a bar per model with its primary interval as a whisker,
/// and the 50% line a photo-realistic model would reach.
enum ReportFigure {
    static func svg(_ report: FoolRateReport) -> String {
        let panelWidth = 80.0 + 70.0 * Double(max(report.models.count, 1))
        let panelHeight = 300.0, top = 30.0, bottom = 70.0, left = 50.0
        let plotHeight = panelHeight - top - bottom
        let highest = report.foolRates.compactMap { $0.interval(report.settings.primaryMethod)?.high ?? $0.foolRate }.max() ?? 0
        let yMax = max(0.6, (min(1, highest) * 10).rounded(.up) / 10)
        func y(_ v: Double) -> Double { top + plotHeight * (1 - min(max(v, 0), yMax) / yMax) }
        let width = panelWidth * Double(max(report.tasks.count, 1))
        var g: [String] = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(panelHeight))\" "
            + "viewBox=\"0 0 \(n(width)) \(n(panelHeight))\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" "
            + "aria-label=\"Fool rates per model and task\">"]
        let colors = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]
        for (t, task) in report.tasks.enumerated() {
            let x0 = Double(t) * panelWidth
            g.append("<g transform=\"translate(\(n(x0)),0)\">")
            g.append("<text x=\"\(n(panelWidth / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(ReportHTML.esc(task))</text>")
            var tick = 0.0
            while tick <= yMax + 1e-9 {
                g.append("<line x1=\"\(n(left))\" x2=\"\(n(panelWidth - 10))\" y1=\"\(n(y(tick)))\" y2=\"\(n(y(tick)))\" stroke=\"#eee\"/>")
                g.append("<text x=\"\(n(left - 4))\" y=\"\(n(y(tick) + 4))\" text-anchor=\"end\">\(Int((tick * 100).rounded()))%</text>")
                tick += 0.1
            }
            g.append("<line x1=\"\(n(left))\" x2=\"\(n(panelWidth - 10))\" y1=\"\(n(y(0.5)))\" y2=\"\(n(y(0.5)))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>")
            g.append("<text x=\"\(n(panelWidth - 12))\" y=\"\(n(y(0.5) - 4))\" text-anchor=\"end\" fill=\"#666\">photo-realistic (50%)</text>")
            for (m, model) in report.models.enumerated() {
                let cx = left + 35 + 70 * Double(m)
                let color = colors[m % colors.count]
                g.append("<text x=\"\(n(cx))\" y=\"\(n(panelHeight - bottom + 16))\" text-anchor=\"middle\">\(ReportHTML.esc(short(model.label)))</text>")
                guard let row = report.row(task: task, model: model.id), let rate = row.foolRate else {
                    g.append("<text x=\"\(n(cx))\" y=\"\(n(y(0) - 6))\" text-anchor=\"middle\" fill=\"#a33\">no trials</text>")
                    continue
                }
                g.append("<rect x=\"\(n(cx - 22))\" y=\"\(n(y(rate)))\" width=\"44\" height=\"\(n(y(0) - y(rate)))\" fill=\"\(color)\">"
                    + "<title>\(ReportHTML.esc(model.label)): \(Format.percent(rate)) of \(row.trials) trials</title></rect>")
                if let ci = row.interval(report.settings.primaryMethod) {
                    g.append("<path d=\"M\(n(cx)) \(n(y(ci.low)))V\(n(y(ci.high)))M\(n(cx - 8)) \(n(y(ci.low)))h16M\(n(cx - 8)) \(n(y(ci.high)))h16\" stroke=\"#222\" stroke-width=\"1.5\" fill=\"none\"/>")
                }
                g.append("<text x=\"\(n(cx))\" y=\"\(n(panelHeight - bottom + 30))\" text-anchor=\"middle\" fill=\"#444\">\(Format.percent(rate))</text>")
            }
            g.append("<line x1=\"\(n(left))\" x2=\"\(n(left))\" y1=\"\(n(top))\" y2=\"\(n(y(0)))\" stroke=\"#444\"/>")
            g.append("<text transform=\"translate(12,\(n(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">fool rate</text>")
            g.append("</g>")
        }
        g.append("</svg>")
        return g.joined(separator: "\n")
    }

    static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    static func short(_ label: String) -> String { label.count > 12 ? String(label.prefix(11)) + "…" : label }
}
