import StudyKit
import XCTest

/// The texts participants read state the session's real length and no anonymity the study does not have.
final class SessionTextFactsTests: XCTestCase {
    func testExpectedMinutesFollowTheDesign() {
        // The default study: 3 practice + 16 main + 2 catch trials of 0.5 s fixation + 3 s exposure.
        XCTAssertEqual(SessionTextFacts.expectedMinutes(trials: 21, fixationMs: 500, exposureMs: 3000), 4)
        XCTAssertEqual(SessionTextFacts.expectedMinutes(trials: 0, fixationMs: 500, exposureMs: 3000), 2)
        XCTAssertEqual(SessionTextFacts.expectedMinutes(trials: 100, fixationMs: 500, exposureMs: 12000), 26)
        XCTAssertEqual(SessionTextFacts.fill("about {minutes} minutes, {minutes} at most", minutes: 4), "about 4 minutes, 4 at most")
    }

    func testContradictionsAreNamed() {
        let stale = StudyTexts(consent: "It takes about 10 minutes. Your answers are recorded anonymously.")
        let found = SessionTextFacts.contradictions(in: stale, expectedMinutes: 4)
        XCTAssertEqual(found.count, 2, "\(found)")
        XCTAssertTrue(found.contains { $0.contains("anonymous") && $0.contains("pseudonymous") })
        XCTAssertTrue(found.contains { $0.contains("states 10 minutes") && $0.contains("{minutes}") })
        XCTAssertEqual(SessionTextFacts.contradictions(in: StudyTexts(consent: "About 5 minutes."), expectedMinutes: 4), [])
        XCTAssertEqual(SessionTextFacts.contradictions(in: StudyTexts(), expectedMinutes: 4), [], "the default texts are true")
        XCTAssertEqual(SessionTextFacts.contradictions(in: StudyTexts(consent: "a 2-min study"), expectedMinutes: 4).count, 1)
    }
}
