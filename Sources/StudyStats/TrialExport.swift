import Foundation
import StudyKit

/// One tidy row per answered trial for R or pandas, with the exclusion rule that removed it and the
/// hashes of the stimuli shown.
public struct TrialExportRow: Encodable, Sendable, Equatable {
    public var participant: String
    public var session: String
    /// Prolific's STUDY_ID and SESSION_ID, when the participant's link carried them.
    public var prolificStudyID: String?
    public var prolificSessionID: String?
    public var sequence: String
    public var task: String
    public var trialIndex: Int
    public var kind: String
    public var image: String
    public var model: String
    public var modelSide: String
    public var choice: String
    public var fooled: Bool
    public var responseMs: Double
    public var exposureMs: Double?
    public var frames: Int?
    public var flagged: Bool
    public var flags: String
    public var sessionComplete: Bool
    public var answeredAt: String?
    /// The exclusion rule that removed the trial; nil when it counts (practice trials never count).
    public var excludedBy: String?
    public var counts: Bool
    public var hrSHA256: String?
    public var lrSHA256: String?
    /// The non-truth image shown: the model output, or the catch foil.
    public var stimulusSHA256: String?
    /// The browser window (CSS px), its devicePixelRatio, the drawn image width in screen pixels and the
    /// effective screen pixels per image pixel (rendered_px / hr_size).
    public var windowW: Int?
    public var windowH: Int?
    public var dpr: Double?
    public var renderedPx: Double?
    public var devicePxPerImagePx: Double?
    /// The drawn image's width in CSS pixels (rendered_px / dpr).
    public var cssPx: Double?

    /// Every column in export order with how a row gives its value: the one list the CSV header, the CSV
    /// cells and the JSON keys follow.
    static let table: [ExportColumn] = [
        .init("participant") { .text($0.participant) },
        .init("session") { .text($0.session) },
        .init("sequence") { .text($0.sequence) },
        .init("task") { .text($0.task) },
        .init("trial_index") { .integer($0.trialIndex) },
        .init("kind") { .text($0.kind) },
        .init("image") { .text($0.image) },
        .init("model") { .text($0.model) },
        .init("model_side") { .text($0.modelSide) },
        .init("choice") { .text($0.choice) },
        .init("fooled") { .flag($0.fooled) },
        .init("response_ms") { .number($0.responseMs) },
        .init("exposure_ms") { .number($0.exposureMs) },
        .init("frames") { .integer($0.frames) },
        .init("flagged") { .flag($0.flagged) },
        .init("flags") { .text($0.flags) },
        .init("session_complete") { .flag($0.sessionComplete) },
        .init("answered_at") { .text($0.answeredAt) },
        .init("excluded_by") { .text($0.excludedBy) },
        .init("counts") { .flag($0.counts) },
        .init("hr_sha256") { .text($0.hrSHA256) },
        .init("lr_sha256") { .text($0.lrSHA256) },
        .init("stimulus_sha256") { .text($0.stimulusSHA256) },
        .init("window_w") { .integer($0.windowW) },
        .init("window_h") { .integer($0.windowH) },
        .init("dpr") { .number($0.dpr) },
        .init("rendered_px") { .number($0.renderedPx) },
        .init("device_px_per_image_px") { .number($0.devicePxPerImagePx) },
        .init("css_px") { .number($0.cssPx) },
        .init("prolific_study_id") { .text($0.prolificStudyID) },
        .init("prolific_session_id") { .text($0.prolificSessionID) },
    ]

    public static let columns = table.map(\.name)

    var csvFields: [String] { Self.table.map { $0.value(self).csv } }

    /// Every key present, missing values as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ExportColumn.Key.self)
        for column in Self.table { try c.encode(column.value(self), forKey: ExportColumn.Key(column.name)) }
    }
}

/// One column of the trial export: its name and how a row gives its value.
struct ExportColumn: Sendable {
    let name: String
    let value: @Sendable (TrialExportRow) -> ExportValue

    init(_ name: String, _ value: @escaping @Sendable (TrialExportRow) -> ExportValue) {
        self.name = name
        self.value = value
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A cell of the trial export, typed so that CSV and JSON each write it their way (a missing value is an
/// empty CSV cell and a JSON null).
enum ExportValue: Encodable, Sendable {
    case text(String?)
    case integer(Int?)
    case number(Double?)
    case flag(Bool)

    var csv: String {
        switch self {
        case .text(let value): return value ?? ""
        case .integer(let value): return value.map { "\($0)" } ?? ""
        case .number(let value): return value.map(CSV.number) ?? ""
        case .flag(let value): return "\(value)"
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let value): try c.encode(value)
        case .integer(let value): try c.encode(value)
        case .number(let value): try c.encode(value)
        case .flag(let value): try c.encode(value)
        }
    }
}

public enum TrialExport {
    public static func rows(trials: [AnsweredTrial], manifest: Manifest) -> [TrialExportRow] {
        let outcome = Exclusions.apply(trials, rules: manifest.definition.exclusions, exposureMs: manifest.definition.exposureMs)
        let lookup = ManifestLookup(manifest)
        return trials.enumerated().map { index, t in
            let image = lookup.image(t.image)
            let stimulus = lookup.shownAgainstTruth(image: t.image, model: t.model)?.sha256
            let reason = outcome.reasons[index]
            return TrialExportRow(
                participant: t.participant, session: t.session, prolificStudyID: t.prolificStudyID,
                prolificSessionID: t.prolificSessionID, sequence: t.sequence, task: t.task,
                trialIndex: t.trialIndex, kind: t.kind.rawValue, image: t.image, model: t.model,
                modelSide: t.modelSide.rawValue, choice: t.choice.rawValue, fooled: t.fooled, responseMs: t.responseMs,
                exposureMs: t.exposureMs, frames: t.frames, flagged: t.flagged, flags: t.flags.joined(separator: ";"),
                sessionComplete: t.sessionComplete, answeredAt: t.answeredAt, excludedBy: reason?.rawValue,
                counts: t.kind == .main && reason == nil, hrSHA256: image?.hr.sha256, lrSHA256: image?.lr.sha256,
                stimulusSHA256: stimulus, windowW: t.screen?.windowW, windowH: t.screen?.windowH, dpr: t.screen?.dpr,
                renderedPx: t.screen?.renderedPx,
                devicePxPerImagePx: t.screen?.devicePxPerImagePx(imagePx: manifest.definition.hrSize), cssPx: t.screen?.cssPx)
        }
    }

    public static func csv(_ rows: [TrialExportRow]) -> String {
        ([TrialExportRow.columns.joined(separator: ",")] + rows.map { CSV.line($0.csvFields) }).joined(separator: "\n") + "\n"
    }

    /// One JSON object per line.
    public static func jsonLines(_ rows: [TrialExportRow]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try rows.map { String(decoding: try encoder.encode($0), as: UTF8.self) + "\n" }.joined()
    }
}
