import Foundation
import Hummingbird
import Logging
import StudyKit
import StudyStats
import StudyStore

/// The participant JSON API: start or resume a session, answer trials, complete, report events.
struct ParticipantAPI: Sendable {
    let catalog: StudyCatalog
    let database: StudyDatabase
    let answers: AnswerBatcher
    let limiter: SessionCreationLimiter
    let trustForwardedFor: Bool
    let abandonAfter: TimeInterval
    /// New sessions wait while the disk has less free (`ServerSettings.minFreeBytesForNewSessions`).
    let minFreeBytesForNewSessions: Int64
    let now: @Sendable () -> Date

    var study: StudyDefinition { catalog.manifest.definition }

    func addRoutes(to router: Router<StudyRequestContext>) {
        router.post("/api/sessions") { request, context in
            try await self.startSession(request, client: context.clientAddress(request, trustForwardedFor: self.trustForwardedFor))
        }
        let session = router.group("/api/sessions/:token").add(middleware: SessionTokenMiddleware<StudyRequestContext>())
        session.get { _, context in
            try await self.getSession(token: try context.parameters.require("token"))
        }
        session.post("answers") { request, context in
            try await self.answer(request, token: try context.parameters.require("token"))
        }
        session.post("complete") { _, context in
            try await self.complete(token: try context.parameters.require("token"))
        }
        session.post("events") { request, context in
            try await self.event(request, token: try context.parameters.require("token"))
        }
    }

    /// Starts a session, or resumes the participant's own when the body carries its token (`resume_token`)
    /// or the key of the browser that started it (`browser_key`); a participant id alone never resumes.
    /// New sessions are admitted by `SessionCreationLimiter`.
    func startSession(_ request: Request, client: String) async throws -> Response {
        let body = try JSONBody.decode(SessionRequest.self, from: try await JSONBody.read(request, allowEmpty: true))
        let ids = try body.validated()
        if let pattern = study.assignment.participantIDPattern {
            for (name, id) in [("pid", ids.pid), ("prolific_pid", ids.prolificPID)] {
                guard let id, !ParticipantIdentifier.matches(id, pattern: pattern) else { continue }
                throw APIError(
                    .badRequest, "field '\(name)' is not a participant id of this study: it must match \(pattern)",
                    reason: "participant_id_pattern")
            }
        }
        let start = SessionStart(
            participantID: ids.prolificPID ?? ids.pid, source: ids.prolificPID != nil ? "prolific" : "pid",
            prolificStudyID: ids.studyID, prolificSessionID: ids.sessionID,
            userAgent: request.headers[.userAgent].map { String($0.prefix(512)) },
            windowW: body.windowW.map { Int($0) }, windowH: body.windowH.map { Int($0) }, dpr: body.dpr,
            resumeToken: body.resumeToken, browserKey: body.browserKey)
        // A resume is never limited, priced or refused for capacity: it creates nothing.
        if let snapshot = try await database.resumeSession(start, now: now()) {
            return JSONBody.response(try payload(snapshot), status: .ok)
        }
        if let free = database.storageStatus().freeBytes, free < minFreeBytesForNewSessions { throw APIError.storageLow }
        if case .priced(let wait, let challenge) = await limiter.acquire(client: client, proof: body.admissionProof, now: now()) {
            throw APIError(
                .tooManyRequests,
                challenge == nil
                    ? "too many new sessions; try again in \(wait) s"
                    : "many new sessions at once; try again in \(wait) s, or at once with the challenge solved",
                reason: "rate_limited", retryAfter: wait, challenge: challenge)
        }
        let snapshot: SessionSnapshot
        do {
            snapshot = try await database.startSession(
                start, sequences: catalog.manifest.design.sequences,
                identity: NewSessionIdentity(
                    token: SecretGenerator.token(), generatedParticipantID: SecretGenerator.participantID(),
                    stimulusKey: SecretGenerator.token()),
                now: now(), abandonAfter: abandonAfter)
        } catch let error as StudyStoreError {
            switch error {
            case .invalidParticipantID: throw APIError(.unprocessableContent, error.description)
            case .participantHasSession: throw APIError(.conflict, error.description, reason: "participant_has_session")
            default: throw error
            }
        }
        return JSONBody.response(try payload(snapshot), status: snapshot.resumed ? .ok : .created)
    }

    func getSession(token: String) async throws -> Response {
        guard let snapshot = try await database.touchSession(token: token, now: now()) else { throw APIError.unknownSession }
        return JSONBody.response(try payload(snapshot))
    }

    func answer(_ request: Request, token: String) async throws -> Response {
        let body = try JSONBody.decode(AnswerRequest.self, from: try await JSONBody.read(request))
        let choice = try body.validate()
        let index = Int(body.index)
        let flags = ExposureFlags.flags(
            exposureMs: body.exposureMs, visibilityLost: body.visibilityLost,
            focusLost: body.focusLost, interruption: body.interruption, study: study)
        let record = AnswerRecord(
            id: nil, session: token, trialIndex: index, key: body.key, choice: choice,
            responseMs: body.responseMs, exposureMs: body.exposureMs, frames: Int(body.frames),
            visibilityLost: body.visibilityLost, focusLost: body.focusLost, windowW: Int(body.windowW),
            windowH: Int(body.windowH), dpr: body.dpr, renderedPx: body.renderedPx, flags: AnswerFlags(flags),
            clientTime: body.clientTime, receivedAt: now())
        let result = try await answers.record(record)
        switch result.outcome {
        case .recorded: return JSONBody.response(AnswerAck(duplicate: false, nextIndex: result.nextIndex))
        case .duplicate: return JSONBody.response(AnswerAck(duplicate: true, nextIndex: result.nextIndex))
        case .keyReused: throw APIError(.conflict, "key \(body.key) was already used for a different answer")
        case .trialAlreadyAnswered: throw APIError(.conflict, "trial \(index) was already answered under another key")
        case .trialOutOfRange:
            throw APIError(
                .unprocessableContent,
                "trial index \(index) is not in this session (it has trials 0-\(result.trialCount - 1))")
        case .unknownSession: throw APIError.unknownSession
        case .sessionDeclined:
            throw APIError(.conflict, "consent was declined in this session: it records no answers", reason: "session_declined")
        }
    }

