import Foundation
import Hummingbird
import StudyStore

/// An error answered as `{"error": "<message>"}` with its status.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    /// A machine-readable reason where the browser acts on it (`participant_has_session`, `rate_limited`).
    public var reason: String?
    /// Seconds to wait before retrying (429), sent as Retry-After.
    public var retryAfter: Int?
    /// A proof-of-work challenge that, solved, admits the request at once (`AdmissionChallenge`).
    var challenge: AdmissionChallenge.Issued?

    public init(_ status: HTTPResponse.Status, _ message: String, reason: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
        self.retryAfter = retryAfter
    }

    init(
        _ status: HTTPResponse.Status, _ message: String, reason: String?, retryAfter: Int?, challenge: AdmissionChallenge.Issued?
    ) {
        self.init(status, message, reason: reason, retryAfter: retryAfter)
        self.challenge = challenge
    }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response { jsonResponse }

    var jsonResponse: Response {
        var response = JSONBody.response(ErrorBody(error: message, reason: reason, challenge: challenge), status: status)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    static func notFound(_ what: String) -> APIError { APIError(.notFound, what) }
    /// The database's disk is full: nothing was recorded; the browser keeps what it sent and retries.
    static let storageFull = APIError(
        .insufficientStorage, "the study server's disk is full: nothing was saved; the page keeps it and retries",
        reason: "storage_full", retryAfter: 15)
    /// The disk is nearly full: answers of running sessions go on, new sessions wait.
    static let storageLow = APIError(
        .insufficientStorage, "the study is paused for new participants: the server is short of disk space; try again later",
        reason: "storage_low", retryAfter: 60)
    static let unknownSession = APIError(.notFound, "unknown session: start a new one with POST /api/sessions")
}

struct ErrorBody: Encodable {
    var error: String
    var reason: String? = nil
    var challenge: AdmissionChallenge.Issued? = nil

    enum CodingKeys: String, CodingKey { case error, reason, challenge }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(error, forKey: .error)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeIfPresent(challenge, forKey: .challenge)
    }
}

/// Turns every error, the framework's own included (unknown route, oversized body), into a JSON error body.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.jsonResponse
        } catch let error where StudyDatabase.isStorageFull(error) {
            context.logger.error("the database's disk is full", metadata: ["path": "\(LogRedaction.path(request.uri.path))"])
            return APIError.storageFull.jsonResponse
        } catch let error as HTTPResponseError {
            let message: String
            switch error.status {
            case .notFound: message = "not found: \(request.method) \(LogRedaction.path(request.uri.path))"
            case .contentTooLarge: message = "request body too large"
            case .methodNotAllowed:
                message = "method \(request.method) not allowed on \(LogRedaction.path(request.uri.path))"
            default: message = error.status.reasonPhrase
            }
            return JSONBody.response(ErrorBody(error: message), status: error.status)
        } catch {
            context.logger.error(
                "request failed",
                metadata: [
                    "path": "\(LogRedaction.path(request.uri.path))", "error": "\(error)",
                ])
            return JSONBody.response(
                ErrorBody(error: "internal error; the request was not recorded"),
                status: .internalServerError)
        }
    }
}

extension HTTPResponse.Status {
    /// 507: the server cannot store what the request needs stored (RFC 4918).
    static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
}
