import Foundation
import GRDB
import StudyKit

/// Who is starting a session, as the browser told us.
public struct SessionStart: Sendable, Equatable {
    /// External id (`pid` or Prolific's PROLIFIC_PID); nil for a participant without one.
    public var participantID: String?
    /// `pid` or `prolific` for an external id.
    public var source: String
    public var prolificStudyID: String?
    public var prolificSessionID: String?
    public var userAgent: String?
    public var windowW: Int?
    public var windowH: Int?
    public var dpr: Double?
    /// The token this browser holds for the participant's session, if any: resuming needs it or `browserKey`.
    public var resumeToken: String?
    /// A secret the browser made and keeps; the session it starts can be resumed with it.
    public var browserKey: String?

    public init(
        participantID: String?, source: String = "pid", prolificStudyID: String? = nil,
        prolificSessionID: String? = nil, userAgent: String? = nil,
        windowW: Int? = nil, windowH: Int? = nil, dpr: Double? = nil, resumeToken: String? = nil,
        browserKey: String? = nil
    ) {
        self.participantID = participantID
        self.source = source
        self.prolificStudyID = prolificStudyID
        self.prolificSessionID = prolificSessionID
        self.userAgent = userAgent
        self.windowW = windowW
        self.windowH = windowH
        self.dpr = dpr
        self.resumeToken = resumeToken
        self.browserKey = browserKey
    }
}

/// A session as recorded, with the trial indices answered so far (ascending).
public struct SessionSnapshot: Sendable, Equatable {
    public var session: SessionRecord
    public var answered: [Int]
    /// The session existed before this request.
    public var resumed: Bool
    /// The participant declined consent before a first answer: the session is over (its sequence went to
    /// someone else), and a reload shows the decline again instead of the consent.
    public var declined = false
}

/// Values the caller makes up for a new session; the store itself makes no random choices.
public struct NewSessionIdentity: Sendable {
    public var token: String
    /// Used when the participant brought no id.
    public var generatedParticipantID: String
    /// Names the session in its stimulus URLs.
    public var stimulusKey: String

    public init(token: String, generatedParticipantID: String, stimulusKey: String) {
        self.token = token
        self.generatedParticipantID = generatedParticipantID
        self.stimulusKey = stimulusKey
    }
}

public enum EventOutcome: Sendable, Equatable {
    case recorded
    case unknownSession
    /// The session is complete: nothing more is recorded for it.
    case sessionComplete
    /// The session already has `maxEventsPerSession` events.
    case tooMany
}

public enum CompletionOutcome: Sendable, Equatable {
    case completed(SessionRecord)
    case incomplete(answered: Int, trials: Int)
    case unknownSession
}

extension StudyDatabase {
    /// Events one session may record; later ones are refused.
    public static let maxEventsPerSession = 200
    /// Bytes of event kinds and details one session may record (about 320 bytes an event on average);
    /// later events are refused, so a session's events stay small whatever their count.
    public static let maxEventBytesPerSession = 64 * 1024

    /// The session `start` may resume, marked seen now: the participant's own when the request carries its
    /// token or the key of the browser that started it, or (without a participant id) the session with
    /// `start.resumeToken`, else the latest one that browser started without an id; nil when there is none
    /// to resume (the caller then starts one, or learns of a
    /// conflict, through `startSession`). Never creates anything, so it is never rate-limited.
    public func resumeSession(_ start: SessionStart, now: Date) async throws -> SessionSnapshot? {
        guard start.resumeToken != nil || start.browserKey != nil else { return nil }
        let id = try start.participantID.map(Self.validateParticipantID)
        return try await pool.write { db in
            let existing: [SessionRecord]
            if let id {
                existing = try Self.sessions(db, participantKey: ParticipantIdentifier.comparisonKey(id))
            } else {
                // Without a participant id: the session of this token, else the latest one this browser
                // started without an id.
                existing =
                    try start.resumeToken.flatMap { try SessionRecord.fetchOne(db, key: $0) }.map { [$0] }
                    ?? start.browserKey.map { key in
                        try SessionRecord.fetchAll(
                            db,
                            sql: """
                                SELECT session.* FROM session JOIN participant ON participant.id = session.participant
                                WHERE session.browser_key = ? AND participant.source = 'generated'
                                ORDER BY session.started_at DESC LIMIT 1
                                """, arguments: [key])
                    } ?? []
            }
            guard var session = existing.first(where: { Self.resumes(start, $0) }) else { return nil }
            session.lastSeenAt = now
            try session.update(db, columns: ["last_seen_at"])
            return try Self.resumedSnapshot(db, session)
        }
    }

