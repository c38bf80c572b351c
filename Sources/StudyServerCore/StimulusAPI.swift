import Foundation
import Hummingbird
import StudyKit
import StudyStore

/// `GET /stimuli/{stimulus key}/{trial}-{slot}.png`: one image of one trial of one session. Every serve is
/// recorded with the server's clock, so the server knows when each trial's images reached the browser
/// (and whether they were fetched again). A trial's images are served only while it is open: not yet
/// answered and among the next `lookahead` + 1 unanswered trials.
struct StimulusAPI: Sendable {
    let catalog: StudyCatalog
    let database: StudyDatabase
    let lookahead: Int
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/stimuli/:key/:file") { request, context in
            try await self.serve(
                key: try context.parameters.require("key"), file: try context.parameters.require("file"), path: request.uri.path)
        }
    }

    /// Serves the stimulus only at its one canonical URL (`StudyCatalog.url`): the router also matches
    /// `//`, a trailing `/` and `00-left.png`, which would be aliases of it.
    func serve(key: String, file: String, path: String) async throws -> Response {
        guard Validation.isToken(key), let (index, slot) = Self.parse(file), path == StudyCatalog.url(key: key, index: index, slot: slot)
        else { throw APIError.notFound("no such stimulus") }
        let catalog = self.catalog
        let outcome = try await database.serveStimulus(
            stimulusKey: key, trialIndex: index, slot: slot.rawValue, now: now(), lookahead: lookahead,
            exists: { sequence in catalog.stimulus(sequence: sequence, index: index, slot: slot) != nil })
        guard case .serve(let session) = outcome,
            let bytes = catalog.stimulus(sequence: session.sequence, index: index, slot: slot)
        else {
            throw APIError.notFound("no such stimulus")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "image/png", .cacheControl: "no-store, private", .contentLength: String(bytes.readableBytes)],
            body: ResponseBody(byteBuffer: bytes))
    }

    /// `<index>-<slot>.png` with a decimal index of at most 6 digits.
    static func parse(_ file: String) -> (Int, StudyCatalog.Slot)? {
        guard file.hasSuffix(".png") else { return nil }
        let stem = file.dropLast(4)
        let parts = stem.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, (1...6).contains(parts[0].utf8.count),
            parts[0].utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let index = Int(parts[0]), let slot = StudyCatalog.Slot(rawValue: String(parts[1]))
        else { return nil }
        return (index, slot)
    }
}
