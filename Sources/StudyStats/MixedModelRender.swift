import Foundation

/// The mixed-model section of the text and HTML reports, one per task.
enum MixedModelRender {
    static let typicalLabel = "Typical participant & image"
    static let averagedLabel = "Population-averaged"
    static let explanation =
        "Typical: the fool rate of a participant and an image at the average (both random effects 0), the inverse logit of the "
        + "estimate. Population-averaged: the fool rate averaged over the fitted spread of participants and images. Neither is "
        + "the observed rate in the table above; the population-averaged one is what the observed rate estimates."

    static func ci(_ bounds: Bounds?, percent: Bool) -> String {
        guard let bounds else { return "-" }
        return percent
            ? "[\(Format.percent(bounds.low)), \(Format.percent(bounds.high))]"
            : "[\(Format.number(bounds.low, digits: 2)), \(Format.number(bounds.high, digits: 2))]"
    }

    /// The models of the fit in report order.
    static func models(_ report: FoolRateReport, _ fit: MixedModelTask) -> [String] {
        report.models.map(\.id).filter { fit.fixedEffects[$0] != nil }
            + fit.fixedEffects.keys.filter { key in
                !report.models.contains { $0.id == key }
            }.sorted()
    }

    /// "how much of the spread is people and how much is images", in words.
    static func spreadWords(_ fit: MixedModelTask) -> String? {
        guard let p = fit.participantSD, let i = fit.imageSD, let shares = fit.varianceShares else { return nil }
        var text =
            "Variance components (logit scale): participant SD \(Format.number(p, digits: 2)), image SD \(Format.number(i, digits: 2)). "
        if p == 0 && i == 0 || shares.participants + shares.images == 0 {
            text += "Neither participants nor images differ detectably beyond chance."
        } else {
            text +=
                "Of the spread between people and images, \(Format.percent(shares.participants, digits: 0)) is people and "
                + "\(Format.percent(shares.images, digits: 0)) is images; counting the trial-to-trial noise of a logistic answer "
                + "(pi^2/3), people \(Format.percent(shares.participantsLatent, digits: 0)), images "
                + "\(Format.percent(shares.imagesLatent, digits: 0)), noise \(Format.percent(shares.trialNoiseLatent, digits: 0))."
        }
        return text
    }

    static func statusWords(_ fit: MixedModelTask) -> String {
        let ll = fit.logLikelihood.map { "log-likelihood \(Format.number($0, digits: 2)); " } ?? ""
        let state = fit.converged ? "converged" : "NOT converged"
        return "\(ll)\(state)\(fit.singular ? ", singular" : ""); \(fit.trials) trials, \(fit.participants) participants, "
            + "\(fit.images) images."
    }

    static func textLines(_ report: FoolRateReport, task: String) -> [String] {
        guard let fit = report.mixedModel.first(where: { $0.task == task }) else { return [] }
        let level = Format.percent(fit.level, digits: 0)
        var out = ["", "Mixed model (\(fit.formula); binomial logit, Laplace as lme4's glmer):"]
        if fit.fitted {
            var table = [
                ["Model", "Trials", "Logit (SE)", "Wald \(level) (logit)", typicalLabel, level, averagedLabel, level]
            ]
            for model in models(report, fit) {
                guard let e = fit.fixedEffects[model] else { continue }
                let logit = e.estimateLogit.map { estimate in
                    "\(Format.number(estimate, digits: 2)) (\(e.stdError.map { Format.number($0, digits: 2) } ?? "-"))"
                }
                table.append([
                    ReportText.label(report, model), "\(e.trials)", logit ?? "-", ci(e.ciLogit, percent: false),
                    Format.percent(e.typicalFoolRate), ci(e.typicalFoolRateCI, percent: true),
                    Format.percent(e.populationAveragedFoolRate), ci(e.populationAveragedFoolRateCI, percent: true),
                ])
            }
            out.append(contentsOf: TextTable.render(table))
            if let spread = spreadWords(fit) { out.append(spread) }
            out.append(statusWords(fit))
            out.append(explanation)
        }
        for note in fit.notes { out.append("  Note: \(note)") }
        if !fit.pairwise.isEmpty {
            out.append("Mixed-model differences (A - B on the logit scale = log odds ratio; Wald; Holm-adjusted within \(task)):")
            var pt = [["A", "B", "Difference (logit)", level, "Odds ratio", "p", "p (Holm)"]]
            for p in fit.pairwise {
                pt.append([
                    ReportText.label(report, p.modelA), ReportText.label(report, p.modelB), Format.number(p.differenceLogit, digits: 2),
                    ci(p.ciLogit, percent: false), Format.number(p.oddsRatio, digits: 2), Format.pValue(p.pValue), Format.pValue(p.pHolm),
                ])
            }
            out.append(contentsOf: TextTable.render(pt))
        }
        return out
    }

