import Foundation

/// One recorded answer joined with its design: the row every statistic and export is computed from.
/// Built by StudyStore from the database and the manifest; the statistics take arrays of these.
public struct AnsweredTrial: Codable, Sendable, Equatable {
    public var participant: String
    public var session: String
    public var sequence: String
    public var task: String
    public var trialIndex: Int
    public var kind: TrialKind
    public var image: String
    public var model: String
    public var modelSide: Side
    public var choice: Side
    /// Milliseconds from the images' offset to the answer.
    public var responseMs: Double
    /// Onset-to-offset time measured with requestAnimationFrame timestamps; nil if the client sent none.
    public var exposureMs: Double?
    public var frames: Int?
    /// Exposure deviated beyond tolerance, or the page lost visibility or focus during it.
    public var flagged: Bool
    /// The session reached the completion screen.
    public var sessionComplete: Bool
    /// Why the trial is flagged: `exposure_deviation`, `visibility_lost`, `focus_lost`.
    public var flags: [String]
    /// ISO-8601 time the server committed the answer.
    public var answeredAt: String?
    /// Server clock, seconds since 1970: when the trial's images were first served (nil: never) and when
    /// the answer arrived.
    public var servedAt: Double?
    public var receivedAt: Double?
    /// The screen the answer was given on, as the browser reported it; nil for answers without it.
    public var screen: AnswerScreen?
    /// Prolific's STUDY_ID and SESSION_ID for the participant, when the link carried them.
    public var prolificStudyID: String?
    public var prolificSessionID: String?

    /// The participant picked the model's output (or the foil) over the ground truth.
    public var fooled: Bool { choice == modelSide }

    enum CodingKeys: String, CodingKey {
        case participant, session, sequence, task, kind, image, model, choice, frames, flagged, fooled, flags
        case trialIndex = "trial_index"
        case modelSide = "model_side"
        case responseMs = "response_ms"
        case exposureMs = "exposure_ms"
        case sessionComplete = "session_complete"
        case answeredAt = "answered_at"
        case servedAt = "served_at"
        case receivedAt = "received_at"
        case screen
        case prolificStudyID = "prolific_study_id"
        case prolificSessionID = "prolific_session_id"
    }

    public init(
        participant: String, session: String, sequence: String, task: String, trialIndex: Int,
        kind: TrialKind, image: String, model: String, modelSide: Side, choice: Side,
        responseMs: Double, exposureMs: Double? = nil, frames: Int? = nil,
        flagged: Bool = false, sessionComplete: Bool = true, flags: [String] = [], answeredAt: String? = nil,
        servedAt: Double? = nil, receivedAt: Double? = nil, screen: AnswerScreen? = nil,
        prolificStudyID: String? = nil, prolificSessionID: String? = nil
    ) {
        self.participant = participant
        self.session = session
        self.sequence = sequence
        self.task = task
        self.trialIndex = trialIndex
        self.kind = kind
        self.image = image
        self.model = model
        self.modelSide = modelSide
        self.choice = choice
        self.responseMs = responseMs
        self.exposureMs = exposureMs
        self.frames = frames
        self.flagged = flagged
        self.sessionComplete = sessionComplete
        self.flags = flags
        self.answeredAt = answeredAt
        self.servedAt = servedAt
        self.receivedAt = receivedAt
        self.screen = screen
        self.prolificStudyID = prolificStudyID
        self.prolificSessionID = prolificSessionID
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            participant: try c.decode(String.self, forKey: .participant),
            session: try c.decode(String.self, forKey: .session),
            sequence: try c.decode(String.self, forKey: .sequence),
            task: try c.decode(String.self, forKey: .task),
            trialIndex: try c.decode(Int.self, forKey: .trialIndex),
            kind: try c.decode(TrialKind.self, forKey: .kind),
            image: try c.decode(String.self, forKey: .image),
            model: try c.decode(String.self, forKey: .model),
            modelSide: try c.decode(Side.self, forKey: .modelSide),
            choice: try c.decode(Side.self, forKey: .choice),
            responseMs: try c.decode(Double.self, forKey: .responseMs),
            exposureMs: try c.decodeIfPresent(Double.self, forKey: .exposureMs),
            frames: try c.decodeIfPresent(Int.self, forKey: .frames),
            flagged: try c.decodeIfPresent(Bool.self, forKey: .flagged) ?? false,
            sessionComplete: try c.decodeIfPresent(Bool.self, forKey: .sessionComplete) ?? true,
            flags: try c.decodeIfPresent([String].self, forKey: .flags) ?? [],
            answeredAt: try c.decodeIfPresent(String.self, forKey: .answeredAt),
            servedAt: try c.decodeIfPresent(Double.self, forKey: .servedAt),
            receivedAt: try c.decodeIfPresent(Double.self, forKey: .receivedAt),
            screen: try c.decodeIfPresent(AnswerScreen.self, forKey: .screen),
            prolificStudyID: try c.decodeIfPresent(String.self, forKey: .prolificStudyID),
            prolificSessionID: try c.decodeIfPresent(String.self, forKey: .prolificSessionID))
    }

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
        try c.encodeIfPresent(exposureMs, forKey: .exposureMs)
        try c.encodeIfPresent(frames, forKey: .frames)
        try c.encode(flagged, forKey: .flagged)
        try c.encode(sessionComplete, forKey: .sessionComplete)
        try c.encode(flags, forKey: .flags)
        try c.encodeIfPresent(answeredAt, forKey: .answeredAt)
        try c.encodeIfPresent(servedAt, forKey: .servedAt)
        try c.encodeIfPresent(receivedAt, forKey: .receivedAt)
        try c.encodeIfPresent(screen, forKey: .screen)
        try c.encodeIfPresent(prolificStudyID, forKey: .prolificStudyID)
        try c.encodeIfPresent(prolificSessionID, forKey: .prolificSessionID)
    }
}

/// The browser window an answer was given in: its size in CSS pixels, devicePixelRatio, and the left
/// image's drawn width in device (screen) pixels.
public struct AnswerScreen: Codable, Sendable, Equatable {
    public var windowW: Int?
    public var windowH: Int?
    public var dpr: Double?
    public var renderedPx: Double?

    enum CodingKeys: String, CodingKey {
        case dpr
        case windowW = "window_w"
        case windowH = "window_h"
        case renderedPx = "rendered_px"
    }

    public init(windowW: Int?, windowH: Int?, dpr: Double?, renderedPx: Double?) {
        self.windowW = windowW
        self.windowH = windowH
        self.dpr = dpr
        self.renderedPx = renderedPx
    }

    /// The drawn image's width in CSS pixels (rendered width over devicePixelRatio): its physical size up to the
    /// screen's CSS-pixel density; nil when unknown.
    public var cssPx: Double? {
        guard let renderedPx, renderedPx > 0, let dpr, dpr > 0 else { return nil }
        return renderedPx / dpr
    }

    /// Screen pixels per image pixel as drawn (rendered width over the image's size), nil when unknown.
    public func devicePxPerImagePx(imagePx: Int) -> Double? {
        guard let renderedPx, renderedPx > 0, imagePx > 0 else { return nil }
        return renderedPx / Double(imagePx)
    }
}
