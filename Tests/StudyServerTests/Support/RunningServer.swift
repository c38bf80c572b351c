import Foundation
import Logging
import StudyServerCore
import StudyStore
import XCTest

/// A clock tests can move forward.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_800_000_000)

    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }
    func advance(minutes: Double) {
        lock.lock()
        current += minutes * 60
        lock.unlock()
    }
}

enum StartError: Error { case noPort }

/// The real server, listening on 127.0.0.1 at a free port, with a real SQLite file.
final class RunningServer: @unchecked Sendable {
    static let adminToken = "test-admin-token-0123456789"

    let server: StudyHTTPServer
    let client: HTTPClient
    private let task: Task<Void, any Error>

    private init(server: StudyHTTPServer, port: Int, task: Task<Void, any Error>) {
        self.server = server
        self.client = HTTPClient(port: port)
        self.task = task
    }

    /// Session creation is limited far above what the tests need unless they pass their own limits.
    static func start(
        _ study: TestStudy, clock: TestClock = TestClock(), abandonAfterMinutes: Double? = nil,
        sessionsPerClientPerMinute: Double = 100_000, sessionsPerMinute: Double = 100_000,
        trustForwardedFor: Bool = false, log: CapturedLog? = nil, configure: (inout ServerSettings) -> Void = { _ in }
    ) async throws -> RunningServer {
        var logger = Logger(label: "studyserver-test")
        logger.logLevel = .critical  // cancelling the test server logs an error about its child channels
        if let log { logger = Logger(label: "studyserver-test") { _ in CapturingLogHandler(log: log) } }
        var settings = ServerSettings(
            host: "127.0.0.1", port: 0, buildFolder: study.buildFolder, databasePath: study.databasePath,
            publicFolder: study.publicFolder, adminToken: adminToken, abandonAfterMinutes: abandonAfterMinutes,
            sessionsPerClientPerMinute: sessionsPerClientPerMinute, sessionsPerMinute: sessionsPerMinute,
            trustForwardedFor: trustForwardedFor, now: { clock.now })
        configure(&settings)
        let server = try await StudyHTTPServer(settings: settings, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = server.makeApplication { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task = Task { try await application.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw StartError.noPort
        }
        return RunningServer(server: server, port: port, task: task)
    }

    /// Stops listening, lets in-flight requests finish, and closes the database file.
    func stop() async throws {
        task.cancel()
        _ = await task.result
        try server.database.close()
    }
}

/// The recorded session for `token`, failing the test if there is none.
func unwrapSession(_ database: StudyDatabase, _ token: String, file: StaticString = #filePath, line: UInt = #line) async throws -> SessionSnapshot {
    let snapshot = try await database.session(token: token)
    return try XCTUnwrap(snapshot, file: file, line: line)
}
