import Foundation
import StudyStore
import XCTest

@testable import StudyServerCore

/// A flood of new sessions from many addresses must lock nobody out: resumes are never limited, and new
/// participants get in by solving the challenge a 429 carries.
final class AdmissionTests: XCTestCase {
    /// A new session as the browser makes it: asked once, and once more with the 429's challenge solved.
    private func admit(_ client: HTTPClient, body: [String: Any]) async throws -> (reply: HTTPClient.Reply, challenged: Bool) {
        let first = try await client.post("/api/sessions", json: body)
        guard first.status == 429 else { return (first, false) }
        let challenge = try XCTUnwrap(first.json()["challenge"] as? [String: Any], first.text)
        let issued = AdmissionChallenge.Issued(
            challenge: try XCTUnwrap(challenge["challenge"] as? String), bits: try XCTUnwrap(challenge["bits"] as? Int))
        let proof = AdmissionChallenge.solve(issued)
        let second = try await client.post(
            "/api/sessions", json: body.merging(["challenge": proof.challenge, "proof": proof.proof]) { a, _ in a })
        return (second, true)
    }

    func testAFloodFromManyAddressesLocksOutNoParticipantAndNoResume() async throws {
        let study = try TestStudy(sequencesPerTask: 4)
        defer { study.remove() }
        let server = try await RunningServer.start(study, sessionsPerClientPerMinute: 10, sessionsPerMinute: 20) {
            $0.sessionsPerNetworkPerMinute = 30
            $0.challengeBits = 8
        }
        // Participants mid-study, from their own addresses, before the flood.
        var midStudy: [(client: HTTPClient, body: [String: Any], token: String)] = []
        for number in 0..<4 {
            let client = server.client.from("127.10.\(number).7")
            let body: [String: Any] = ["pid": "mid-\(number)", "browser_key": "browser-key-mid-study-\(number)"]
            let participant = try await Participant.start(client, body: body, expectStatus: 201)
            let value1 = try await participant.answer(0).status
            XCTAssertEqual(value1, 200)
            midStudy.append((client, body, participant.token))
        }
        // The flood: every request from an address (and a /24) of its own, never solving a challenge. It stops
        // after a fixed number of requests.
        let flooders = 600
        let port = server.client.port
        let floodStatuses = try await withThrowingTaskGroup(of: [Int].self) { group in
            for lane in 0..<6 {
                group.addTask {
                    var statuses: [Int] = []
                    for number in stride(from: lane, to: flooders, by: 6) {
                        let client = HTTPClient(port: port).from("127.\(100 + number / 250).\(number % 250).9")
                        statuses.append(try await client.post("/api/sessions", json: [:]).status)
                    }
                    return statuses
                }
            }
            return try await group.reduce(into: [Int]()) { $0 += $1 }
        }
        XCTAssertEqual(floodStatuses.count, flooders)
        XCTAssertLessThanOrEqual(floodStatuses.filter { $0 == 201 }.count, 20 - 4, "the flood gets the free budget at most")
        XCTAssertEqual(Set(floodStatuses), [201, 429])

        // Every resume succeeds at once: pid + browser key + token, browser key alone, token alone.
        for (client, body, token) in midStudy {
            let reload = try await client.post("/api/sessions", json: body.merging(["resume_token": token]) { a, _ in a })
            XCTAssertEqual(reload.status, 200, reload.text)
            XCTAssertEqual(try reload.json()["session"] as? String, token)
            let value2 = try await client.post("/api/sessions", json: body).status
            XCTAssertEqual(value2, 200)
            let value3 = try await client.post("/api/sessions", json: ["resume_token": token]).status
            XCTAssertEqual(value3, 200)
        }
        // New participants still get sessions: asked to work for their place, once, and then admitted.
        for number in 0..<12 {
            let client = server.client.from("127.20.\(number).3")
            let (reply, challenged) = try await admit(client, body: ["pid": "new-\(number)", "browser_key": "browser-key-new-one-\(number)"])
            XCTAssertEqual(reply.status, 201, reply.text)
            XCTAssertTrue(challenged, "the free budget is spent: a new session is priced")
        }
        // A lab behind one address: 15 new participants get in (10 free, then priced), and every one of them
        // resumes by pid + browser key without a 429.
        let lab = server.client.from("127.30.0.1")
        for number in 0..<15 {
            let (reply, _) = try await admit(lab, body: ["pid": "lab-\(number)", "browser_key": "browser-key-lab-seat-\(number)"])
            XCTAssertEqual(reply.status, 201, reply.text)
        }
        for number in 0..<15 {
            let again = try await lab.post("/api/sessions", json: ["pid": "lab-\(number)", "browser_key": "browser-key-lab-seat-\(number)"])
            XCTAssertEqual(again.status, 200, again.text)
        }
        // A pid that exists is still not resumed without its token or browser key, and that refusal is limited.
        let stranger = try await server.client.from("127.40.0.1").post("/api/sessions", json: ["pid": "mid-0"])
        XCTAssertTrue([409, 429].contains(stranger.status), stranger.text)
        try await server.stop()
    }

