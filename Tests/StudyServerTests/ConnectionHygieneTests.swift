import Foundation
import StudyServerCore
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Slow and idle clients cannot hold the server's sockets: header, body and idle deadlines close them, and
/// connections are capped in all and per client address.
final class ConnectionHygieneTests: XCTestCase {
    static let limits = ConnectionLimits(maxConnections: 40, maxConnectionsPerClient: 8, headerTimeout: 0.5, bodyTimeout: 0.5, idleTimeout: 0.5)

    func testSlowHeadersSlowBodiesAndIdleConnectionsAreClosed() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study) { $0.connections = Self.limits }
        let port = server.client.port
        try await Task.detached { try RawSockets.slowClients(port: port) }.value
        // A normal request on the same server still works, and so does keep-alive within the idle time.
        let reply = try await server.client.get("/healthz")
        XCTAssertEqual(reply.status, 200)
        try await server.stop()
    }

    func testConnectionsAreCappedPerClientAndInAll() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        var limits = Self.limits
        limits.headerTimeout = 30
        limits.idleTimeout = 30
        let server = try await RunningServer.start(study) { $0.connections = limits }
        let port = server.client.port
        try await Task.detached { try RawSockets.idleClients(port: port) }.value
        // Once the idle sockets are gone, requests are served again.
        try await Task.sleep(nanoseconds: 300_000_000)
        let reply = try await server.client.from("127.60.0.1").get("/healthz")
        XCTAssertEqual(reply.status, 200)
        try await server.stop()
    }
}

/// Blocking socket clients, run off the test's task.
enum RawSockets {
    /// Whether the server has closed `fd` (a read returns 0 or fails) within `seconds`.
    static func closedByServer(_ fd: Int32, within seconds: Double) -> Bool {
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte = [UInt8](repeating: 0, count: 4096)
        let started = Date()
        while Date().timeIntervalSince(started) < seconds {
            let n = recv(fd, &byte, byte.count, 0)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
        return false
    }

    static func write(_ fd: Int32, _ text: String) {
        _ = text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    /// A slowloris head, a body that never ends and a silent connection: each is closed by its deadline.
    static func slowClients(port: Int) throws {
        // Slowloris: a request head that never ends, one header line at a time.
        let slow = try HTTPClient.connectedSocket(port: port)
        defer { close(slow) }
        Self.write(slow, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
        for _ in 0..<3 {
            usleep(100_000)
            Self.write(slow, "X-Slow: 1\r\n")
        }
        XCTAssertTrue(Self.closedByServer(slow, within: 3), "a head that does not end is cut off")
        // A body that never arrives in full.
        let body = try HTTPClient.connectedSocket(port: port)
        defer { close(body) }
        Self.write(body, "POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        XCTAssertTrue(Self.closedByServer(body, within: 3), "a body that does not end is cut off")
        // A connection that never sends anything, and one idle after its response (read, then closed).
        let silent = try HTTPClient.connectedSocket(port: port)
        defer { close(silent) }
        XCTAssertTrue(Self.closedByServer(silent, within: 3), "a silent connection is closed")
        let idle = try HTTPClient.connectedSocket(port: port)
        defer { close(idle) }
        Self.write(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(Self.closedByServer(idle, within: 3), "a keep-alive connection idle after its response is closed")
    }

    /// Idle sockets from one address and from many: the caps close the ones over them at once.
    static func idleClients(port: Int) throws {
        // One address opens 12 idle sockets: the first 8 are held, the rest closed at once.
        var held: [Int32] = []
        defer { for fd in held { close(fd) } }
        for _ in 0..<12 { held.append(try HTTPClient.connectedSocket(port: port, source: "127.60.0.1")) }
        usleep(200_000)
        let closed = held.filter { Self.closedByServer($0, within: 0.3) }.count
        XCTAssertEqual(closed, 4, "the per-client cap is 8")
        // Many addresses: at most 40 connections in all.
        for number in 0..<40 { held.append(try HTTPClient.connectedSocket(port: port, source: "127.61.\(number).1")) }
        usleep(200_000)
        let open = held.filter { !Self.closedByServer($0, within: 0.05) }.count
        XCTAssertEqual(open, 40, "the total cap is 40")
    }
}
