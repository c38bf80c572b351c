import Foundation
import StudyKit

/// Admits new sessions so that a flood cannot starve real participants.
///
/// A creation is free while three token buckets have a token: the client address's, its network prefix's
/// (`NetworkPrefix`: /24 for IPv4, /56 for IPv6) and the whole server's, each refilled at its rate per
/// minute with a burst of the same size. Past any of them the creation is not refused but priced: the
/// answer (429, Retry-After) carries a proof-of-work challenge (`AdmissionChallenge`), and a request that
/// brings it back solved is admitted at once. The price rises with the prefix's and the server's recent
/// paid admissions (one bit, a doubling of the work, per doubling of the excess), so a flood from many
/// addresses pays for every session it makes while a participant from a quiet network pays the base price
/// (about a second in a browser). Resumes never come here (`ParticipantAPI`).
actor SessionCreationLimiter {
    struct Limits: Sendable, Equatable {
        var perClientPerMinute: Double
        var overallPerMinute: Double
        var perPrefixPerMinute: Double
        /// Leading zero bits of the cheapest challenge; 0 turns challenges off (refusal with Retry-After only).
        var challengeBits: Int
        /// The most bits a challenge ever asks for.
        var maxChallengeBits: Int

        init(
            perClientPerMinute: Double, overallPerMinute: Double, perPrefixPerMinute: Double = .infinity,
            challengeBits: Int = 0, maxChallengeBits: Int = AdmissionChallenge.maxBits
        ) {
            self.perClientPerMinute = perClientPerMinute
            self.overallPerMinute = overallPerMinute
            self.perPrefixPerMinute = perPrefixPerMinute
            self.challengeBits = challengeBits
            self.maxChallengeBits = max(challengeBits, maxChallengeBits)
        }
    }

    /// What a creation request gets.
    enum Decision: Sendable, Equatable {
        case admitted
        /// Wait `retryAfter` seconds, or solve `challenge` (nil with challenges off) and ask again now.
        case priced(retryAfter: Int, challenge: AdmissionChallenge.Issued?)
    }

    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    let limits: Limits
    nonisolated let challenges: AdmissionChallenge
    private var clients: [String: Bucket] = [:]
    private var prefixes: [String: Bucket] = [:]
    private var overall: Bucket?
    /// Paid admissions, decaying at the free rate: the excess that raises the price (per prefix and overall).
    private var prefixDebt: [String: Bucket] = [:]
    private var overallDebt: Bucket?
    /// Solved challenges, until they expire: each admits once.
    private var spent: [String: Date] = [:]
    private var lastPruned = Date.distantPast
    /// Buckets kept at most per table; full ones are forgotten first.
    private let maxClients = 100_000

    init(limits: Limits, secret: [UInt8] = Array(SecretGenerator.hex(bytes: 32).utf8)) {
        self.limits = limits
        self.challenges = AdmissionChallenge(secret: secret)
    }

    /// Decides one creation for `client` at `now`; `proof` is a solved challenge the request brought back.
    func acquire(client: String, proof: AdmissionChallenge.Proof? = nil, now: Date) -> Decision {
        let prefix = NetworkPrefix.of(client)
        var global = refill(overall, rate: limits.overallPerMinute, now: now)
        var own = refill(clients[client], rate: limits.perClientPerMinute, now: now)
        var network = refill(prefixes[prefix], rate: limits.perPrefixPerMinute, now: now)
        defer {
            overall = global
            if clients.count >= maxClients { clients = forgetFull(clients, rate: limits.perClientPerMinute, now: now) }
            if prefixes.count >= maxClients { prefixes = forgetFull(prefixes, rate: limits.perPrefixPerMinute, now: now) }
            clients[client] = own
            prefixes[prefix] = network
        }
        if global.tokens >= 1, own.tokens >= 1, network.tokens >= 1 {
            global.tokens -= 1
            own.tokens -= 1
            network.tokens -= 1
            return .admitted
        }
        if limits.challengeBits > 0, let proof, redeem(proof, prefix: prefix, now: now) {
            addDebt(prefix: prefix, now: now)
            return .admitted
        }
        let wait =
            [
                wait(global, rate: limits.overallPerMinute), wait(own, rate: limits.perClientPerMinute),
                wait(network, rate: limits.perPrefixPerMinute),
            ].max() ?? 0
        let challenge = limits.challengeBits > 0 ? challenges.issue(bits: price(prefix: prefix, now: now), scope: prefix, now: now) : nil
        return .priced(retryAfter: max(1, Int(wait.rounded(.up))), challenge: challenge)
    }

    /// Leading zero bits a challenge for `prefix` asks for now.
    func price(prefix: String, now: Date) -> Int {
        func doublings(_ debt: Bucket?, rate: Double) -> Int {
            guard rate.isFinite, let debt = decay(debt, rate: rate, now: now)?.tokens, debt >= rate else { return 0 }
            return Int(log2(debt / rate).rounded(.down)) + 1
        }
        let bits =
            limits.challengeBits + doublings(prefixDebt[prefix], rate: limits.perPrefixPerMinute)
            + doublings(overallDebt, rate: limits.overallPerMinute)
        return min(bits, limits.maxChallengeBits)
    }

    private func redeem(_ proof: AdmissionChallenge.Proof, prefix: String, now: Date) -> Bool {
        // Expired ones go every so often, not on every request (a flood may have spent many).
        if now.timeIntervalSince(lastPruned) > 10 || now < lastPruned {
            spent = spent.filter { $0.value > now }
            lastPruned = now
        }
        guard spent[proof.challenge] == nil, let expiry = challenges.verify(proof, scope: prefix, now: now) else { return false }
        spent[proof.challenge] = expiry
        return true
    }

    private func addDebt(prefix: String, now: Date) {
        var network = decay(prefixDebt[prefix], rate: limits.perPrefixPerMinute, now: now) ?? Bucket(tokens: 0, updated: now)
        network.tokens += 1
        if prefixDebt.count >= maxClients {
            prefixDebt = prefixDebt.filter { (decay($0.value, rate: limits.perPrefixPerMinute, now: now)?.tokens ?? 0) > 0 }
        }
        prefixDebt[prefix] = network
        var global = decay(overallDebt, rate: limits.overallPerMinute, now: now) ?? Bucket(tokens: 0, updated: now)
        global.tokens += 1
        overallDebt = global
    }

    private func decay(_ debt: Bucket?, rate perMinute: Double, now: Date) -> Bucket? {
        guard let debt else { return nil }
        let elapsed = max(0, now.timeIntervalSince(debt.updated))
        let left = perMinute.isFinite ? max(0, debt.tokens - elapsed * perMinute / 60) : 0
        return Bucket(tokens: left, updated: now)
    }

    private func refill(_ bucket: Bucket?, rate perMinute: Double, now: Date) -> Bucket {
        guard perMinute.isFinite else { return Bucket(tokens: .infinity, updated: now) }
        guard let bucket else { return Bucket(tokens: perMinute, updated: now) }
        let elapsed = max(0, now.timeIntervalSince(bucket.updated))
        return Bucket(tokens: min(perMinute, bucket.tokens + elapsed * perMinute / 60), updated: now)
    }

    private func wait(_ bucket: Bucket, rate perMinute: Double) -> Double {
        bucket.tokens >= 1 ? 0 : (1 - bucket.tokens) * 60 / perMinute
    }

    private func forgetFull(_ table: [String: Bucket], rate: Double, now: Date) -> [String: Bucket] {
        let kept = table.filter { refill($0.value, rate: rate, now: now).tokens < rate }
        return kept.count >= maxClients ? [:] : kept
    }
}

