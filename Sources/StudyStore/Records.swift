import Foundation
import GRDB
import StudyKit

/// One person taking part. `id` is the external id (`pid`, Prolific's PROLIFIC_PID) or one the server made.
public struct ParticipantRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "participant"
    public var id: String
    /// `pid`, `prolific` or `generated`.
    public var source: String
    public var prolificStudyID: String?
    public var prolificSessionID: String?
    public var userAgent: String?
    public var createdAt: Date
    /// `ParticipantIdentifier.comparisonKey(id)`: ids with one key are one participant.
    public var comparisonKey: String?

    enum CodingKeys: String, CodingKey {
        case id, source
        case prolificStudyID = "prolific_study_id"
        case prolificSessionID = "prolific_session_id"
        case userAgent = "user_agent"
        case createdAt = "created_at"
        case comparisonKey = "comparison_key"
    }
}

/// A sequence of the manifest's design as it was when first served: the plan hand-outs refer to.
public struct PlanSequenceRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "plan_sequence"
    public var id: String
    public var task: String
    /// Order in the manifest's design.
    public var position: Int
    public var trialCount: Int
    /// The sequence's trials as JSON, exactly as served.
    public var trialsJSON: String
    public var definitionSHA256: String
    public var builtAt: String

    enum CodingKeys: String, CodingKey {
        case id, task, position
        case trialCount = "trial_count"
        case trialsJSON = "trials_json"
        case definitionSHA256 = "definition_sha256"
        case builtAt = "built_at"
    }
}

/// One participant's run through one sequence. A participant holds at most one session.
public struct SessionRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "session"
    /// Opaque random token; the session's name in URLs.
    public var token: String
    public var participant: String
    public var sequence: String
    public var task: String
    public var startedAt: Date
    public var lastSeenAt: Date
    public var completedAt: Date?
    public var completionCode: String?
    public var windowW: Int?
    public var windowH: Int?
    public var dpr: Double?
    /// Names the session in its stimulus URLs (the token itself never appears there).
    public var stimulusKey: String
    /// The secret of the browser that started the session, if it sent one.
    public var browserKey: String?
    /// When the session's latest answer was recorded; nil before its first.
    public var lastAnswerAt: Date?

    enum CodingKeys: String, CodingKey {
        case token, participant, sequence, task, dpr
        case startedAt = "started_at"
        case lastSeenAt = "last_seen_at"
        case completedAt = "completed_at"
        case completionCode = "completion_code"
        case windowW = "window_w"
        case windowH = "window_h"
        case stimulusKey = "stimulus_key"
        case browserKey = "browser_key"
        case lastAnswerAt = "last_answer_at"
    }
}

/// A sequence handed to a session; a sequence is handed out again when its earlier session was abandoned.
public struct HandoutRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "handout"
    public var id: Int64?
    public var sequence: String
    public var session: String
    public var handedOutAt: Date
    /// Hand-outs of the same sequence before this one (0 = first hand-out).
    public var earlierHandouts: Int

    enum CodingKeys: String, CodingKey {
        case id, sequence, session
        case handedOutAt = "handed_out_at"
        case earlierHandouts = "earlier_handouts"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One answered trial as the browser reported it, with the flags the server computed.
public struct AnswerRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "answer"
    public var id: Int64?
    public var session: String
    public var trialIndex: Int
    /// The client's idempotency key; unique over the database.
    public var key: String
    public var choice: Side
    public var responseMs: Double
    public var exposureMs: Double?
    public var frames: Int?
    public var visibilityLost: Bool
    public var focusLost: Bool
    public var windowW: Int?
    public var windowH: Int?
    public var dpr: Double?
    public var renderedPx: Double?
    /// What made this answer doubtful, from the browser's report and the server's own timing.
    public var flags: AnswerFlags
    /// The client's clock (ms since 1970) when it answered, if sent.
    public var clientTime: Double?
    public var receivedAt: Date
    /// When the server first served an image of this trial to the session; nil if it never did.
    public var servedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, session, key, choice, frames, dpr, flags
        case trialIndex = "trial_index"
        case responseMs = "response_ms"
        case exposureMs = "exposure_ms"
        case visibilityLost = "visibility_lost"
        case focusLost = "focus_lost"
        case windowW = "window_w"
        case windowH = "window_h"
        case renderedPx = "rendered_px"
        case clientTime = "client_time"
        case receivedAt = "received_at"
        case servedAt = "served_at"
    }

    public init(
        id: Int64? = nil, session: String, trialIndex: Int, key: String, choice: Side, responseMs: Double,
        exposureMs: Double?, frames: Int?, visibilityLost: Bool, focusLost: Bool, windowW: Int?, windowH: Int?,
        dpr: Double?, renderedPx: Double?, flags: AnswerFlags, clientTime: Double?, receivedAt: Date,
        servedAt: Date? = nil
    ) {
        self.id = id
        self.session = session
        self.trialIndex = trialIndex
        self.key = key
        self.choice = choice
        self.responseMs = responseMs
        self.exposureMs = exposureMs
        self.frames = frames
        self.visibilityLost = visibilityLost
        self.focusLost = focusLost
        self.windowW = windowW
        self.windowH = windowH
        self.dpr = dpr
        self.renderedPx = renderedPx
        self.flags = flags
        self.clientTime = clientTime
        self.receivedAt = receivedAt
        self.servedAt = servedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Something the browser reported outside an answer: display check results, visibility changes.
public struct EventRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "event"
    public var id: Int64?
    public var session: String
    public var kind: String
    /// JSON object text, or nil.
    public var detail: String?
    public var receivedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, session, kind, detail
        case receivedAt = "received_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One image slot of one trial served to a session: when first and last, and how often.
public struct StimulusServeRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "stimulus_serve"
    public var session: String
    public var trialIndex: Int
    /// `left`, `right` or `input`.
    public var slot: String
    public var firstServedAt: Date
    public var lastServedAt: Date
    public var serves: Int

    enum CodingKeys: String, CodingKey {
        case session, slot, serves
        case trialIndex = "trial_index"
        case firstServedAt = "first_served_at"
        case lastServedAt = "last_served_at"
    }
}

/// A participant flag raised for a session (see StudyKit's `ParticipantFlag`), with what raised it.
public struct SessionFlagRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "session_flag"
    public var session: String
    public var flag: String
    public var detail: String
    public var raisedAt: Date

    enum CodingKeys: String, CodingKey {
        case session, flag, detail
        case raisedAt = "raised_at"
    }
}
