import Foundation
import Hummingbird

/// An error answered as `{"error": "<message>"}` with its status.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String

    public init(_ status: HTTPResponse.Status, _ message: String) { self.status = status; self.message = message }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONBody.response(ErrorBody(error: message), status: status)
    }

    static func notFound(_ what: String) -> APIError { APIError(.notFound, what) }
    static let unknownSession = APIError(.notFound, "unknown session: start a new one with POST /api/sessions")
}

struct ErrorBody: Encodable { var error: String }

/// Turns every error, the framework's own included (unknown route, oversized body), into a JSON error body.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return JSONBody.response(ErrorBody(error: error.message), status: error.status)
        } catch let error as HTTPResponseError {
            let message: String
            switch error.status {
            case .notFound: message = "not found: \(request.method) \(request.uri.path)"
            case .contentTooLarge: message = "request body too large"
            case .methodNotAllowed: message = "method \(request.method) not allowed on \(request.uri.path)"
            default: message = error.status.reasonPhrase
            }
            return JSONBody.response(ErrorBody(error: message), status: error.status)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return JSONBody.response(ErrorBody(error: "internal error; the request was not recorded"),
                                     status: .internalServerError)
        }
    }
}
