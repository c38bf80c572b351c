import StudyKit
import XCTest

@testable import StudyStats

/// The report splits fool rates by the screen they were given on and says when they differ.
final class ScreenClassesTests: XCTestCase {
    private func trials(_ n: Int, fooled: Int, dpr: Double, renderedPx: Double, participant: String) -> [AnsweredTrial] {
        (0..<n).map { i in
            var t = TestStudy.trial(participant, image: SyntheticStudy.imageID(i % 10), fooled: i < fooled, index: i)
            t.screen = AnswerScreen(windowW: 1280, windowH: 800, dpr: dpr, renderedPx: renderedPx)
            return t
        }
    }

    func testRatesPerScreenAndATestOfWhetherTheyDiffer() {
        let laptop = trials(200, fooled: 100, dpr: 1, renderedPx: 256, participant: "a")
        let retina = trials(200, fooled: 40, dpr: 2, renderedPx: 512, participant: "b")
        let (rates, tests) = ScreenClasses.compare(laptop + retina, level: 0.95)
        XCTAssertEqual(rates.map(\.screen), ["DPR 1, 256 CSS px", "DPR 2, 256 CSS px"])
        XCTAssertEqual(rates.map(\.foolRate), [0.5, 0.2])
        XCTAssertEqual(tests.count, 1)
        XCTAssertTrue(tests[0].differ)
        XCTAssertTrue(tests[0].sentence.hasPrefix("rates differ between screens"), tests[0].sentence)

        let same = trials(200, fooled: 100, dpr: 1.5, renderedPx: 384, participant: "c")
        let (_, sameTests) = ScreenClasses.compare(laptop + same, level: 0.95)
        XCTAssertEqual(sameTests.first?.differ, false)
        XCTAssertEqual(sameTests.first?.pValue ?? 0, 1, accuracy: 0.01)

        var unknown = TestStudy.trial("d", fooled: true)
        unknown.screen = nil
        XCTAssertEqual(ScreenClasses.compare([unknown], level: 0.95).rates.map(\.screen), ["unknown screen"])
    }

    func testChiSquareTailMatchesTables() {
        // Critical values at 5%: 3.841 (1 df), 5.991 (2 df), 11.070 (5 df); at 1%: 9.210 (2 df).
        XCTAssertEqual(ScreenClasses.chiSquareSurvival(3.841, degreesOfFreedom: 1), 0.05, accuracy: 0.006)
        XCTAssertEqual(ScreenClasses.chiSquareSurvival(5.991, degreesOfFreedom: 2), 0.05, accuracy: 0.003)
        XCTAssertEqual(ScreenClasses.chiSquareSurvival(11.070, degreesOfFreedom: 5), 0.05, accuracy: 0.002)
        XCTAssertEqual(ScreenClasses.chiSquareSurvival(9.210, degreesOfFreedom: 2), 0.01, accuracy: 0.002)
    }
}
