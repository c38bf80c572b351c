import Foundation
import StudyKit
import StudyStore
import XCTest

@testable import StudyServerCore

/// Stimuli reveal nothing but their pixels, and the server times what it serves.
final class StimulusServingTests: XCTestCase {
    func testURLsAreOwnedBySessionsAndEveryStimulusHasOneLength() async throws {
        let study = try TestStudy(sequencesPerTask: 3)
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        var urls: [String] = []
        var lengths: Set<Int> = []
        var layouts: Set<[String]> = []
        let files = try FileManager.default.contentsOfDirectory(
            at: study.buildFolder.appendingPathComponent("stimuli"), includingPropertiesForKeys: nil
        ).map { try Data(contentsOf: $0) }
        let builtPixels = Set(files.compactMap(StoredPNG.scanlines))
        XCTAssertEqual(builtPixels.count, files.count, "the fixture's stimuli all differ in their pixels")
        for number in 0..<4 {
            let participant = try await Participant.start(server.client, body: ["pid": "s\(number)"])
            for index in 0..<participant.trials.count {
                urls += participant.imageURLs(index)
                for reply in try await participant.show(index) {
                    XCTAssertEqual(reply.headers["content-type"], "image/png")
                    XCTAssertEqual(reply.headers["cache-control"], "no-store, private")
                    XCTAssertNil(reply.headers["etag"])
                    XCTAssertNil(reply.headers["last-modified"])
                    XCTAssertEqual(reply.headers["x-content-type-options"], "nosniff")
                    XCTAssertEqual(Array(reply.body.prefix(8)), TestPNG.signature)
                    let served = try XCTUnwrap(StoredPNG.scanlines(reply.body), "served as stored deflate blocks")
                    XCTAssertTrue(builtPixels.contains(served), "the pixels are the built stimulus's")
                    XCTAssertEqual(StoredPNG.chunks(reply.body).map(\.0), ["IHDR", "IDAT", "IEND"], "no ancillary chunk")
                    lengths.insert(reply.body.count)
                    layouts.insert(StoredPNG.layout(reply.body))
                }
                _ = try await participant.answer(index)
            }
        }
        XCTAssertEqual(lengths.count, 1, "catch foils, inputs, outputs and truths of one size have one length")
        XCTAssertEqual(layouts, [["IHDR(13)", "IDAT(15)", "IEND(0)", "block 1 4"]], "and one layout: only the pixels differ")
        XCTAssertEqual(Set(urls).count, urls.count, "no URL is shared between sessions or trials")
        for url in urls {
            for name in study.manifest.images.flatMap({ [$0.hr.sha256, $0.lr.sha256, $0.catchFoil.sha256] }) {
                XCTAssertFalse(url.contains(name.prefix(16)))
            }
        }
        try await server.stop()
    }

    func testTheServerRefusesAStudyWhoseSidesDifferInSize() throws {
        let study = try TestStudy()
        defer { study.remove() }
        let output = try XCTUnwrap(study.manifest.outputs.first).stimulus
        try Data(TestPNG.bytes(extra: 0, width: 2)).write(to: study.buildFolder.appendingPathComponent(output.file))
        XCTAssertThrowsError(try StudyCatalog(manifest: study.manifest, buildFolder: study.buildFolder)) { error in
            XCTAssertTrue("\(error)".contains("1x1, 2x1"), "\(error)")
        }
        try Data("not a png".utf8).write(to: study.buildFolder.appendingPathComponent(output.file))
        XCTAssertThrowsError(try StudyCatalog(manifest: study.manifest, buildFolder: study.buildFolder)) { error in
            XCTAssertTrue("\(error)".contains("is not a readable RGB PNG"), "\(error)")
        }
    }

    func testOnlyOpenTrialsAreServedAndTheServerTimesEachAnswer() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let clock = TestClock()
        let server = try await RunningServer.start(study, clock: clock)
        let participant = try await Participant.start(server.client, body: ["pid": "timed"])
        let database = server.server.database

        // Trials 0-2 are open (the first unanswered plus a lookahead of two); trial 3 is not yet.
        let ahead = try await server.client.get(participant.imageURLs(3)[0])
        XCTAssertEqual(ahead.status, 404)

        // Trial 0: shown, and answered after a person's exposure: no server flag.
        try await participant.show(0, clock: clock)
        _ = try await participant.answer(0)
        // Trial 0 is answered: its images are never served again.
        let again = try await server.client.get(participant.imageURLs(0)[0])
        XCTAssertEqual(again.status, 404)
        // Trial 1: answered the moment its images were served.
        try await participant.show(1)
        _ = try await participant.answer(1)
        // Trial 2: never fetched.
        _ = try await participant.answer(2)
        // Trial 3: fetched twice (a reload), then answered in time.
        try await participant.show(3)
        try await participant.show(3, clock: clock)
        _ = try await participant.answer(3)

        let answers = try await database.answers(session: participant.token)
        XCTAssertEqual(answers.map(\.flags.names), [[], ["early_answer"], ["unseen"], ["served_again"]])
        XCTAssertNotNil(answers[0].servedAt)
        XCTAssertNil(answers[2].servedAt)
        let serves = try await database.stimulusServes(session: participant.token)
        XCTAssertEqual(Set(serves.filter { $0.trialIndex == 3 }.map(\.serves)), [2])

        // Once complete, nothing of the session is served.
        for index in 4..<participant.trials.count {
            try await participant.show(index, clock: clock)
            _ = try await participant.answer(index)
        }
        let completed = try await participant.complete()
        XCTAssertEqual(completed.status, 200)
        let afterwards = try await server.client.get(participant.imageURLs(5)[0])
        XCTAssertEqual(afterwards.status, 404)

        // The session's participant flags are stored at completion: 5 counted answers took 12 s of the
        // server's clock (from trial 1's serve to the last answer), less than 5 x (3000 + 150) ms.
        let flags = try await database.sessionFlags(token: participant.token).map(\.flag)
        XCTAssertEqual(Set(flags), ["early_answers", "unseen_answers", "interrupted", "too_fast_session"])
        try await server.stop()
    }
}
