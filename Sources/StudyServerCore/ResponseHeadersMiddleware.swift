import HTTPTypes
import Hummingbird

/// Headers every response carries: a Content-Security-Policy that allows only this origin's scripts,
/// styles, images and requests, no MIME sniffing, no Referer (URLs hold session tokens), no framing.
/// Also answers HEAD like GET without a body.
struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let isHead = request.method == .head
        var forwarded = request
        if isHead {
            var head = request.head
            head.method = .get
            forwarded = Request(head: head, body: request.body)
        }
        var response = try await next(forwarded, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.xFrameOptions] = "DENY"
        if isHead {
            let length = response.headers[.contentLength]
            response.body = ResponseBody()
            if let length { response.headers[.contentLength] = length }
        }
        return response
    }
}

/// One info line per request without secrets: session tokens and stimulus keys in paths are replaced by
/// `{token}` / `{key}`, query strings (which carry participant ids) are dropped.
struct RedactedRequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            context.logger.info("\(request.method) \(LogRedaction.path(request.uri.path)) \(response.status.code)")
            return response
        } catch let error as HTTPResponseError {
            context.logger.info("\(request.method) \(LogRedaction.path(request.uri.path)) \(error.status.code)")
            throw error
        }
    }
}

/// Paths as logs and error messages may show them: session tokens and stimulus keys replaced.
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