    static func html(_ report: FoolRateReport, task: String) -> String {
        guard let fit = report.mixedModel.first(where: { $0.task == task }) else { return "" }
        let esc = ReportHTML.esc
        let level = Format.percent(fit.level, digits: 0)
        var h = [
            "<h4>Mixed model</h4>", "<p class=\"muted\"><code>\(esc(fit.formula))</code>, binomial logit, Laplace approximation as lme4's glmer.</p>",
        ]
        if fit.fitted {
            h.append(
                "<div class=\"wide\"><table class=\"mixed\"><tr><th>Model</th><th>Trials</th><th>Estimate (logit)</th><th>SE</th>"
                    + "<th>Wald \(level) (logit)</th><th>\(typicalLabel)</th><th>\(level)</th><th>\(averagedLabel)</th><th>\(level)</th></tr>")
            for model in models(report, fit) {
                guard let e = fit.fixedEffects[model] else { continue }
                h.append(
                    "<tr><td>\(esc(ReportText.label(report, model)))</td><td>\(e.trials)</td>"
                        + "<td>\(e.estimateLogit.map { Format.number($0, digits: 2) } ?? "-")</td>"
                        + "<td>\(e.stdError.map { Format.number($0, digits: 2) } ?? "-")</td><td>\(ci(e.ciLogit, percent: false))</td>"
                        + "<td>\(Format.percent(e.typicalFoolRate))</td><td>\(ci(e.typicalFoolRateCI, percent: true))</td>"
                        + "<td>\(Format.percent(e.populationAveragedFoolRate))</td><td>\(ci(e.populationAveragedFoolRateCI, percent: true))</td></tr>"
                )
            }
            h.append("</table></div>")
            if let spread = spreadWords(fit) { h.append("<p class=\"spread\">\(esc(spread))</p>") }
            h.append("<p class=\"muted\">\(esc(statusWords(fit))) \(esc(explanation))</p>")
        }
        if !fit.notes.isEmpty { h.append("<ul class=\"note\">" + fit.notes.map { "<li>\(esc($0))</li>" }.joined() + "</ul>") }
        if !fit.pairwise.isEmpty {
            h.append("<p>Mixed-model differences (A − B on the logit scale, a log odds ratio; Holm-adjusted within \(esc(task))):</p>")
            h.append(
                "<div class=\"wide\"><table class=\"pairs\"><tr><th>A</th><th>B</th><th>Difference (logit)</th><th>\(level)</th>"
                    + "<th>Odds ratio</th><th>p</th><th>p (Holm)</th></tr>")
            for p in fit.pairwise {
                h.append(
                    "<tr><td>\(esc(ReportText.label(report, p.modelA)))</td><td>\(esc(ReportText.label(report, p.modelB)))</td>"
                        + "<td>\(Format.number(p.differenceLogit, digits: 2))</td><td>\(ci(p.ciLogit, percent: false))</td>"
                        + "<td>\(Format.number(p.oddsRatio, digits: 2))</td><td>\(Format.pValue(p.pValue))</td><td>\(Format.pValue(p.pHolm))</td></tr>"
                )
            }
            h.append("</table></div>")
        }
        return h.joined(separator: "\n")
    }
}
