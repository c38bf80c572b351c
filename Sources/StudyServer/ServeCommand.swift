import ArgumentParser
import Foundation
import Logging
import StudyKit
import StudyServerCore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a built study for participants in the browser, recording every answer in SQLite.")

    @OptionGroup var inputs: StudyDataOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(name: .customLong("public"), help: "Folder of the participant app (default: ./Public, else next to the executable).")
    var publicFolder: String?

    @Option(help: "Token for the researcher endpoints (default: $STUDY_ADMIN_TOKEN, else a new one printed at start).")
    var adminToken: String?

    @Option(help: "Hand a sequence out again after its session is idle this long (default: the study's assignment.abandon_after_minutes).")
    var abandonAfterMinutes: Double?

    @Option(help: "New sessions one client address may start per minute (429 with Retry-After beyond).")
    var sessionsPerClientPerMinute = ServerSettings.defaultSessionsPerClientPerMinute

    @Option(help: "New sessions the whole server starts per minute (429 with Retry-After beyond).")
    var sessionsPerMinute = ServerSettings.defaultSessionsPerMinute

    @Option(help: "New sessions one network (/24 IPv4, /56 IPv6) may start per minute (then priced or 429, as above).")
    var sessionsPerNetworkPerMinute = ServerSettings.defaultSessionsPerNetworkPerMinute

    @Option(
        help: """
            Past a session limit, a new session is admitted at once for a proof of work of at least this many bits \
            (about 2^bits hashes in the browser, rising with the flood; 0: Retry-After only).
            """)
    var challengeBits = ServerSettings.defaultChallengeBits

    @Option(help: "Open connections in all; more are closed at once.")
    var maxConnections = ConnectionLimits.defaults.maxConnections

    @Option(help: "Open connections from one client address (not applied with --trust-forwarded-for).")
    var maxConnectionsPerClient = ConnectionLimits.defaults.maxConnectionsPerClient

    @Option(help: "Seconds a new connection has to send its first request's headers.")
    var headerTimeout = ConnectionLimits.defaults.headerTimeout

    @Option(help: "Seconds a request has to send its body after its headers.")
    var bodyTimeout = ConnectionLimits.defaults.bodyTimeout

    @Option(help: "Seconds a connection may stay open without a request after a response.")
    var idleTimeout = ConnectionLimits.defaults.idleTimeout

    @Option(help: "New sessions wait (507) while the database's disk has fewer free MiB than this; answers go on.")
    var minFreeMB = 64

    @Option(help: "Seconds between truncating checkpoints that keep the database's WAL small.")
    var checkpointSeconds = 30.0

    @Flag(help: "Behind a reverse proxy on this host: count clients by the last X-Forwarded-For address.")
    var trustForwardedFor = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535") }
        if let minutes = abandonAfterMinutes, !(minutes > 0) {
            throw ValidationError("--abandon-after-minutes must be a positive number")
        }
        guard sessionsPerClientPerMinute >= 1, sessionsPerMinute >= 1, sessionsPerNetworkPerMinute >= 1 else {
            throw ValidationError(
                "--sessions-per-client-per-minute, --sessions-per-network-per-minute and --sessions-per-minute must be at least 1")
        }
        guard (0...24).contains(challengeBits) else { throw ValidationError("--challenge-bits must be 0-24") }
        guard maxConnections >= 1, maxConnectionsPerClient >= 1 else {
            throw ValidationError("--max-connections and --max-connections-per-client must be at least 1")
        }
        guard [headerTimeout, bodyTimeout, idleTimeout].allSatisfy({ $0 > 0 && $0 <= 86_400 }) else {
            throw ValidationError("--header-timeout, --body-timeout and --idle-timeout must be 0-86400 seconds (more than 0)")
        }
        guard minFreeMB >= 0, checkpointSeconds > 0, checkpointSeconds <= 86_400 else {
            throw ValidationError("--min-free-mb must be 0 or more and --checkpoint-seconds 0-86400 (more than 0)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a level") }
    }

    func run() async throws {
        var logger = Logger(label: "studyserver")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let paths = inputs.paths
        let publicURL = try PublicFolder.locate(argument: publicFolder)
        let environmentToken = ProcessInfo.processInfo.environment["STUDY_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let token = adminToken ?? environmentToken
        var configured = ServerSettings(
            host: host, port: port, buildFolder: paths.buildFolder, databasePath: inputs.databasePath,
            publicFolder: publicURL, adminToken: token ?? SecretGenerator.adminToken(), abandonAfterMinutes: abandonAfterMinutes,
            sessionsPerClientPerMinute: sessionsPerClientPerMinute, sessionsPerMinute: sessionsPerMinute,
            trustForwardedFor: trustForwardedFor)
        configured.sessionsPerNetworkPerMinute = sessionsPerNetworkPerMinute
        configured.challengeBits = challengeBits
        configured.connections = ConnectionLimits(
            maxConnections: maxConnections, maxConnectionsPerClient: maxConnectionsPerClient, headerTimeout: headerTimeout,
            bodyTimeout: bodyTimeout, idleTimeout: idleTimeout)
        configured.minFreeBytesForNewSessions = Int64(minFreeMB) * 1024 * 1024
        configured.checkpointInterval = checkpointSeconds
        let settings = configured
        let server: StudyHTTPServer
        do {
            server = try await StudyHTTPServer(settings: settings, logger: logger)
        } catch {
            throw ServerCommandError("\(error)")
        }
        let generatedToken = token == nil ? settings.adminToken : nil
        let host = self.host
        try await server.run { port in
            let lines = ServeBanner.lines(
                manifest: server.manifest, base: "http://\(host):\(port)", databasePath: settings.databasePath,
                generatedAdminToken: generatedToken)
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
    }
}

enum PublicFolder {
    /// `--public`, else `./Public`, else a `Public` folder beside or above the executable.
    static func locate(argument: String?) throws -> URL {
        let fm = FileManager.default
        if let argument {
            let url = URL(fileURLWithPath: argument)
            guard fm.fileExists(atPath: url.appendingPathComponent("index.html").path) else {
                throw ValidationError("--public \(argument) has no index.html")
            }
            return url
        }
        var candidates = [URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("Public")]
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(folder.appendingPathComponent("Public"))
            folder = folder.deletingLastPathComponent()
        }
        guard let found = candidates.first(where: { fm.fileExists(atPath: $0.appendingPathComponent("index.html").path) }) else {
            throw ServerCommandError("no Public/index.html found in the current folder or beside the executable; pass --public <folder>")
        }
        return found
    }
}
