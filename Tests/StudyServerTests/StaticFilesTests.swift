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

    func testTraversalAndOddNamesAre404() async throws {
        let hash = study.manifest.images[0].hr.sha256
        let paths = [
            "/../outside.txt", "/%2e%2e/outside.txt", "/%2E%2E%2Foutside.txt", "/..%2foutside.txt", "/.hidden",
            "//etc/passwd", "/public/../outside.txt", "/%2fetc%2fpasswd", "/index.html%00", "/app.js/", "/nothing.html",
            "/stimuli/../manifest.json", "/stimuli/..%2fmanifest.json", "/stimuli/\(hash.uppercased()).png",
            "/stimuli/\(hash).PNG", "/stimuli/\(hash)", "/stimuli/\(hash).png.bak", "/stimuli/\(String(repeating: "f", count: 64)).png",
            "/stimuli/%2e%2e%2fmanifest.json", "/stimuli/\(hash.prefix(63)).png", "/stimuli/\(hash).png",
            "/stimuli/\(hash.prefix(32))/0-left.png", "/stimuli/\(String(repeating: "a", count: 32))/0-left.png",
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
