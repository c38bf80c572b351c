import Foundation
import Hummingbird
import StudyKit
import StudyStats
import StudyStore

/// Researcher endpoints, behind `Authorization: Bearer <admin token>`.
struct AdminAPI: Sendable {
    let manifest: Manifest
    let database: StudyDatabase
    let adminToken: String
    let abandonAfter: TimeInterval
    let now: @Sendable () -> Date

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let admin = router.group("/api/admin").add(middleware: AdminAuthorizationMiddleware<Context>(adminToken: adminToken))
        admin.get("progress") { _, _ in
            JSONBody.response(try await self.database.progress(manifest: self.manifest, now: self.now(), abandonAfter: self.abandonAfter))
        }
        let live = AdminLiveAPI(manifest: manifest, database: database, abandonAfter: abandonAfter, now: now)
        admin.get("live") { _, _ in
            JSONBody.response(try await live.snapshot())
        }
        admin.get("export") { request, _ in
            let format = request.uri.queryParameters["format"].map(String.init) ?? "jsonl"
            guard let export = ExportFormat(rawValue: format) else {
                throw APIError(.badRequest, "format must be jsonl or csv")
            }
            let trials = try await self.database.answeredTrials(manifest: self.manifest)
            let text = try export.render(trials, manifest: self.manifest)
            return Response(
                status: .ok,
                headers: [
                    .contentType: export.contentType, .cacheControl: "no-store",
                    .contentDisposition: "attachment; filename=\"\(self.manifest.definition.name)-answers.\(format)\"",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }

}

/// Lets a request through to the researcher routes only with `Authorization: Bearer <admin token>`.
struct AdminAuthorizationMiddleware<Context: RequestContext>: RouterMiddleware {
    let adminToken: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            SecretComparison.equal(String(header.dropFirst("Bearer ".count)), adminToken)
        else {
            throw APIError(.unauthorized, "researcher endpoint: send 'Authorization: Bearer <admin token>' (printed by `studyserver serve` at start)")
        }
        return try await next(request, context)
    }
}

/// The export formats; rows and columns are StudyStats' `TrialExport`, the same as `studyserver export`.
enum ExportFormat: String, Sendable {
    case jsonl, csv

    var contentType: String { self == .jsonl ? "application/x-ndjson; charset=utf-8" : "text/csv; charset=utf-8" }

    func render(_ trials: [AnsweredTrial], manifest: Manifest) throws -> String {
        let rows = TrialExport.rows(trials: trials, manifest: manifest)
        switch self {
        case .jsonl: return try TrialExport.jsonLines(rows)
        case .csv: return TrialExport.csv(rows)
        }
    }
}
