import Foundation

// What a participant's browser receives. Built field by field from an allow-list: nothing here can
// name a model, say which image is the ground truth (outside practice), or tell catch from main trials.

/// One trial as the browser sees it. `correct` is present on practice trials only.
struct TrialPayload: Encodable, Sendable, Equatable {
    var index: Int
    var practice: Bool
    var left: String
    var right: String
    var input: String?
    var correct: String?

    enum CodingKeys: String, CodingKey { case index, practice, left, right, input, correct }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(practice, forKey: .practice)
        try c.encode(left, forKey: .left)
        try c.encode(right, forKey: .right)
        try c.encode(input, forKey: .input)
        try c.encodeIfPresent(correct, forKey: .correct)
    }
}

struct SessionPayload: Encodable, Sendable {
    struct Study: Encodable, Sendable { var title: String }
    struct Task: Encodable, Sendable {
        var question: String
        var showInput: Bool
        enum CodingKeys: String, CodingKey {
            case question
            case showInput = "show_input"
        }
    }
    struct Texts: Encodable, Sendable {
        var consent: String
        var instructions: String
        var completion: String
    }
    /// Sizes for pixel-exact display: every image is `imagePx` image pixels shown at `devicePxPerImagePx` screen
    /// pixels each; an input of `inputPx` pixels is replicated up to (at most) the same screen size.
    /// `inputRendering` is `pixelated` or `upsampled`; it must not name a model.
    struct Display: Encodable, Sendable {
        var imagePx: Int
        var inputPx: Int
        var devicePxPerImagePx: Int
        /// Set when the study keeps the physical size: the page then picks each screen's device factor from it.
        var cssPxPerImagePx: Double?
        var inputRendering: String
        var gapPx: Int
        var minWindowW: Int
        var minWindowH: Int
        var allowedDPRs: [Double]
        enum CodingKeys: String, CodingKey {
            case imagePx = "image_px"
            case inputPx = "input_px"
            case devicePxPerImagePx = "device_px_per_image_px"
            case cssPxPerImagePx = "css_px_per_image_px"
            case inputRendering = "input_rendering"
            case gapPx = "gap_px"
            case minWindowW = "min_window_w"
            case minWindowH = "min_window_h"
            case allowedDPRs = "allowed_dprs"
        }
    }

    var session: String
    var participant: String
    var resumed: Bool
    var study: Study
    var task: Task
    var texts: Texts
    var exposureMs: Int
    var exposureToleranceMs: Int
    var fixationMs: Int
    var display: Display
    var trials: [TrialPayload]
    var answered: [Int]
    var nextIndex: Int?
    var completed: Bool
    /// Consent was declined before a first answer: the page shows the decline again, never the consent.
    var declined: Bool
    var completionCode: String?
    var redirectURL: String?

    enum CodingKeys: String, CodingKey {
        case session, participant, resumed, study, task, texts, display, trials, answered, completed, declined
        case exposureMs = "exposure_ms"
        case exposureToleranceMs = "exposure_tolerance_ms"
        case fixationMs = "fixation_ms"
        case nextIndex = "next_index"
        case completionCode = "completion_code"
        case redirectURL = "redirect_url"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(session, forKey: .session)
        try c.encode(participant, forKey: .participant)
        try c.encode(resumed, forKey: .resumed)
        try c.encode(study, forKey: .study)
        try c.encode(task, forKey: .task)
        try c.encode(texts, forKey: .texts)
        try c.encode(exposureMs, forKey: .exposureMs)
        try c.encode(exposureToleranceMs, forKey: .exposureToleranceMs)
        try c.encode(fixationMs, forKey: .fixationMs)
        try c.encode(display, forKey: .display)
        try c.encode(trials, forKey: .trials)
        try c.encode(answered, forKey: .answered)
        try c.encode(nextIndex, forKey: .nextIndex)
        try c.encode(completed, forKey: .completed)
        try c.encode(declined, forKey: .declined)
        try c.encode(completionCode, forKey: .completionCode)
        try c.encode(redirectURL, forKey: .redirectURL)
    }
}

struct AnswerAck: Encodable, Sendable {
    var ok = true
    var duplicate: Bool
    var nextIndex: Int?

    enum CodingKeys: String, CodingKey {
        case ok, duplicate
        case nextIndex = "next_index"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok)
        try c.encode(duplicate, forKey: .duplicate)
        try c.encode(nextIndex, forKey: .nextIndex)
    }
}

struct CompletionPayload: Encodable, Sendable {
    var completionCode: String
    var redirectURL: String?

    enum CodingKeys: String, CodingKey {
        case completionCode = "completion_code"
        case redirectURL = "redirect_url"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(completionCode, forKey: .completionCode)
        try c.encode(redirectURL, forKey: .redirectURL)
    }
}
