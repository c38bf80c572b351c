import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// How many connections the server holds and how long a connection may take over each part of a request.
/// A slow or idle client (slowloris, a pile of idle sockets) is closed instead of holding a socket for ever.
public struct ConnectionLimits: Sendable, Equatable {
    /// Open connections in all; more are closed at once.
    public var maxConnections: Int
    /// Open connections from one client address; more are closed at once. Not applied with
    /// `trustForwardedFor` (every connection then comes from the proxy).
    public var maxConnectionsPerClient: Int
    /// Seconds from a connection's opening until its first request head has arrived in full.
    public var headerTimeout: TimeInterval
    /// Seconds from a request's head until its body has arrived in full.
    public var bodyTimeout: TimeInterval
    /// Seconds a connection may wait for its next request after a response (the next head included).
    public var idleTimeout: TimeInterval

    public static let defaults = ConnectionLimits(
        maxConnections: 1000, maxConnectionsPerClient: 64, headerTimeout: 10, bodyTimeout: 30, idleTimeout: 60)

    public init(maxConnections: Int, maxConnectionsPerClient: Int, headerTimeout: TimeInterval, bodyTimeout: TimeInterval, idleTimeout: TimeInterval)
    {
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
    }
}

/// The open connections of one server, in all and per client address.
final class ConnectionCounter: @unchecked Sendable {
    let limits: ConnectionLimits
    let perClient: Bool
    private let lock = NSLock()
    private var total = 0
    private var byClient: [String: Int] = [:]

    init(limits: ConnectionLimits, perClient: Bool) {
        self.limits = limits
        self.perClient = perClient
    }

    /// Counts a new connection from `client`; false (and nothing counted) when it is over a cap.
    func open(_ client: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let own = byClient[client, default: 0]
        guard total < limits.maxConnections, !perClient || own < limits.maxConnectionsPerClient else { return false }
        total += 1
        byClient[client] = own + 1
        return true
    }

    func close(_ client: String) {
        lock.lock()
        defer { lock.unlock() }
        total -= 1
        let own = byClient[client, default: 1] - 1
        byClient[client] = own > 0 ? own : nil
    }

    var openConnections: Int {
        lock.lock()
        defer { lock.unlock() }
        return total
    }
}

/// One per connection, after HTTP decoding: applies `ConnectionLimits` (the caps when the connection
/// becomes active, the deadlines on each request's head and body and between requests).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let counter: ConnectionCounter
    private var client: String?
    private var deadline: Scheduled<Void>?
    /// Requests read whose response has not been written yet, and whether a request is being read.
    private var inFlight = 0
    private var reading = false

    init(counter: ConnectionCounter) { self.counter = counter }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if client == nil { admit(context) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            reading = true
            inFlight += 1
            arm(context, seconds: counter.limits.bodyTimeout)
        case .body: break
        case .end:
            reading = false
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inFlight = max(0, inFlight - 1)
            if inFlight == 0, !reading { arm(context, seconds: counter.limits.idleTimeout) }
        }
        context.write(data, promise: promise)
    }

    private func admit(_ context: ChannelHandlerContext) {
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard client == nil else { return }
        guard counter.open(address) else {
            context.close(promise: nil)
            return
        }
        client = address
        arm(context, seconds: counter.limits.headerTimeout)
    }

    private func release() {
        disarm()
        if let client {
            counter.close(client)
            self.client = nil
        }
    }

    private func arm(_ context: ChannelHandlerContext, seconds: TimeInterval) {
        disarm()
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
            context.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
