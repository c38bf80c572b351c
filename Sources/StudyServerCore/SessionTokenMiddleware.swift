import Hummingbird

/// Guards the routes under `/api/sessions/:token`: a token that is not of the form the server makes is an
/// unknown session before any handler, body or database is touched.
struct SessionTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = context.parameters.get("token"), Validation.isToken(token) else { throw APIError.unknownSession }
        return try await next(request, context)
    }
}