    /// Whether `start` carries `session`'s token or the key of the browser that started it.
    static func resumes(_ start: SessionStart, _ session: SessionRecord) -> Bool {
        let byToken = start.resumeToken.map { SecretComparison.equal($0, session.token) } ?? false
        let byBrowser = zip(start.browserKey, session.browserKey).map { SecretComparison.equal($0, $1) } ?? false
        return byToken || byBrowser
    }

    /// Returns the participant's session if they have one and `start.resumeToken` is its token (resumed);
    /// refuses (`participantHasSession`) if they have one and the token is missing or another; else hands
    /// out a sequence of `sequences` (the manifest's design, in order) and records participant, session and
    /// hand-out in one transaction. A sequence stays taken while its session completes or progresses.
    public func startSession(
        _ start: SessionStart, sequences: [TrialSequence], identity: NewSessionIdentity,
        now: Date, abandonAfter: TimeInterval
    ) async throws -> SessionSnapshot {
        var normalized = start
        if let id = start.participantID { normalized.participantID = try Self.validateParticipantID(id) }
        let start = normalized
        return try await pool.write { db in
            let key = start.participantID.map(ParticipantIdentifier.comparisonKey)
            if let key {
                let existing = try Self.sessions(db, participantKey: key)
                if var session = existing.first(where: { Self.resumes(start, $0) }) {
                    session.lastSeenAt = now
                    try session.update(db, columns: ["last_seen_at"])
                    return try Self.resumedSnapshot(db, session)
                }
                // Another spelling of a recorded id is the same person (`ParticipantIdentifier.comparisonKey`).
                let known = try ParticipantRecord.filter(Column("comparison_key") == key).fetchCount(db)
                if !existing.isEmpty || known > 0 { throw StudyStoreError.participantHasSession }
            }
            let taken = try Self.takenCounts(db, activeSince: now.addingTimeInterval(-abandonAfter))
            let candidates = sequences.map {
                SequenceAssignment.Candidate(sequence: $0.id, task: $0.task, taken: taken[$0.id, default: 0])
            }
            guard let chosen = SequenceAssignment.choose(candidates) else { throw StudyStoreError.noSequences }
            let participant = ParticipantRecord(
                id: start.participantID ?? identity.generatedParticipantID,
                source: start.participantID == nil ? "generated" : start.source,
                prolificStudyID: start.prolificStudyID, prolificSessionID: start.prolificSessionID,
                userAgent: start.userAgent, createdAt: now,
                comparisonKey: ParticipantIdentifier.comparisonKey(start.participantID ?? identity.generatedParticipantID))
            try participant.insert(db)
            let session = SessionRecord(
                token: identity.token, participant: participant.id, sequence: chosen.sequence, task: chosen.task,
                startedAt: now, lastSeenAt: now, completedAt: nil, completionCode: nil,
                windowW: start.windowW, windowH: start.windowH, dpr: start.dpr, stimulusKey: identity.stimulusKey,
                browserKey: start.browserKey)
            try session.insert(db)
            let earlier = try HandoutRecord.filter(HandoutRecord.Columns.sequence == chosen.sequence).fetchCount(db)
            var handout = HandoutRecord(
                id: nil, sequence: chosen.sequence, session: session.token,
                handedOutAt: now, earlierHandouts: earlier)
            try handout.insert(db)
            return SessionSnapshot(session: session, answered: [], resumed: false)
        }
    }

