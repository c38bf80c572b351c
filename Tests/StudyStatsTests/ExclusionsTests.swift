import StudyKit
import XCTest

@testable import StudyStats

final class ExclusionsTests: XCTestCase {
    func testEachRuleIsCountedOnceInOrderAndPracticeNeverCounts() {
        let rules = ExclusionRules(minCatchAccuracy: 0.75, dropFlaggedExposures: true, minResponseMs: 150, requireComplete: true)
        var trials: [AnsweredTrial] = []
        // good: 4 main (1 flagged, 1 too fast), 4 catch all right, 1 practice.
        trials.append(TestStudy.trial("good", kind: .practice, model: DesignTrial.catchFoilModel, fooled: true))
        trials.append(TestStudy.trial("good", fooled: true))
        trials.append(TestStudy.trial("good", image: "img001", fooled: false))
        trials.append(TestStudy.trial("good", image: "img002", fooled: true, flagged: true))
        trials.append(TestStudy.trial("good", image: "img003", fooled: true, responseMs: 90))
        for i in 0..<4 { trials.append(TestStudy.trial("good", kind: .catch, image: "img00\(i)", model: DesignTrial.catchFoilModel, fooled: false)) }
        // careless: 2 main, catch 1 of 4 right.
        trials.append(TestStudy.trial("careless", fooled: true))
        trials.append(TestStudy.trial("careless", image: "img001", fooled: true))
        for i in 0..<4 { trials.append(TestStudy.trial("careless", kind: .catch, model: DesignTrial.catchFoilModel, fooled: i > 0)) }
        // quitter: incomplete session, 3 main, no catch.
        for i in 0..<3 { trials.append(TestStudy.trial("quitter", image: "img00\(i)", fooled: true, complete: false)) }
        // nocatch: complete, 1 main, no catch trials: not excluded by the accuracy rule.
        trials.append(TestStudy.trial("nocatch", fooled: false))

        let outcome = Exclusions.apply(trials, rules: rules, exposureMs: 3000)
        let byRule = Dictionary(uniqueKeysWithValues: outcome.summary.rules.map { ($0.rule, $0) })
        XCTAssertEqual(byRule[.incompleteSession]?.mainTrials, 3)
        XCTAssertEqual(byRule[.incompleteSession]?.participants, 1)
        XCTAssertEqual(byRule[.lowCatchAccuracy]?.mainTrials, 2)
        XCTAssertEqual(byRule[.lowCatchAccuracy]?.participants, 1)
        XCTAssertEqual(byRule[.flaggedExposure]?.mainTrials, 1)
        XCTAssertEqual(byRule[.tooFast]?.mainTrials, 1)
        XCTAssertEqual(outcome.summary.mainTrials, 10)
        XCTAssertEqual(outcome.summary.mainTrialsKept, 3)
        XCTAssertEqual(outcome.summary.practiceTrials, 1)
        XCTAssertEqual(outcome.summary.participants, 4)
        XCTAssertEqual(outcome.summary.participantsKept, 2)
        XCTAssertEqual(Set(outcome.keptMain.map(\.participant)), ["good", "nocatch"])
        XCTAssertFalse(outcome.keptMain.contains { $0.kind != .main })
        let careless = outcome.catchAccuracy.first { $0.participant == "careless" }
        XCTAssertEqual(careless?.accuracy, 0.25)
        XCTAssertEqual(careless?.excluded, true)
        let nocatch = outcome.catchAccuracy.first { $0.participant == "nocatch" }
        XCTAssertNil(nocatch?.accuracy)
        XCTAssertEqual(nocatch?.excluded, false)
        XCTAssertNil(outcome.reasons[0], "practice is not an exclusion")
    }

    func testUndeclaredRulesRemoveNothing() {
        let rules = ExclusionRules(
            minCatchAccuracy: nil, dropFlaggedExposures: false, minResponseMs: nil, requireComplete: false,
            excludeFlags: [])
        let trials = [
            TestStudy.trial("a", fooled: true, responseMs: 10, flagged: true, complete: false),
            TestStudy.trial("a", kind: .catch, model: DesignTrial.catchFoilModel, fooled: true),
        ]
        let outcome = Exclusions.apply(trials, rules: rules, exposureMs: 3000)
        XCTAssertEqual(outcome.keptMain.count, 1)
        XCTAssertTrue(outcome.summary.rules.allSatisfy { !$0.active && $0.mainTrials == 0 })
        XCTAssertTrue(outcome.summary.rules.allSatisfy { $0.description.hasPrefix("not declared") })
    }
}
