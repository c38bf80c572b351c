import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 client over a plain socket, so tests can send paths exactly as written
/// (URL libraries normalise `..` away) and see every header the server sends.
struct HTTPClient: Sendable {
    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var raw: String

        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw ClientError.notJSONObject(text)
            }
            return object
        }
    }

    enum ClientError: Error {
        case connect(Int32)
        case malformed(String)
        case notJSONObject(String)
    }

    let port: Int
    /// The loopback address the client connects from (any of 127.0.0.0/8), or the kernel's choice.
    var source: String? = nil

    /// The same client connecting from `address` (a 127.x.y.z address: the server sees another peer).
    func from(_ address: String) -> HTTPClient { HTTPClient(port: port, source: address) }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send("GET", path, headers: headers)
    }

    func post(_ path: String, json: Any? = nil, headers: [String: String] = [:]) async throws -> Reply {
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        return try await send("POST", path, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: body)
    }

    func send(_ method: String, _ path: String, headers: [String: String] = [:], body: Data = Data()) async throws -> Reply {
        let port = self.port
        let source = self.source
        return try await Task.detached {
            try Self.exchange(port: port, source: source, method: method, path: path, headers: headers, body: body)
        }.value
    }

    /// Sends `request` exactly as given (request line, headers and body) and reads the reply until the server
    /// closes the connection.
    func sendRaw(_ request: String) async throws -> Reply {
        let port = self.port
        let source = self.source
        return try await Task.detached {
            let fd = try Self.connectedSocket(port: port, source: source)
            defer { close(fd) }
            return try Self.parse(Self.transfer(fd, Data(request.utf8)))
        }.value
    }

    /// A socket connected to the server on loopback, from `source` when given; the caller closes it.
    static func connectedSocket(port: Int, source: String? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError.connect(errno) }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                close(fd)
                throw ClientError.connect(errno)
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw ClientError.connect(errno)
        }
        return fd
    }

    private static func exchange(port: Int, source: String?, method: String, path: String, headers: [String: String], body: Data) throws -> Reply {
        let fd = try connectedSocket(port: port, source: source)
        defer { close(fd) }

        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if method != "GET" || !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return try parse(transfer(fd, Data(head.utf8) + body))
    }

    /// Writes `request` to `fd` and reads until the server closes the connection.
    private static func transfer(_ fd: Int32, _ request: Data) throws -> Data {
        var sent = 0
        request.withUnsafeBytes { buffer in
            while sent < buffer.count {
                let n = Glibc.send(fd, buffer.baseAddress.map { $0 + sent }, buffer.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }  // the server may close early (e.g. on an oversized body); read its reply
                sent += n
            }
        }
        var received = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            received.append(contentsOf: chunk[0..<n])
        }
        return received
    }

    private static func parse(_ data: Data) throws -> Reply {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else {
            throw ClientError.malformed(String(decoding: data, as: UTF8.self))
        }
        let head = String(decoding: data[data.startIndex..<split.lowerBound], as: UTF8.self)
        var body = Data(data[split.upperBound...])
        let lines = head.components(separatedBy: "\r\n")
        guard let statusLine = lines.first, statusLine.split(separator: " ").count >= 2,
            let status = Int(statusLine.split(separator: " ")[1])
        else { throw ClientError.malformed(head) }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = try dechunk(body) }
        return Reply(status: status, headers: headers, body: body, raw: head + "\r\n\r\n" + String(decoding: body, as: UTF8.self))
    }

    private static func dechunk(_ data: Data) throws -> Data {
        var output = Data()
        var rest = data[...]
        while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: rest[rest.startIndex..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else { throw ClientError.malformed(sizeText) }
            if size == 0 { break }
            let start = lineEnd.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size + 2 else { throw ClientError.malformed("short chunk") }
            let end = rest.index(start, offsetBy: size)
            output.append(rest[start..<end])
            rest = rest[rest.index(end, offsetBy: 2)...]
        }
        return output
    }
}