    /// The session with this token, marking it seen now; nil if there is none.
    public func touchSession(token: String, now: Date) async throws -> SessionSnapshot? {
        try await pool.write { db in
            guard var session = try SessionRecord.fetchOne(db, key: token) else { return nil }
            session.lastSeenAt = now
            try session.update(db, columns: ["last_seen_at"])
            return try Self.resumedSnapshot(db, session)
        }
    }

    /// Marks the session complete once all `trialCount` trials are answered, storing its participant
    /// `flags` (flag -> what raised it) in the same transaction. Idempotent: a completed session keeps its
    /// first completion time, code and flags.
    public func completeSession(
        token: String, trialCount: Int, code: String, flags: [ParticipantFlag: String] = [:],
        now: Date
    ) async throws -> CompletionOutcome {
        try await pool.write { db in
            guard var session = try SessionRecord.fetchOne(db, key: token) else { return .unknownSession }
            if session.completedAt != nil { return .completed(session) }
            let answered = try AnswerRecord.filter(AnswerRecord.Columns.session == token).fetchCount(db)
            guard answered >= trialCount else { return .incomplete(answered: answered, trials: trialCount) }
            session.completedAt = now
            session.lastSeenAt = now
            session.completionCode = code
            try session.update(db)
            try Self.replaceFlags(db, token: token, flags: flags, now: now)
            return .completed(session)
        }
    }

