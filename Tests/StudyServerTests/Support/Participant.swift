import Foundation
import XCTest

/// Drives the participant API the way the browser does.
struct Participant {
    let client: HTTPClient
    let token: String
    let payload: [String: Any]

    static func start(_ client: HTTPClient, body: [String: Any] = [:], expectStatus: Int? = nil,
                      file: StaticString = #filePath, line: UInt = #line) async throws -> Participant {
        let reply = try await client.post("/api/sessions", json: body, headers: ["User-Agent": "TestBrowser/1.0"])
        if let expectStatus { XCTAssertEqual(reply.status, expectStatus, reply.text, file: file, line: line) }
        XCTAssertTrue([200, 201].contains(reply.status), reply.text, file: file, line: line)
        let payload = try reply.json()
        let token = try XCTUnwrap(payload["session"] as? String, file: file, line: line)
        return Participant(client: client, token: token, payload: payload)
    }

    var trials: [[String: Any]] { payload["trials"] as? [[String: Any]] ?? [] }

    func answer(_ index: Int, key: String? = nil, choice: String = "left", exposureMs: Double = 3001,
                visibilityLost: Bool = false, focusLost: Bool = false) async throws -> HTTPClient.Reply {
        try await client.post("/api/sessions/\(token)/answers", json: TestStudy.answer(
            index: index, key: key ?? "k-\(token.prefix(12))-\(index)", choice: choice, exposureMs: exposureMs,
            visibilityLost: visibilityLost, focusLost: focusLost))
    }

    func answerAll() async throws {
        for index in 0..<trials.count {
            let reply = try await answer(index)
            XCTAssertEqual(reply.status, 200, reply.text)
        }
    }

    func complete() async throws -> HTTPClient.Reply { try await client.post("/api/sessions/\(token)/complete") }
}