    func testABrowserWithoutAnIDResumesByItsKeyWithoutALimit() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study, sessionsPerClientPerMinute: 1, sessionsPerMinute: 1) { $0.challengeBits = 0 }
        let key = "browser-key-anonymous-0001"
        let first = try await Participant.start(server.client, body: ["browser_key": key], expectStatus: 201)
        // The reply with the token was lost: the same browser asks again with its key alone, past the limit.
        for _ in 0..<3 {
            let again = try await Participant.start(server.client, body: ["browser_key": key], expectStatus: 200)
            XCTAssertEqual(again.token, first.token)
        }
        let other = try await server.client.post("/api/sessions", json: ["browser_key": "browser-key-anonymous-0002"])
        XCTAssertEqual(other.status, 429, "another browser's new session is limited")
        let bare = try await server.client.post("/api/sessions", json: [:])
        XCTAssertEqual(bare.status, 429)
        let sessionCount = try await server.server.database.sessions().count
        XCTAssertEqual(sessionCount, 1)
        try await server.stop()
    }

    func testAChallengeAdmitsOnceOnlyFromItsNetworkAndThePriceRisesWithTheFlood() async throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let limiter = SessionCreationLimiter(
            limits: .init(perClientPerMinute: 1, overallPerMinute: 100, perPrefixPerMinute: 2, challengeBits: 4, maxChallengeBits: 12))
        let decision1 = await limiter.acquire(client: "192.0.2.1", now: start)
        XCTAssertEqual(decision1, .admitted)
        guard case .priced(let wait, let issued?) = await limiter.acquire(client: "192.0.2.1", now: start) else {
            return XCTFail("the second creation within a minute is priced")
        }
        XCTAssertEqual(wait, 60)
        XCTAssertEqual(issued.bits, 4)
        let proof = AdmissionChallenge.solve(issued)
        // Solved, it admits once, and only from the network it was issued to.
        let decision2 = await limiter.acquire(client: "198.51.100.1", now: start)
        XCTAssertEqual(decision2, .admitted)
        guard case .priced = await limiter.acquire(client: "198.51.100.1", proof: proof, now: start) else {
            return XCTFail("a challenge of another network does not admit")
        }
        let decision3 = await limiter.acquire(client: "192.0.2.1", proof: proof, now: start)
        XCTAssertEqual(decision3, .admitted)
        guard case .priced = await limiter.acquire(client: "192.0.2.1", proof: proof, now: start) else {
            return XCTFail("a spent challenge does not admit again")
        }
        let wrong = AdmissionChallenge.Proof(challenge: issued.challenge, proof: "not-a-solution")
        guard case .priced = await limiter.acquire(client: "192.0.2.1", proof: wrong, now: start.addingTimeInterval(1)) else {
            return XCTFail("an unsolved challenge does not admit")
        }
        // Each paid admission from one network raises its price: one bit per doubling of the excess.
        var bits: [Int] = []
        for _ in 0..<16 {
            guard case .priced(_, let next?) = await limiter.acquire(client: "192.0.2.1", now: start) else { return XCTFail("priced") }
            bits.append(next.bits)
            let paid = await limiter.acquire(client: "192.0.2.1", proof: AdmissionChallenge.solve(next), now: start)
            XCTAssertEqual(paid, .admitted)
        }
        XCTAssertEqual(bits.first, 4)
        XCTAssertEqual(bits, bits.sorted(), "the price never falls during the flood")
        XCTAssertGreaterThanOrEqual(bits.last ?? 0, 7)
        // Another network still pays the base price; an expired challenge admits nobody.
        let decision5 = await limiter.acquire(client: "203.0.113.5", now: start)
        XCTAssertEqual(decision5, .admitted)
        guard case .priced(_, let other?) = await limiter.acquire(client: "203.0.113.5", now: start) else {
            return XCTFail("priced")
        }
        XCTAssertEqual(other.bits, 4)
        let late = start.addingTimeInterval(AdmissionChallenge.lifetime + 3)
        XCTAssertNil(limiter.challenges.verify(AdmissionChallenge.solve(other), scope: "203.0.113.0/24", now: late))
        XCTAssertNotNil(limiter.challenges.verify(AdmissionChallenge.solve(other), scope: "203.0.113.0/24", now: start))
        // The price falls back once the flood stops.
        let calm = start.addingTimeInterval(3600)
        let calmPrice = await limiter.price(prefix: NetworkPrefix.of("192.0.2.1"), now: calm)
        XCTAssertEqual(calmPrice, 4)
    }

    func testNetworkPrefixes() {
        XCTAssertEqual(NetworkPrefix.of("192.0.2.17"), "192.0.2.0/24")
        XCTAssertEqual(NetworkPrefix.of("::ffff:192.0.2.17"), "192.0.2.0/24")
        XCTAssertEqual(NetworkPrefix.of("2001:db8:abcd:12ff::1"), "20010db8abcd12::/56")
        XCTAssertEqual(NetworkPrefix.of("2001:db8:abcd:1200::1"), NetworkPrefix.of("2001:db8:abcd:12aa:ffff::9"))
        XCTAssertNotEqual(NetworkPrefix.of("2001:db8:abcd:1200::1"), NetworkPrefix.of("2001:db8:abcd:1300::1"))
        XCTAssertEqual(NetworkPrefix.of("unknown"), "unknown")
    }
}
