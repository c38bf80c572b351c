import Foundation
import XCTest

final class StaticFilesTests: ServerTestCase {
    func testPublicFilesAreServed() async throws {
        let index = try await server.client.get("/")
        XCTAssertEqual(index.status, 200)
        XCTAssertTrue(index.text.contains("test app"))
        XCTAssertEqual(index.headers["content-type"], "text/html; charset=utf-8")
        let withQuery = try await server.client.get("/?PROLIFIC_PID=abc&STUDY_ID=s1&SESSION_ID=x")
        XCTAssertEqual(withQuery.status, 200)
        XCTAssertTrue(withQuery.text.contains("test app"))
        let script = try await server.client.get("/app.js")
        XCTAssertEqual(script.status, 200)
        XCTAssertEqual(script.headers["content-type"], "text/javascript; charset=utf-8")
    }

    func testStimuliAreServedImmutableByHashOnly() async throws {
        let hash = study.manifest.images[0].hr.sha256
        let reply = try await server.client.get("/stimuli/\(hash).png")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.headers["content-type"], "image/png")
        XCTAssertEqual(reply.headers["cache-control"], "public, max-age=31536000, immutable")
        XCTAssertEqual(reply.headers["etag"], "\"\(hash)\"")
        XCTAssertNil(reply.headers["last-modified"])
        XCTAssertEqual(reply.body, try Data(contentsOf: study.buildFolder.appendingPathComponent("stimuli/\(hash).png")))

        let cached = try await server.client.get("/stimuli/\(hash).png", headers: ["If-None-Match": "\"\(hash)\""])
        XCTAssertEqual(cached.status, 304)
        XCTAssertTrue(cached.body.isEmpty)
    }

    func testTraversalAndOddNamesAre404() async throws {
        let hash = study.manifest.images[0].hr.sha256
        let paths = [
            "/../outside.txt", "/%2e%2e/outside.txt", "/%2E%2E%2Foutside.txt", "/..%2foutside.txt", "/.hidden",
            "//etc/passwd", "/public/../outside.txt", "/%2fetc%2fpasswd", "/index.html%00", "/app.js/", "/nothing.html",
            "/stimuli/../manifest.json", "/stimuli/..%2fmanifest.json", "/stimuli/\(hash.uppercased()).png",
            "/stimuli/\(hash).PNG", "/stimuli/\(hash)", "/stimuli/\(hash).png.bak", "/stimuli/\(String(repeating: "f", count: 64)).png",
            "/stimuli/%2e%2e%2fmanifest.json", "/stimuli/\(hash.prefix(63)).png",
        ]
        for path in paths {
            let reply = try await server.client.get(path)
            XCTAssertEqual(reply.status, 404, "\(path) -> \(reply.status) \(reply.text)")
            XCTAssertFalse(reply.text.contains("outside"), path)
            XCTAssertFalse(reply.text.contains("secret"), path)
            XCTAssertFalse(reply.text.contains("\"design\""), path)
        }
    }
}
