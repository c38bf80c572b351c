import Foundation

/// Everything `studyserver serve` decides before the server starts.
public struct ServerSettings: Sendable {
    public var host: String
    /// 0 picks a free port (tests).
    public var port: Int
    /// The study's build folder (holding manifest.json and stimuli/).
    public var buildFolder: URL
    public var databasePath: String
    public var publicFolder: URL
    /// Researcher endpoints need `Authorization: Bearer <adminToken>`.
    public var adminToken: String
    /// Overrides the study's `assignment.abandon_after_minutes`.
    public var abandonAfterMinutes: Double?
    /// New sessions one client address may start per minute (burst of the same size).
    public var sessionsPerClientPerMinute: Double
    /// New sessions the whole server starts per minute (burst of the same size).
    public var sessionsPerMinute: Double
    /// New sessions one network (/24 for IPv4, /56 for IPv6) may start per minute (burst of the same size).
    public var sessionsPerNetworkPerMinute = ServerSettings.defaultSessionsPerNetworkPerMinute
    /// Past a limit, a new session costs a proof-of-work challenge of at least this many leading zero bits
    /// (about 2^bits SHA-256 hashes in the browser; the price rises with the flood); 0: refused with
    /// Retry-After only.
    public var challengeBits = ServerSettings.defaultChallengeBits
    /// New sessions are refused (507, `storage_low`) while the database's disk has less free than this;
    /// answers go on until the disk is actually full.
    public var minFreeBytesForNewSessions: Int64 = 64 * 1024 * 1024
    /// Seconds between truncating checkpoints of the WAL (`StorageMaintenance`).
    public var checkpointInterval: TimeInterval = 30
    /// Connection caps and timeouts (`ConnectionGuard`).
    public var connections = ConnectionLimits.defaults
    /// Take the client address from X-Forwarded-For (only behind a reverse proxy that sets it).
    public var trustForwardedFor: Bool
    /// Trials past the first unanswered one whose images may already be fetched.
    public var stimulusLookahead: Int
    /// The clock; tests move it to make sessions go stale.
    public var now: @Sendable () -> Date

    public static let defaultSessionsPerClientPerMinute = 10.0
    public static let defaultSessionsPerMinute = 300.0
    public static let defaultSessionsPerNetworkPerMinute = 60.0
    public static let defaultChallengeBits = 14

    public init(
        host: String = "127.0.0.1", port: Int = 8080, buildFolder: URL, databasePath: String,
        publicFolder: URL, adminToken: String, abandonAfterMinutes: Double? = nil,
        sessionsPerClientPerMinute: Double = ServerSettings.defaultSessionsPerClientPerMinute,
        sessionsPerMinute: Double = ServerSettings.defaultSessionsPerMinute,
        trustForwardedFor: Bool = false, stimulusLookahead: Int = 2,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.host = host
        self.port = port
        self.buildFolder = buildFolder
        self.databasePath = databasePath
        self.publicFolder = publicFolder
        self.adminToken = adminToken
        self.abandonAfterMinutes = abandonAfterMinutes
        self.sessionsPerClientPerMinute = sessionsPerClientPerMinute
        self.sessionsPerMinute = sessionsPerMinute
        self.trustForwardedFor = trustForwardedFor
        self.stimulusLookahead = stimulusLookahead
        self.now = now
    }
}

/// Unpredictable values: session tokens, generated participant ids and completion codes.
/// These use the system's secure generator on purpose (a seeded one would make tokens guessable);
/// no design or analysis decision depends on them.
public enum SecretGenerator {
    static func hex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
        }.joined()
    }

    public static func token() -> String { hex(bytes: 16) }

    /// A researcher token for a server started without one.
    public static func adminToken() -> String { hex(bytes: 12) }

    static func participantID() -> String { "anon-" + hex(bytes: 8) }

    /// 8 characters without look-alikes (no 0/O, 1/I/L).
    static func completionCode() -> String {
        let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
