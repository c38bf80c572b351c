import Foundation
import XCTest

/// Drives the participant API the way the browser does.
struct Participant {
    let client: HTTPClient
    let token: String
    let payload: [String: Any]

    static func start(
        _ client: HTTPClient, body: [String: Any] = [:], headers: [String: String] = [:], expectStatus: Int? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws -> Participant {
        let reply = try await client.post(
            "/api/sessions", json: body,
            headers: headers.merging(["User-Agent": "TestBrowser/1.0"]) { a, _ in a })
        if let expectStatus { XCTAssertEqual(reply.status, expectStatus, reply.text, file: file, line: line) }
        XCTAssertTrue([200, 201].contains(reply.status), reply.text, file: file, line: line)
        let payload = try reply.json()
        let token = try XCTUnwrap(payload["session"] as? String, file: file, line: line)
        return Participant(client: client, token: token, payload: payload)
    }

    var trials: [[String: Any]] { payload["trials"] as? [[String: Any]] ?? [] }

    /// The image URLs of trial `index` in display order.
    func imageURLs(_ index: Int) -> [String] {
        guard trials.indices.contains(index) else { return [] }
        let trial = trials[index]
        return ["left", "input", "right"].compactMap { trial[$0] as? String }
    }

    /// Fetches trial `index`'s images as the browser does before showing it; `clock` then moves past the
    /// exposure so the answer arrives when a person's would.
    @discardableResult
    func show(_ index: Int, clock: TestClock? = nil, file: StaticString = #filePath, line: UInt = #line) async throws -> [HTTPClient.Reply] {
        var replies: [HTTPClient.Reply] = []
        for url in imageURLs(index) {
            let reply = try await client.get(url)
            XCTAssertEqual(reply.status, 200, "\(url): \(reply.text)", file: file, line: line)
            replies.append(reply)
        }
        clock?.advance(minutes: 4.0 / 60)
        return replies
    }

    func answer(
        _ index: Int, key: String? = nil, choice: String = "left", exposureMs: Double = 3001,
        visibilityLost: Bool = false, focusLost: Bool = false
    ) async throws -> HTTPClient.Reply {
        try await client.post(
            "/api/sessions/\(token)/answers",
            json: TestStudy.answer(
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
