import Foundation
import StudyKit
import XCTest

/// Nothing a participant's browser receives may say which image is the model's, which model it is,
/// or whether a trial is a catch trial.
final class PayloadPrivacyTests: XCTestCase {
    static let allowedTrialKeys: Set<String> = ["index", "practice", "left", "right", "input"]
    static let allowedSessionKeys: Set<String> = [
        "session", "participant", "resumed", "study", "task", "texts", "exposure_ms", "exposure_tolerance_ms",
        "fixation_ms", "display", "trials", "answered", "next_index", "completed", "declined", "completion_code", "redirect_url",
    ]

    func testNoPayloadNamesModelsTruthOrTrialKinds() async throws {
        let study = try TestStudy(sequencesPerTask: 3)
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        var seenSequences: Set<String> = []
        var everything: [String] = []
        for number in 0..<6 {
            let participant = try await Participant.start(server.client, body: ["pid": "p\(number)"])
            let session = try await unwrapSession(server.server.database, participant.token)
            seenSequences.insert(session.session.sequence)
            let design = try XCTUnwrap(study.manifest.design.sequence(session.session.sequence))
            XCTAssertEqual(Set(participant.payload.keys), Self.allowedSessionKeys)
            let consent = try XCTUnwrap((participant.payload["texts"] as? [String: Any])?["consent"] as? String)
            XCTAssertFalse(consent.contains("{minutes}"), "the session's length is filled in: \(consent)")
            XCTAssertNotNil(consent.range(of: "about \\d+ minutes", options: .regularExpression), consent)

            for (index, trial) in participant.trials.enumerated() {
                let designTrial = design.trials[index]
                var keys = Self.allowedTrialKeys
                if designTrial.kind == .practice {
                    keys.insert("correct")
                    XCTAssertEqual(trial["correct"] as? String, designTrial.modelSide.other.rawValue)
                }
                XCTAssertEqual(Set(trial.keys), keys, "catch and main trials have the same shape")
                XCTAssertEqual(trial["practice"] as? Bool, designTrial.kind == .practice)
                for side in ["left", "right"] {
                    let url = try XCTUnwrap(trial[side] as? String)
                    XCTAssertNotNil(url.range(of: "^/stimuli/[0-9a-f]{32}/\\d+-(left|right)\\.png$", options: .regularExpression), url)
                }
                // The images of a trial are served while it is open, as the browser fetches them.
                for reply in try await participant.show(index) {
                    everything.append(reply.raw.components(separatedBy: "\r\n\r\n")[0])
                }
                _ = try await participant.answer(index)
            }
            let answer = try await participant.answer(0)
            let resumed = try await server.client.get("/api/sessions/\(participant.token)")
            everything += [participant.payload.description, answer.raw, resumed.raw]
        }
        XCTAssertEqual(seenSequences.count, 6)
        let index = try await server.client.get("/")
        everything.append(index.raw.components(separatedBy: "\r\n\r\n")[0])

        // "image" itself is fine (the consent text talks about image quality); image ids are not.
        var forbidden = ["model", "model_side", "truth", "hr", "catch", "foil", "main", "sequence", "task1", "task2", "fooled"]
        forbidden += TestStudy.modelIDs + TestStudy.imageIDs + study.manifest.models.map(\.label)
        let text = everything.joined(separator: "\n")
        for word in forbidden {
            let pattern = "(?i)(^|[^a-z0-9])\(NSRegularExpression.escapedPattern(for: word))($|[^a-z0-9])"
            XCTAssertNil(text.range(of: pattern, options: .regularExpression), "'\(word)' appears in what participants receive")
        }
        try await server.stop()
    }

    func testTheTruthIsOnEitherSideAndCatchTrialsUseStimuliLikeMainTrials() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let hrBytes = Set(
            try study.manifest.images.compactMap {
                StoredPNG.scanlines(try Data(contentsOf: study.buildFolder.appendingPathComponent($0.hr.file)))
            })
        var truthSides: Set<String> = []
        for number in 0..<6 {
            let participant = try await Participant.start(server.client, body: ["pid": "q\(number)"])
            for (index, trial) in participant.trials.enumerated() {
                let images = try await participant.show(index)
                _ = try await participant.answer(index)
                guard (trial["practice"] as? Bool) == false else { continue }
                let urls = participant.imageURLs(index)
                let left = try XCTUnwrap(StoredPNG.scanlines(images[0].body))
                let right = try XCTUnwrap(StoredPNG.scanlines(images[urls.count - 1].body))
                XCTAssertTrue(hrBytes.contains(left) != hrBytes.contains(right), "exactly one side is the ground truth")
                truthSides.insert(hrBytes.contains(left) ? "left" : "right")
            }
        }
        XCTAssertEqual(truthSides, ["left", "right"])
        try await server.stop()
    }
}
