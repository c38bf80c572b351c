import Foundation
import XCTest

/// HTTP details a careful client (or a careless attacker) meets: HEAD, headers, chunked bodies, duplicate
/// JSON keys and stimulus URL aliases.
final class ProtocolDetailsTests: XCTestCase {
    func testHeadIsAnsweredWhereverGetIsWithTheSameHeadersAndNoBody() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let participant = try await Participant.start(server.client)
        let admin = ["Authorization": "Bearer \(RunningServer.adminToken)"]
        let stimulus = try XCTUnwrap(participant.imageURLs(0).first)
        for (path, headers) in [
            ("/healthz", [:]), ("/api/sessions/\(participant.token)", [:]), (stimulus, [:]),
            ("/api/admin/progress", admin), ("/api/admin/live", admin), ("/", [:]), ("/app.js", [:]),
        ] as [(String, [String: String])] {
            let head = try await server.client.send("HEAD", path, headers: headers)
            let get = try await server.client.get(path, headers: headers)
            XCTAssertEqual(head.status, 200, "HEAD \(path): \(head.text)")
            XCTAssertEqual(get.status, 200, "GET \(path)")
            XCTAssertTrue(head.body.isEmpty, path)
            XCTAssertEqual(head.headers["content-type"], get.headers["content-type"], path)
            if let length = head.headers["content-length"] { XCTAssertEqual(length, String(get.body.count), path) }
        }
        let unauthorised = try await server.client.send("HEAD", "/api/admin/progress")
        XCTAssertEqual(unauthorised.status, 401)
        let value7 = try await server.client.send("HEAD", "/no/such/path").status
        XCTAssertEqual(value7, 404)
        try await server.stop()
    }

    func testSecurityHeadersAreOnEveryResponse() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let participant = try await Participant.start(server.client)
        let replies = [
            try await server.client.get("/"), try await server.client.get("/app.js"), try await server.client.get("/healthz"),
            try await server.client.get(try XCTUnwrap(participant.imageURLs(0).first)),
            try await server.client.get("/api/sessions/\(participant.token)"), try await server.client.get("/api/admin/progress"),
            try await server.client.get("/nothing-here"), try await server.client.post("/api/sessions", json: ["pid": ""]),
            try await server.client.send("DELETE", "/healthz"),
        ]
        for reply in replies {
            XCTAssertEqual(reply.headers["x-content-type-options"], "nosniff", reply.raw)
            XCTAssertEqual(reply.headers["referrer-policy"], "no-referrer", reply.raw)
            XCTAssertEqual(reply.headers["x-frame-options"], "DENY", reply.raw)
            XCTAssertTrue(reply.headers["content-security-policy"]?.contains("default-src 'self'") == true, reply.raw)
        }
        try await server.stop()
    }

    func testABadChunkSizeLineIs400NotA500() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        for chunked in ["zz\r\n{}\r\n0\r\n\r\n", "2;\u{01}\r\n{}\r\n0\r\n\r\n", "-2\r\n{}\r\n0\r\n\r\n", "ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n"] {
            let reply = try await server.client.sendRaw(
                "POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                    + "Connection: close\r\n\r\n" + chunked)
            XCTAssertEqual(reply.status, 400, "\(chunked.debugDescription): \(reply.raw)")
        }
        let good = try await server.client.sendRaw(
            "POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
        XCTAssertEqual(good.status, 201, good.raw)
        let value8 = try await server.server.database.sessions().count
        XCTAssertEqual(value8, 1)
        try await server.stop()
    }

    func testDuplicateJSONKeysAreRefusedWith400() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let participant = try await Participant.start(server.client)
        try await participant.show(0)
        let answer =
            #"{"key":"k-dup-000001","index":0,"choice":"left","choice":"right","response_ms":640,"exposure_ms":3001,"#
            + #""frames":180,"visibility_lost":false,"focus_lost":false,"window_w":1440,"window_h":900,"dpr":2,"rendered_px":512}"#
        let bodies: [(String, String)] = [
            ("/api/sessions/\(participant.token)/answers", answer),
            ("/api/sessions/\(participant.token)/answers", answer.replacingOccurrences(of: #""choice":"right""#, with: #""\u0063hoice":"right""#)),
            ("/api/sessions/\(participant.token)/events", #"{"kind":"blur","detail":{"a":1,"a":2}}"#),
            ("/api/sessions", #"{"pid":"one","pid":"two"}"#),
        ]
        for (path, body) in bodies {
            let reply = try await server.client.send("POST", path, headers: ["Content-Type": "application/json"], body: Data(body.utf8))
            XCTAssertEqual(reply.status, 400, "\(body): \(reply.text)")
            XCTAssertTrue(reply.text.contains("twice"), reply.text)
        }
        // The same key in two different objects, or as a value, is fine.
        let nested = #"{"kind":"blur","detail":{"kind":"x","inner":{"kind":"y"},"list":[{"a":1},{"a":2}]}}"#
        let ok = try await server.client.send(
            "POST", "/api/sessions/\(participant.token)/events", headers: ["Content-Type": "application/json"], body: Data(nested.utf8))
        XCTAssertEqual(ok.status, 204, ok.text)
        let value9 = try await server.server.database.answerCount()
        XCTAssertEqual(value9, 0)
        let value10 = try await server.server.database.sessions().count
        XCTAssertEqual(value10, 1)
        try await server.stop()
    }

    func testEachStimulusHasOneURL() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let participant = try await Participant.start(server.client)
        let url = try XCTUnwrap(participant.imageURLs(0).first)
        XCTAssertTrue(url.hasSuffix("/0-left.png"), url)
        let key = url.split(separator: "/")[1]
        for alias in [
            "/stimuli/\(key)/00-left.png", "/stimuli/\(key)//0-left.png", "/stimuli/\(key)/0-left.png/", "//stimuli/\(key)/0-left.png",
            "/stimuli//\(key)/0-left.png", "/stimuli/\(key)/000-left.png", "/stimuli/\(key)/+0-left.png",
        ] {
            let reply = try await server.client.get(alias)
            XCTAssertEqual(reply.status, 404, alias)
        }
        let value11 = try await server.client.get(url).status
        XCTAssertEqual(value11, 200)
        try await server.stop()
    }
}
