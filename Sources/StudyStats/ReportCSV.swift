/// CSV rendering: one tidy row per task x model x interval method (a model nobody saw gets one row
/// with empty interval columns).
public enum ReportCSV {
    public static let header = [
        "task", "model", "label", "trials", "participants", "images", "fooled", "fool_rate",
        "method", "level", "low", "high", "primary",
    ]

    public static func render(_ report: FoolRateReport) -> String {
        var lines = [header.joined(separator: ",")]
        for row in report.foolRates {
            let head = [
                row.task, row.model, row.label, "\(row.trials)", "\(row.participants)", "\(row.images)",
                "\(row.fooled)", row.foolRate.map(CSV.number) ?? "",
            ]
            if row.ci.isEmpty {
                lines.append(CSV.line(head + ["", "", "", "", ""]))
            }
            for ci in row.ci {
                lines.append(
                    CSV.line(
                        head + [
                            ci.method.rawValue, CSV.number(ci.level), CSV.number(ci.low),
                            CSV.number(ci.high), ci.method == report.settings.primaryMethod ? "true" : "false",
                        ]))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

enum CSV {
    static func field(_ value: String) -> String {
        let value = neutralized(value)
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A text cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR)
    /// gets a leading `'` (OWASP's CSV-injection advice). Numbers, negative ones included, stay as they are.
    static func neutralized(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first),
            Double(value) == nil
        else { return value }
        return "'" + value
    }

    static func line(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") }

    /// Full precision, locale-independent.
    static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "" }
}

extension ReportCSV {
    public static let imagesHeader = [
        "task", "model", "image", "trials", "fooled", "fool_rate", "wilson_low", "wilson_high",
        "shrunken",
    ]

    /// One row per task x model x image with its naive Wilson interval and empirical-Bayes estimate.
    public static func images(_ report: FoolRateReport) -> String {
        var lines = [imagesHeader.joined(separator: ",")]
        for row in report.images {
            let wilson = row.ci.first { $0.method == .wilsonNaive }
            lines.append(
                CSV.line([
                    row.task, row.model, row.image, "\(row.trials)", "\(row.fooled)", CSV.number(row.foolRate),
                    wilson.map { CSV.number($0.low) } ?? "", wilson.map { CSV.number($0.high) } ?? "",
                    CSV.number(row.shrunken),
                ]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static let pairwiseHeader = [
        "task", "model_a", "model_b", "paired_images", "trials_a", "trials_b", "difference",
        "method", "level", "low", "high", "p_value", "p_holm",
    ]

    /// One row per task x model pair x interval method.
    public static func pairwise(_ report: FoolRateReport) -> String {
        var lines = [pairwiseHeader.joined(separator: ",")]
        for p in report.pairwise {
            let head = [
                p.task, p.modelA, p.modelB, "\(p.pairedImages)", "\(p.trialsA)", "\(p.trialsB)",
                p.difference.map(CSV.number) ?? "",
            ]
            let tail = [p.pValue.map(CSV.number) ?? "", p.pHolm.map(CSV.number) ?? ""]
            if p.ci.isEmpty { lines.append(CSV.line(head + ["", "", "", ""] + tail)) }
            for ci in p.ci {
                lines.append(CSV.line(head + [ci.method.rawValue, CSV.number(ci.level), CSV.number(ci.low), CSV.number(ci.high)] + tail))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
