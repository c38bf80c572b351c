import HTTPTypes
import Hummingbird

/// The edge of every request, in one middleware (each layer costs a little on every answer): HEAD answered
/// like GET without a body; no MIME sniffing on any response, and on HTML documents a Content-Security-Policy
/// that allows only this origin's scripts, styles, images and requests, no Referer (URLs hold session
/// tokens) and no framing; and one info log line without secrets (`LogRedaction`).
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
        let isDocument = response.headers[.contentType]?.hasPrefix("text/html") ?? false
        response.headers.append(contentsOf: isDocument ? SecurityHeaders.documentFields : SecurityHeaders.fields)
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

    /// Every response: JSON, images, scripts and styles.
    static let fields: HTTPFields = [.xContentTypeOptions: "nosniff"]

    /// HTML documents, where a policy, the Referer and framing matter.
    static let documentFields: HTTPFields = [
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