    /// Records an event for a session that is not complete, has fewer than `maxEventsPerSession` events and
    /// stays within `maxEventBytesPerSession` with this one.
    public func recordEvent(token: String, kind: String, detail: String?, now: Date) async throws -> EventOutcome {
        try await pool.write { db in
            guard var session = try SessionRecord.fetchOne(db, key: token) else { return .unknownSession }
            if session.completedAt != nil { return .sessionComplete }
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS count, COALESCE(SUM(LENGTH(CAST(kind AS BLOB)) + COALESCE(LENGTH(CAST(detail AS BLOB)), 0)), 0) AS bytes
                    FROM event WHERE session = ?
                    """, arguments: [token])
            let count: Int = row?["count"] ?? 0
            let bytes: Int = row?["bytes"] ?? 0
            let adding = kind.utf8.count + (detail?.utf8.count ?? 0)
            if count >= Self.maxEventsPerSession || bytes + adding > Self.maxEventBytesPerSession { return .tooMany }
            var event = EventRecord(id: nil, session: token, kind: kind, detail: detail, receivedAt: now)
            try event.insert(db)
            session.lastSeenAt = now
            try session.update(db, columns: ["last_seen_at"])
            return .recorded
        }
    }

    public func events(token: String) async throws -> [EventRecord] {
        try await pool.read { db in try EventRecord.filter(EventRecord.Columns.session == token).order(EventRecord.Columns.id).fetchAll(db) }
    }

    public func handouts() async throws -> [HandoutRecord] {
        try await pool.read { db in try HandoutRecord.order(HandoutRecord.Columns.id).fetchAll(db) }
    }

    public func sessions() async throws -> [SessionRecord] {
        try await pool.read { db in try SessionRecord.order(SessionRecord.Columns.startedAt, SessionRecord.Columns.token).fetchAll(db) }
    }

    public func participant(id: String) async throws -> ParticipantRecord? {
        try await pool.read { db in try ParticipantRecord.fetchOne(db, key: id) }
    }

    /// An existing session as its participant's page resumes it.
    static func resumedSnapshot(_ db: Database, _ session: SessionRecord) throws -> SessionSnapshot {
        var snapshot = SessionSnapshot(session: session, answered: try answered(db, token: session.token), resumed: true)
        snapshot.declined = try declinedBeforeAnswering(db, session)
        return snapshot
    }

    /// Declined consent before its first answer (`consent_declined`): the session can never go on.
    static func declinedBeforeAnswering(_ db: Database, _ session: SessionRecord) throws -> Bool {
        guard session.lastAnswerAt == nil else { return false }
        return try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM event WHERE session = ? AND kind = 'consent_declined')"),
            arguments: [session.token]) ?? false
    }

    /// The sessions of every participant whose id has comparison key `key`, oldest first (one, except for
    /// ids recorded before ids were compared by key).
    static func sessions(_ db: Database, participantKey key: String) throws -> [SessionRecord] {
        try SessionRecord.fetchAll(
            db,
            sql: """
                SELECT session.* FROM session JOIN participant ON participant.id = session.participant
                WHERE participant.comparison_key = ? ORDER BY session.started_at, session.token
                """, arguments: [key])
    }

    static func answered(_ db: Database, token: String) throws -> [Int] {
        try Int.fetchAll(
            db.cachedStatement(sql: "SELECT trial_index FROM answer WHERE session = ? ORDER BY trial_index"),
            arguments: [token])
    }

    /// When each session last progressed: its latest answer, or its start before its first answer.
    /// Reading or reloading a session does not progress it, so an idle client cannot hold its sequence.
    static let lastProgressSQL = "COALESCE(session.last_answer_at, session.started_at)"

    /// Events (as the participant app posts them) after which a session that has not answered can never go
    /// on: a screen too small for the study, consent declined. Its sequence is free again at once rather than
    /// after the abandonment time. A forged one only frees the sender's own sequence.
    static let endingEventKinds = ["display_refused", "consent_declined"]

    /// Whether a session holds its sequence, with `?` the start of the abandonment window: complete, or
    /// progressed since then and not ended before its first answer (`endingEventKinds`). The assignment and
    /// the progress counts (active against abandoned) both use this one rule.
    static var holdsSequenceSQL: String {
        let ending = endingEventKinds.map { "'\($0)'" }.joined(separator: ", ")
        return """
            session.completed_at IS NOT NULL
               OR (\(lastProgressSQL) >= ?
                   AND NOT (session.last_answer_at IS NULL AND EXISTS (
                       SELECT 1 FROM event WHERE event.session = session.token AND event.kind IN (\(ending)))))
            """
    }

    /// Sessions that hold their sequence (`holdsSequenceSQL`), per sequence.
    static func takenCounts(_ db: Database, activeSince: Date) throws -> [String: Int] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT sequence, COUNT(*) AS taken FROM session
                WHERE \(holdsSequenceSQL)
                GROUP BY sequence
                """, arguments: [activeSince])
        var counts: [String: Int] = [:]
        for row in rows { counts[try row.decode(forColumn: "sequence")] = try row.decode(Int.self, forColumn: "taken") }
        return counts
    }

    /// The participant id in its one stored spelling (StudyKit's `ParticipantIdentifier`).
    static func validateParticipantID(_ id: String) throws -> String {
        guard let normalized = ParticipantIdentifier.normalized(id) else { throw StudyStoreError.invalidParticipantID(id) }
        return normalized
    }

    /// When each session last progressed (see `lastProgressSQL`), by token.
    /// The tokens of the sessions that hold their sequence (`holdsSequenceSQL`).
    public func sequenceHolders(activeSince: Date) async throws -> Set<String> {
        try await pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT token FROM session WHERE \(Self.holdsSequenceSQL)", arguments: [activeSince]))
        }
    }
}

extension StudyDatabase {
    /// The session with this token as recorded, without marking it seen (for async callers: does not block a thread).
    public func session(token: String) async throws -> SessionSnapshot? {
        try await pool.read { db in
            guard let session = try SessionRecord.fetchOne(db, key: token) else { return nil }
            return try Self.resumedSnapshot(db, session)
        }
    }
}

/// Both values, when both are there.
private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
