import Foundation
import Hummingbird
import StudyKit

/// `POST /api/sessions`. Every field is optional.
struct SessionRequest: Decodable {
    var pid: String?
    var prolificPID: String?
    var studyID: String?
    var sessionID: String?
    var windowW: Double?
    var windowH: Double?
    var dpr: Double?
    /// The session token this browser holds, to resume the participant's own session.
    var resumeToken: String?
    /// A secret the browser made and keeps (16-64 of A-Z, a-z, 0-9, '_', '-'): resumes the session it started.
    var browserKey: String?
    /// A proof-of-work challenge from an earlier 429 (`AdmissionChallenge`) and its solution.
    var challenge: String?
    var proof: String?

    enum CodingKeys: String, CodingKey {
        case pid, dpr, challenge, proof
        case prolificPID = "prolific_pid"
        case studyID = "study_id"
        case sessionID = "session_id"
        case windowW = "window_w"
        case windowH = "window_h"
        case resumeToken = "resume_token"
        case browserKey = "browser_key"
    }

    var admissionProof: AdmissionChallenge.Proof? {
        guard let challenge, let proof, challenge.utf8.count <= 256 else { return nil }
        return AdmissionChallenge.Proof(challenge: challenge, proof: proof)
    }

    /// The identifiers in their one stored spelling (StudyKit's `ParticipantIdentifier`), after every check.
    func validated() throws -> (pid: String?, prolificPID: String?, studyID: String?, sessionID: String?) {
        func normalized(_ value: String?, _ name: String) throws -> String? {
            guard let value else { return nil }
            guard let normal = ParticipantIdentifier.normalized(value) else {
                throw APIError(.unprocessableContent, "field '\(name)' must be \(ParticipantIdentifier.ruleDescription)")
            }
            return normal
        }
        let ids = (
            try normalized(pid, "pid"), try normalized(prolificPID, "prolific_pid"),
            try normalized(studyID, "study_id"), try normalized(sessionID, "session_id")
        )
        if let browserKey, !(16...64).contains(browserKey.utf8.count) || !Validation.isIdempotencyKey(browserKey) {
            throw APIError(.unprocessableContent, "field 'browser_key' must be 16-64 characters of A-Z, a-z, 0-9, '_' or '-'")
        }
        if let resumeToken, !Validation.isToken(resumeToken) {
            throw APIError(.unprocessableContent, "field 'resume_token' must be a session token (32 hex digits)")
        }
        try Validation.checkInteger(windowW, "window_w", 0...100_000)
        try Validation.checkInteger(windowH, "window_h", 0...100_000)
        try Validation.check(dpr, "dpr", 0.1...16)
        return ids
    }
}

/// `POST /api/sessions/{token}/answers`.
/// Integer fields are read as numbers and checked to be whole, so `1.5` gets a clear 422.
struct AnswerRequest: Decodable {
    var key: String
    var index: Double
    var choice: String
    var responseMs: Double
    var exposureMs: Double
    var frames: Double
    var visibilityLost: Bool
    var focusLost: Bool
    var windowW: Double
    var windowH: Double
    var dpr: Double
    var renderedPx: Double
    /// Optional: the client's clock in ms since 1970 when it answered.
    var clientTime: Double?
    /// Optional: why the browser re-showed or disturbed this trial (`Interruption`).
    var interruption: String?

    enum CodingKeys: String, CodingKey {
        case key, index, choice, frames, dpr
        case responseMs = "response_ms"
        case exposureMs = "exposure_ms"
        case visibilityLost = "visibility_lost"
        case focusLost = "focus_lost"
        case windowW = "window_w"
        case windowH = "window_h"
        case renderedPx = "rendered_px"
        case clientTime = "client_time"
        case interruption
    }

