import Foundation

/// JSON rendering of the report. Contract: top-level `fool_rates` (entries with `task`, `model`,
/// `fool_rate`, `trials`, `participants`, `images`, `ci` = [{method, level, low, high}]), `images`,
/// `pairwise`, `exclusions`, `mixed_model` (one entry per task: `task`, `fixed_effects` keyed by model id with
/// `estimate_logit` and `std_error`, `participant_sd`, `image_sd`, `log_likelihood`, `trials`, `converged`);
/// keys are snake_case.
public enum ReportJSON {
    public static func render(_ report: FoolRateReport) throws -> String {
        let data = try encoder().encode(report)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }
}
