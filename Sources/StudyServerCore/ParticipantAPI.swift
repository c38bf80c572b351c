import Foundation
import Hummingbird
import Logging
import StudyKit
import StudyStore

/// The participant JSON API: start or resume a session, answer trials, complete, report events.
struct ParticipantAPI: Sendable {
    let catalog: StudyCatalog
    let database: StudyDatabase
    let answers: AnswerBatcher
    let abandonAfter: TimeInterval
    let now: @Sendable () -> Date

    var study: StudyDefinition { catalog.manifest.definition }

    func addRoutes(to router: Router<some RequestContext>) {
        router.post("/api/sessions") { request, _ in try await self.startSession(request) }
        router.get("/api/sessions/:token") { _, context in
            try await self.getSession(token: try context.parameters.require("token"))
        }
        router.post("/api/sessions/:token/answers") { request, context in
            try await self.answer(request, token: try context.parameters.require("token"))
        }
        router.post("/api/sessions/:token/complete") { _, context in
            try await self.complete(token: try context.parameters.require("token"))
        }
        router.post("/api/sessions/:token/events") { request, context in
            try await self.event(request, token: try context.parameters.require("token"))
        }
    }

    func startSession(_ request: Request) async throws -> Response {
        let body = try JSONBody.decode(SessionRequest.self, from: try await JSONBody.read(request, allowEmpty: true))
        try body.validate()
        let start = SessionStart(
            participantID: body.prolificPID ?? body.pid, source: body.prolificPID != nil ? "prolific" : "pid",
            prolificStudyID: body.studyID, prolificSessionID: body.sessionID,
            userAgent: request.headers[.userAgent].map { String($0.prefix(512)) },
            windowW: body.windowW.map { Int($0) }, windowH: body.windowH.map { Int($0) }, dpr: body.dpr)
        let snapshot: SessionSnapshot
        do {
            snapshot = try await database.startSession(
                start, sequences: catalog.manifest.design.sequences,
                identity: NewSessionIdentity(token: SecretGenerator.token(), generatedParticipantID: SecretGenerator.participantID()),
                now: now(), abandonAfter: abandonAfter)
        } catch let error as StudyStoreError {
            guard case .invalidParticipantID = error else { throw error }
            throw APIError(.unprocessableContent, error.description)
        }
        return JSONBody.response(try payload(snapshot), status: snapshot.resumed ? .ok : .created)
    }

    func getSession(token: String) async throws -> Response {
        guard Validation.isToken(token), let snapshot = try await database.touchSession(token: token, now: now()) else {
            throw APIError.unknownSession
        }
        return JSONBody.response(try payload(snapshot))
    }

    func answer(_ request: Request, token: String) async throws -> Response {
        guard Validation.isToken(token) else { throw APIError.unknownSession }
        let body = try JSONBody.decode(AnswerRequest.self, from: try await JSONBody.read(request))
        let choice = try body.validate()
        let index = Int(body.index)
        let flags = ExposureFlags.flags(exposureMs: body.exposureMs, visibilityLost: body.visibilityLost,
                                        focusLost: body.focusLost, interruption: body.interruption, study: study)
        let record = AnswerRecord(
            id: nil, session: token, trialIndex: index, key: body.key, choice: choice.rawValue,
            responseMs: body.responseMs, exposureMs: body.exposureMs, frames: Int(body.frames),
            visibilityLost: body.visibilityLost, focusLost: body.focusLost, windowW: Int(body.windowW),
            windowH: Int(body.windowH), dpr: body.dpr, renderedPx: body.renderedPx, flags: flags.joined(separator: ","),
            clientTime: body.clientTime, receivedAt: now())
        let result = try await answers.record(record)
        switch result.outcome {
        case .recorded: return JSONBody.response(AnswerAck(duplicate: false, nextIndex: result.nextIndex))
        case .duplicate: return JSONBody.response(AnswerAck(duplicate: true, nextIndex: result.nextIndex))
        case .keyReused: throw APIError(.conflict, "key \(body.key) was already used for a different answer")
        case .trialAlreadyAnswered: throw APIError(.conflict, "trial \(index) was already answered under another key")
        case .trialOutOfRange:
            throw APIError(.unprocessableContent,
                           "trial index \(index) is not in this session (it has trials 0-\(result.trialCount - 1))")
        case .unknownSession: throw APIError.unknownSession
        }
    }

    func complete(token: String) async throws -> Response {
        guard Validation.isToken(token), let session = try await database.session(token: token) else { throw APIError.unknownSession }
        let trialCount = catalog.sequences[session.session.sequence]?.trials.count ?? Int.max
        let code = study.completion.code ?? SecretGenerator.completionCode()
        switch try await database.completeSession(token: token, trialCount: trialCount, code: code, now: now()) {
        case .completed(let record):
            return JSONBody.response(CompletionPayload(completionCode: record.completionCode ?? code,
                                                       redirectURL: study.completion.redirectURL))
        case .incomplete(let answered, let trials):
            throw APIError(.conflict, "the session is not complete: \(answered) of \(trials) trials answered")
        case .unknownSession:
            throw APIError.unknownSession
        }
    }

    func event(_ request: Request, token: String) async throws -> Response {
        guard Validation.isToken(token) else { throw APIError.unknownSession }
        let event = try EventRequest(data: try await JSONBody.read(request))
        guard try await database.recordEvent(token: token, kind: event.kind, detail: event.detail, now: now()) else {
            throw APIError.unknownSession
        }
        return Response(status: .noContent)
    }

    /// The session payload, built field by field from the allow-list in `SessionPayload`.
    func payload(_ snapshot: SessionSnapshot) throws -> SessionPayload {
        let session = snapshot.session
        guard let sequence = catalog.sequences[session.sequence], let task = catalog.manifest.task(session.task) else {
            throw APIError(.conflict, "this session's sequence is not part of the study being served")
        }
        return SessionPayload(
            session: session.token, participant: session.participant, resumed: snapshot.resumed,
            study: .init(title: study.title),
            task: .init(question: task.question, showInput: task.showInput),
            texts: .init(consent: study.texts.consent, instructions: study.texts.instructions,
                         completion: study.texts.completion),
            exposureMs: study.exposureMs, exposureToleranceMs: study.exposureToleranceMs,
            fixationMs: study.display.fixationMs,
            display: .init(imagePx: study.hrSize, inputPx: study.display.input == .bicubic ? study.hrSize : study.lrSize,
                           devicePxPerImagePx: study.displayScale,
                           inputRendering: study.display.input == .bicubic ? "upsampled" : "pixelated",
                           gapPx: study.display.gapPx, minWindowW: study.display.minWindowWidth,
                           minWindowH: study.display.minWindowHeight, allowedDPRs: study.display.allowedDPRs),
            trials: sequence.trials, answered: snapshot.answered,
            nextIndex: Self.nextIndex(trialCount: sequence.trials.count, answered: snapshot.answered),
            completed: session.completedAt != nil, completionCode: session.completionCode,
            redirectURL: session.completedAt != nil ? study.completion.redirectURL : nil)
    }

    /// The first unanswered trial, or nil when all are answered.
    static func nextIndex(trialCount: Int, answered: [Int]) -> Int? {
        let done = Set(answered)
        return (0..<trialCount).first { !done.contains($0) }
    }
}