    func complete(token: String) async throws -> Response {
        guard let snapshot = try await database.session(token: token) else { throw APIError.unknownSession }
        let session = snapshot.session
        let trialCount = catalog.sequences[session.sequence]?.trials.count ?? Int.max
        let code = study.completion.code ?? SecretGenerator.completionCode()
        let flags = session.completedAt == nil && snapshot.answered.count >= trialCount ? try await flags(of: session) : [:]
        switch try await database.completeSession(token: token, trialCount: trialCount, code: code, flags: flags, now: now()) {
        case .completed(let record):
            return JSONBody.response(
                CompletionPayload(
                    completionCode: record.completionCode ?? code,
                    redirectURL: study.completion.redirectURL))
        case .incomplete(let answered, let trials):
            throw APIError(.conflict, "the session is not complete: \(answered) of \(trials) trials answered")
        case .unknownSession:
            throw APIError.unknownSession
        }
    }

    /// The participant flags of a session (flag -> what raised it), stored with it at completion; the report
    /// recomputes the same from the same records.
    func flags(of session: SessionRecord) async throws -> [ParticipantFlag: String] {
        let trials = try await database.answeredTrials(manifest: catalog.manifest, session: session.token)
        let exclusions = Exclusions.apply(trials, rules: study.exclusions, exposureMs: study.exposureMs)
        let screen = exclusions.participants.first { $0.participant == session.participant }
        var flags: [ParticipantFlag: String] = [:]
        for reason in screen?.reasons ?? [] { flags[reason.flag] = reason.detail }
        return flags
    }

    func event(_ request: Request, token: String) async throws -> Response {
        let event = try EventRequest(data: try await JSONBody.read(request))
        switch try await database.recordEvent(token: token, kind: event.kind, detail: event.detail, now: now()) {
        case .recorded: return Response(status: .noContent)
        case .unknownSession: throw APIError.unknownSession
        case .sessionComplete: throw APIError(.conflict, "the session is complete: no more events are recorded", reason: "session_complete")
        case .tooMany:
            throw APIError(
                .tooManyRequests,
                "this session reached its limit of \(StudyDatabase.maxEventsPerSession) events or "
                    + "\(StudyDatabase.maxEventBytesPerSession) bytes of events",
                reason: "event_limit")
        }
    }

    /// The study's texts with `{minutes}` filled from this session's length.
    private func texts(sessionTrials: Int) -> SessionPayload.Texts {
        let minutes = SessionTextFacts.expectedMinutes(
            trials: sessionTrials, fixationMs: study.display.fixationMs, exposureMs: study.exposureMs)
        let t = study.texts
        return .init(
            consent: SessionTextFacts.fill(t.consent, minutes: minutes),
            instructions: SessionTextFacts.fill(t.instructions, minutes: minutes),
            completion: SessionTextFacts.fill(t.completion, minutes: minutes))
    }

    /// The session payload, built field by field from the allow-list in `SessionPayload`.
    func payload(_ snapshot: SessionSnapshot) throws -> SessionPayload {
        let session = snapshot.session
        guard let trials = catalog.payloadTrials(sequence: session.sequence, stimulusKey: session.stimulusKey),
            let task = catalog.manifest.task(session.task)
        else {
            throw APIError(.conflict, "this session's sequence is not part of the study being served")
        }
        return SessionPayload(
            session: session.token, participant: session.participant, resumed: snapshot.resumed,
            study: .init(title: study.title),
            task: .init(question: task.question, showInput: task.showInput),
            texts: texts(sessionTrials: trials.count),
            exposureMs: study.exposureMs, exposureToleranceMs: study.exposureToleranceMs,
            fixationMs: study.display.fixationMs,
            display: .init(
                imagePx: study.hrSize, inputPx: study.display.input == .bicubic ? study.hrSize : study.lrSize,
                devicePxPerImagePx: study.displayScale, cssPxPerImagePx: study.display.cssPxPerImagePx,
                inputRendering: study.display.input == .bicubic ? "upsampled" : "pixelated",
                gapPx: study.display.gapPx, minWindowW: study.display.minWindowWidth,
                minWindowH: study.display.minWindowHeight, allowedDPRs: study.display.allowedDPRs),
            trials: trials, answered: snapshot.answered,
            nextIndex: TrialProgress.firstUnanswered(Set(snapshot.answered), below: trials.count),
            completed: session.completedAt != nil, declined: snapshot.declined, completionCode: session.completionCode,
            redirectURL: session.completedAt != nil ? study.completion.redirectURL : nil)
    }
}