    func validate() throws -> Side {
        guard Validation.isIdempotencyKey(key) else {
            throw APIError(.unprocessableContent, "field 'key' must be 8-64 characters of A-Z, a-z, 0-9, '_' or '-'")
        }
        guard let side = Side(rawValue: choice) else {
            throw APIError(.unprocessableContent, "field 'choice' must be \"left\" or \"right\"")
        }
        let day = 86_400_000.0
        try Validation.checkInteger(index, "index", 0...1_000_000)
        try Validation.check(responseMs, "response_ms", 0...day)
        try Validation.check(exposureMs, "exposure_ms", 0...day)
        try Validation.checkInteger(frames, "frames", 0...1_000_000)
        try Validation.checkInteger(windowW, "window_w", 0...100_000)
        try Validation.checkInteger(windowH, "window_h", 0...100_000)
        try Validation.check(dpr, "dpr", 0.1...16)
        try Validation.check(renderedPx, "rendered_px", 0...100_000)
        try Validation.check(clientTime, "client_time", 0...1e15)
        if let interruption, Interruption(rawValue: interruption) == nil {
            throw APIError(
                .unprocessableContent,
                "field 'interruption' must be null or one of \(Interruption.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return side
    }
}

/// `POST /api/sessions/{token}/events`: `{"kind": string, "detail": object?}`.
struct EventRequest {
    var kind: String
    /// The detail object re-serialised, or nil.
    var detail: String?

    init(data: Data) throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw APIError(.badRequest, "request body is not valid JSON")
        }
        guard let body = object as? [String: Any] else { throw APIError(.badRequest, "request body must be a JSON object") }
        guard let kind = body["kind"] as? String else { throw APIError(.unprocessableContent, "missing field 'kind' (a string)") }
        guard Validation.isEventKind(kind) else {
            throw APIError(.unprocessableContent, "field 'kind' must be 1-64 characters of A-Z, a-z, 0-9, '_', '-' or '.'")
        }
        self.kind = kind
        switch body["detail"] {
        case nil, is NSNull:
            detail = nil
        case let value as [String: Any]:
            let encoded = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
            detail = String(decoding: encoded, as: UTF8.self)
        default:
            throw APIError(.unprocessableContent, "field 'detail' must be a JSON object")
        }
    }
}

/// What disturbed a trial, as the browser reports it; the answer is flagged `interrupted` and `interrupted_<reason>`.
enum Interruption: String, CaseIterable {
    case reload
    case backForward = "back_forward"
    case hidden, resize
}

enum Validation {

    static func isIdempotencyKey(_ value: String) -> Bool {
        (8...64).contains(value.utf8.count) && value.utf8.allSatisfy(isKeyByte)
    }

    static func isEventKind(_ value: String) -> Bool {
        (1...64).contains(value.utf8.count) && value.utf8.allSatisfy { isKeyByte($0) || $0 == 0x2E }
    }

    /// `[0-9a-f]{32}`: the shape of a session token.
    static func isToken(_ value: String) -> Bool {
        value.utf8.count == 32 && value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == 0x5F || byte == 0x2D
    }

    static func check(_ value: Double?, _ name: String, _ range: ClosedRange<Double>) throws {
        guard let value else { return }
        guard value.isFinite, range.contains(value) else {
            throw APIError(
                .unprocessableContent,
                "field '\(name)' must be a number from \(format(range.lowerBound)) to \(format(range.upperBound))")
        }
    }

    static func checkInteger(_ value: Double?, _ name: String, _ range: ClosedRange<Double>) throws {
        guard let value else { return }
        guard value.isFinite, value == value.rounded(), range.contains(value) else {
            throw APIError(
                .unprocessableContent,
                "field '\(name)' must be a whole number from \(format(range.lowerBound)) to \(format(range.upperBound))")
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

/// Why an answer's exposure cannot be trusted; empty when it can.
enum ExposureFlags {
    static func flags(
        exposureMs: Double, visibilityLost: Bool, focusLost: Bool, interruption: String? = nil,
        study: StudyDefinition
    ) -> [String] {
        var flags: [String] = []
        if abs(exposureMs - Double(study.exposureMs)) > Double(study.exposureToleranceMs) {
            flags.append(AnswerFlag.exposureDeviation.rawValue)
        }
        if visibilityLost { flags.append(AnswerFlag.visibilityLost.rawValue) }
        if focusLost { flags.append(AnswerFlag.focusLost.rawValue) }
        if let interruption = interruption.flatMap(Interruption.init(rawValue:)) {
            flags.append(AnswerFlag.interrupted.rawValue)
            flags.append(AnswerFlag.interrupted(reason: interruption.rawValue))
        }
        return flags
    }
}
