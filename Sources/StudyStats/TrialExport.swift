import Foundation
import StudyKit

/// One tidy row per answered trial for R or pandas, with the exclusion rule that removed it and the
/// hashes of the stimuli shown.
public struct TrialExportRow: Codable, Sendable, Equatable {
    public var participant: String
    public var session: String
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

    enum CodingKeys: String, CodingKey {
        case participant, session, sequence, task, kind, image, model, choice, fooled, frames, flagged, flags, counts
        case trialIndex = "trial_index"
        case modelSide = "model_side"
        case responseMs = "response_ms"
        case exposureMs = "exposure_ms"
        case sessionComplete = "session_complete"
        case answeredAt = "answered_at"
        case excludedBy = "excluded_by"
        case hrSHA256 = "hr_sha256"
        case lrSHA256 = "lr_sha256"
        case stimulusSHA256 = "stimulus_sha256"
        case windowW = "window_w"
        case windowH = "window_h"
        case dpr
        case renderedPx = "rendered_px"
        case devicePxPerImagePx = "device_px_per_image_px"
    }

    public static let columns = [
        "participant", "session", "sequence", "task", "trial_index", "kind", "image", "model",
        "model_side", "choice", "fooled", "response_ms", "exposure_ms", "frames", "flagged",
        "flags", "session_complete", "answered_at", "excluded_by", "counts", "hr_sha256",
        "lr_sha256", "stimulus_sha256", "window_w", "window_h", "dpr", "rendered_px",
        "device_px_per_image_px",
    ]

    var csvFields: [String] {
        [
            participant, session, sequence, task, "\(trialIndex)", kind, image, model, modelSide, choice, "\(fooled)",
            CSV.number(responseMs), exposureMs.map(CSV.number) ?? "", frames.map { "\($0)" } ?? "", "\(flagged)", flags,
            "\(sessionComplete)", answeredAt ?? "", excludedBy ?? "", "\(counts)", hrSHA256 ?? "", lrSHA256 ?? "",
            stimulusSHA256 ?? "", windowW.map { "\($0)" } ?? "", windowH.map { "\($0)" } ?? "", dpr.map(CSV.number) ?? "",
            renderedPx.map(CSV.number) ?? "", devicePxPerImagePx.map(CSV.number) ?? "",
        ]
    }

    /// Every key present, missing values as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(participant, forKey: .participant)
        try c.encode(session, forKey: .session)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(task, forKey: .task)
        try c.encode(trialIndex, forKey: .trialIndex)
        try c.encode(kind, forKey: .kind)
        try c.encode(image, forKey: .image)
        try c.encode(model, forKey: .model)
        try c.encode(modelSide, forKey: .modelSide)
        try c.encode(choice, forKey: .choice)
        try c.encode(fooled, forKey: .fooled)
        try c.encode(responseMs, forKey: .responseMs)
        try c.encode(exposureMs, forKey: .exposureMs)
        try c.encode(frames, forKey: .frames)
        try c.encode(flagged, forKey: .flagged)
        try c.encode(flags, forKey: .flags)
        try c.encode(sessionComplete, forKey: .sessionComplete)
        try c.encode(answeredAt, forKey: .answeredAt)
        try c.encode(excludedBy, forKey: .excludedBy)
        try c.encode(counts, forKey: .counts)
        try c.encode(hrSHA256, forKey: .hrSHA256)
        try c.encode(lrSHA256, forKey: .lrSHA256)
        try c.encode(stimulusSHA256, forKey: .stimulusSHA256)
        try c.encode(windowW, forKey: .windowW)
        try c.encode(windowH, forKey: .windowH)
        try c.encode(dpr, forKey: .dpr)
        try c.encode(renderedPx, forKey: .renderedPx)
        try c.encode(devicePxPerImagePx, forKey: .devicePxPerImagePx)
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
                participant: t.participant, session: t.session, sequence: t.sequence, task: t.task,
                trialIndex: t.trialIndex, kind: t.kind.rawValue, image: t.image, model: t.model,
                modelSide: t.modelSide.rawValue, choice: t.choice.rawValue, fooled: t.fooled, responseMs: t.responseMs,
                exposureMs: t.exposureMs, frames: t.frames, flagged: t.flagged, flags: t.flags.joined(separator: ";"),
                sessionComplete: t.sessionComplete, answeredAt: t.answeredAt, excludedBy: reason?.rawValue,
                counts: t.kind == .main && reason == nil, hrSHA256: image?.hr.sha256, lrSHA256: image?.lr.sha256,
                stimulusSHA256: stimulus, windowW: t.screen?.windowW, windowH: t.screen?.windowH, dpr: t.screen?.dpr,
                renderedPx: t.screen?.renderedPx,
                devicePxPerImagePx: t.screen?.devicePxPerImagePx(imagePx: manifest.definition.hrSize))
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