/// The network a client address belongs to, for fair shares: its /24 (IPv4) or /56 (IPv6, a typical
/// customer allocation); anything else (a forwarded name, "unknown") is its own network.
enum NetworkPrefix {
    static func of(_ address: String) -> String {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            let bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return "\(bytes[0]).\(bytes[1]).\(bytes[2]).0/24"
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
                return "\(bytes[12]).\(bytes[13]).\(bytes[14]).0/24"  // an IPv4-mapped address
            }
            return bytes[0..<7].map { String(format: "%02x", $0) }.joined() + "::/56"
        }
        return address
    }
}

/// A stateless proof-of-work challenge: `v1.<expiry>.<bits>.<nonce>.<mac>`, the MAC (HMAC-SHA-256 under the
/// server's secret, which never leaves memory) binding expiry, bits and the network it was issued to. It is
/// solved by a `proof` string such that SHA-256(`<challenge>:<proof>`) starts with `bits` zero bits; the
/// browser does that with Web Crypto (Public/js/admission.js), about 2^bits hashes.
struct AdmissionChallenge: Sendable {
    /// About 2^20 hashes: tens of seconds in a slow browser. No challenge asks for more by default.
    static let maxBits = 20
    /// How long an issued challenge may be brought back solved.
    static let lifetime: TimeInterval = 300

    struct Issued: Sendable, Equatable, Encodable {
        var challenge: String
        var bits: Int
    }

    struct Proof: Sendable, Equatable {
        var challenge: String
        var proof: String
    }

    let secret: [UInt8]

    func issue(bits: Int, scope: String, now: Date) -> Issued {
        let expiry = Int(now.addingTimeInterval(Self.lifetime).timeIntervalSince1970.rounded(.up))
        let body = "v1.\(expiry).\(bits).\(SecretGenerator.hex(bytes: 12))"
        return Issued(challenge: body + "." + mac(body, scope: scope), bits: bits)
    }

    /// The challenge's expiry when `proof` solves a challenge this server issued to `scope` that has not
    /// expired; nil otherwise.
    func verify(_ proof: Proof, scope: String, now: Date) -> Date? {
        let parts = proof.challenge.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "v1", let expiry = Int(parts[1]), let bits = Int(parts[2]), (1...64).contains(bits),
            proof.proof.utf8.count <= 64
        else { return nil }
        let body = parts[0..<4].joined(separator: ".")
        guard SecretComparison.equal(String(parts[4]), mac(body, scope: scope)) else { return nil }
        let expires = Date(timeIntervalSince1970: TimeInterval(expiry))
        guard expires > now, Self.leadingZeroBits(ContentHash.sha256(Data("\(proof.challenge):\(proof.proof)".utf8))) >= bits
        else { return nil }
        return expires
    }

    /// A proof for `challenge` by counting up from 0 (tests; the browser does the same).
    static func solve(_ issued: Issued) -> Proof {
        var counter = 0
        while leadingZeroBits(ContentHash.sha256(Data("\(issued.challenge):\(counter)".utf8))) < issued.bits { counter += 1 }
        return Proof(challenge: issued.challenge, proof: String(counter))
    }

    static func leadingZeroBits(_ digest: [UInt8]) -> Int {
        var bits = 0
        for byte in digest {
            if byte == 0 {
                bits += 8
                continue
            }
            return bits + byte.leadingZeroBitCount
        }
        return bits
    }

    private func mac(_ body: String, scope: String) -> String {
        ContentHash.hex(Self.hmac(key: secret, message: Array("\(body)|\(scope)".utf8)))
    }

    /// HMAC-SHA-256 (RFC 2104).
    static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? ContentHash.sha256(Data(key)) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = ContentHash.sha256(Data(block.map { $0 ^ 0x36 } + message))
        return ContentHash.sha256(Data(block.map { $0 ^ 0x5C } + inner))
    }
}
