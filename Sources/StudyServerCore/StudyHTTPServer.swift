import Foundation
import Hummingbird
import Logging
import StudyFiles
import StudyKit
import StudyStore

/// The participant-facing HTTP server: static app, stimuli, participant API, researcher API.
public struct StudyHTTPServer: Sendable {
    public let settings: ServerSettings
    public let manifest: Manifest
    public let database: StudyDatabase
    let catalog: StudyCatalog
    let logger: Logger

    /// Loads the manifest and every stimulus, opens (or creates) the database and records the plan.
    /// Fails with a clear message if any of them is missing or does not fit the others.
    public init(settings: ServerSettings, logger: Logger) async throws {
        self.settings = settings
        self.logger = logger
        manifest = try Manifest.load(buildFolder: settings.buildFolder)
        catalog = try StudyCatalog(manifest: manifest, buildFolder: settings.buildFolder)
        database = try StudyDatabase(path: settings.databasePath)
        try await database.recordPlan(manifest: manifest)
    }

    public var abandonAfter: TimeInterval {
        (settings.abandonAfterMinutes ?? manifest.definition.assignment.abandonAfterMinutes) * 60
    }

    /// The router with every route, in order: security headers, HEAD and a request log without secrets,
    /// then JSON errors, public files, stimuli and the API.
    func makeRouter() -> Router<StudyRequestContext> {
        // HEAD is answered wherever GET is (without the body; ResponseHeadersMiddleware).
        let router = Router(context: StudyRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: ResponseHeadersMiddleware())
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: PublicFilesMiddleware(files: StaticFiles(publicFolder: settings.publicFolder)))
        router.get("/healthz") { _, _ in JSONBody.response(["ok": true]) }
        StimulusAPI(catalog: catalog, database: database, lookahead: settings.stimulusLookahead, now: settings.now)
            .addRoutes(to: router)
        let definition = manifest.definition
        let minimumDelay = definition.exclusions.minimumAnswerDelayMs(exposureMs: definition.exposureMs) / 1000
        ParticipantAPI(
            catalog: catalog, database: database,
            answers: AnswerBatcher(database: database, minimumDelay: minimumDelay),
            limiter: SessionCreationLimiter(
                limits: .init(
                    perClientPerMinute: settings.sessionsPerClientPerMinute,
                    overallPerMinute: settings.sessionsPerMinute, perPrefixPerMinute: settings.sessionsPerNetworkPerMinute,
                    challengeBits: settings.challengeBits)),
            trustForwardedFor: settings.trustForwardedFor, abandonAfter: abandonAfter,
            minFreeBytesForNewSessions: settings.minFreeBytesForNewSessions, now: settings.now
        )
        .addRoutes(to: router)
        AdminAPI(
            manifest: manifest, database: database, adminToken: settings.adminToken,
            abandonAfter: abandonAfter, now: settings.now
        )
        .addRoutes(to: router)
        return router
    }

    /// The Hummingbird application; `onRunning` receives the bound port once the server listens.
    public func makeApplication(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let counter = ConnectionCounter(limits: settings.connections, perClient: !settings.trustForwardedFor)
        return Application(
            router: makeRouter(),
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionGuard(counter: counter)])),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            services: [StorageMaintenance(database: database, interval: settings.checkpointInterval, logger: logger)],
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Runs until SIGINT or SIGTERM, then finishes in-flight requests and returns.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(onRunning: onRunning).runService()
    }
}
