import Foundation

/// Bounds how fast sessions can be created: a token bucket per client address and one for the whole
/// server, each refilled at its rate per minute with a burst of the same size. A refused creation learns
/// how many seconds to wait (Retry-After).
actor SessionCreationLimiter {
    struct Limits: Sendable, Equatable {
        var perClientPerMinute: Double
        var overallPerMinute: Double
    }

    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    let limits: Limits
    private var clients: [String: Bucket] = [:]
    private var overall: Bucket?
    /// Client buckets kept at most; full ones are forgotten first.
    private let maxClients = 100_000

    init(limits: Limits) { self.limits = limits }

    /// Takes one creation for `client` at `now`; nil when allowed, else the seconds to wait.
    func acquire(client: String, now: Date) -> Int? {
        var global = refill(overall, rate: limits.overallPerMinute, now: now)
        var own = refill(clients[client], rate: limits.perClientPerMinute, now: now)
        guard global.tokens >= 1, own.tokens >= 1 else {
            let wait = max(wait(global, rate: limits.overallPerMinute), wait(own, rate: limits.perClientPerMinute))
            overall = global
            clients[client] = own
            return max(1, Int(wait.rounded(.up)))
        }
        global.tokens -= 1
        own.tokens -= 1
        overall = global
        if clients.count >= maxClients { forgetFullBuckets(now: now) }
        clients[client] = own
        return nil
    }

    private func refill(_ bucket: Bucket?, rate perMinute: Double, now: Date) -> Bucket {
        guard let bucket else { return Bucket(tokens: perMinute, updated: now) }
        let elapsed = max(0, now.timeIntervalSince(bucket.updated))
        return Bucket(tokens: min(perMinute, bucket.tokens + elapsed * perMinute / 60), updated: now)
    }

    private func wait(_ bucket: Bucket, rate perMinute: Double) -> Double {
        bucket.tokens >= 1 ? 0 : (1 - bucket.tokens) * 60 / perMinute
    }

    private func forgetFullBuckets(now: Date) {
        let rate = limits.perClientPerMinute
        clients = clients.filter { refill($0.value, rate: rate, now: now).tokens < rate }
        if clients.count >= maxClients { clients.removeAll() }
    }
}
