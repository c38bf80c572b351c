import HTTPTypes
import Hummingbird

/// The edge of every request, in one middleware (each layer costs a little on every answer): HEAD answered
/// like GET without a body; on every response the router makes (documents, JSON, errors, images, scripts)
/// no MIME sniffing, a Content-Security-Policy that allows only this origin's scripts, styles, images and
/// requests, no Referer (URLs hold session tokens) and no framing; and one info log line without secrets
/// (`LogRedaction`).
struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let isHead = request.method == .head
        var forwarded = request
        if isHead {
            var head = request.head
            head.method = .get
            forwarded = Request(head: head, body: request.body)
        }
        var response: Response
        do {
            response = try await next(forwarded, context)
        } catch let error as HTTPResponseError {
            context.logger.info("\(request.method) \(LogRedaction.path(request.uri.path)) \(error.status.code)")
            throw error
        }
        context.logger.info("\(request.method) \(LogRedaction.path(request.uri.path)) \(response.status.code)")
        response.headers.append(contentsOf: SecurityHeaders.fields)
        if isHead {
            let length = response.headers[.contentLength]
            response.body = ResponseBody()
            if let length { response.headers[.contentLength] = length }
        }
        return response
    }
}

enum SecurityHeaders {
    static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

    /// Every response: documents, JSON, errors, images, scripts and styles.
    static let fields: HTTPFields = [
        .contentSecurityPolicy: contentSecurityPolicy,
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "no-referrer",
        .xFrameOptions: "DENY",
    ]
}

/// Paths as logs and error messages may show them: session tokens and stimulus keys replaced, at most 80
/// characters a segment. (Query strings, which carry participant ids, are never logged.)
enum LogRedaction {
    static func path(_ path: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var out: [String] = []
        for (i, segment) in segments.enumerated() {
            if Validation.isToken(String(segment)) {
                out.append(i > 0 && segments[i - 1] == "stimuli" ? "{key}" : "{token}")
            } else {
                out.append(String(segment.prefix(80)))
            }
        }
        return out.joined(separator: "/")
    }
}
