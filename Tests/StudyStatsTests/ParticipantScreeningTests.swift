import StudyKit
import XCTest

@testable import StudyStats

final class ParticipantScreeningTests: XCTestCase {
    /// One answer of `participant`, served at `served` and received at `received` (seconds), with flags.
    func answer(
        _ participant: String, _ index: Int, choice: Side = .left, served: Double?, received: Double,
        flags: [String] = [], kind: TrialKind = .main, fooled: Bool? = nil
    ) -> AnsweredTrial {
        let modelSide: Side = index % 2 == 0 ? .left : .right
        let picked = fooled.map { $0 ? modelSide : modelSide.other } ?? choice
        return AnsweredTrial(
            participant: participant, session: participant + "-s", sequence: "task1-000", task: "task1",
            trialIndex: index, kind: kind, image: "img\(index)", model: kind == .catch ? DesignTrial.catchFoilModel : "m1",
            modelSide: modelSide, choice: picked, responseMs: 700, flagged: !flags.isEmpty, flags: flags,
            servedAt: served, receivedAt: received)
    }

    func testAPersonAtAPersonsPaceRaisesNothing() {
        let trials = (0..<12).map {
            answer(
                "person", $0, choice: $0 % 3 == 0 ? .right : .left,
                served: Double($0) * 4, received: Double($0) * 4 + 3.6)
        }
        let screens = ParticipantScreening.screen(trials, rules: ExclusionRules(), exposureMs: 3000)
        XCTAssertEqual(screens.map(\.participant), ["person"])
        XCTAssertEqual(screens[0].reasons, [])
        XCTAssertFalse(screens[0].excluded)
    }

    func testEachFlagIsRaisedWithItsReasonAndTheRulesDecideExclusion() {
        var trials: [AnsweredTrial] = []
        // bot: all left, answered 10 ms after serving, two never served.
        for i in 0..<12 {
            let unseen = i >= 10
            trials.append(
                answer(
                    "bot", i, served: unseen ? nil : Double(i) * 0.02, received: Double(i) * 0.02 + 0.01,
                    flags: unseen ? ["unseen"] : ["early_answer"]))
        }
        // restless: human pace, but four trials with focus lost and one served again.
        for i in 0..<6 {
            var flags: [String] = i < 4 ? ["focus_lost"] : []
            if i == 5 { flags.append("served_again") }
            trials.append(
                answer(
                    "restless", i, choice: i % 2 == 0 ? .left : .right, served: Double(i) * 4,
                    received: Double(i) * 4 + 3.5, flags: flags))
        }
        let rules = ExclusionRules()
        let screens = Dictionary(
            uniqueKeysWithValues: ParticipantScreening.screen(trials, rules: rules, exposureMs: 3000)
                .map { ($0.participant, $0) })
        guard let bot = screens["bot"], let restless = screens["restless"] else { return XCTFail("both screened") }
        XCTAssertEqual(bot.flags, [.earlyAnswers, .unseenAnswers, .tooFastSession, .oneSided])
        XCTAssertTrue(bot.excluded)
        XCTAssertTrue(bot.reasons[0].detail.contains("10 of 12"), bot.reasons[0].detail)
        XCTAssertTrue(bot.reasons[3].detail.contains("12 of 12 answers on the left"), bot.reasons[3].detail)
        XCTAssertEqual(restless.flags, [.focusLost, .interrupted])
        XCTAssertFalse(restless.excluded, "reported, not excluded by the default rules")

        let strict = ExclusionRules(excludeFlags: [.focusLost])
        let outcome = Exclusions.apply(trials, rules: strict, exposureMs: 3000)
        XCTAssertEqual(outcome.keptMain.map(\.participant).filter { $0 == "restless" }, [])
        let byRule = Dictionary(uniqueKeysWithValues: outcome.summary.rules.map { ($0.rule, $0) })
        XCTAssertEqual(byRule[.flaggedParticipant]?.participants, 1)
        XCTAssertEqual(byRule[.flaggedParticipant]?.description, "participants flagged focus_lost")
    }

    func testDefaultRulesExcludeTheBotsAndCountEveryFlaggedParticipant() {
        var trials: [AnsweredTrial] = []
        for i in 0..<12 { trials.append(answer("bot", i, served: 0, received: 0.01, flags: ["early_answer"])) }
        for i in 0..<12 {
            trials.append(
                answer(
                    "person", i, choice: i % 2 == 0 ? .left : .right, served: Double(i) * 4,
                    received: Double(i) * 4 + 3.5))
        }
        let outcome = Exclusions.apply(trials, rules: ExclusionRules(dropFlaggedExposures: false), exposureMs: 3000)
        XCTAssertEqual(Set(outcome.keptMain.map(\.participant)), ["person"])
        XCTAssertEqual(outcome.participants.filter { !$0.reasons.isEmpty }.map(\.participant), ["bot"])
        XCTAssertEqual(outcome.summary.rules.first { $0.rule == .flaggedParticipant }?.mainTrials, 12)
    }

    func testExclusionRiskStatesWhatEachRuleCostsHonestPeople() throws {
        // The example: 2 catch trials and a 75% minimum exclude about 1 in 10 attentive people.
        let risk = ExclusionRisk(rules: ExclusionRules(), catchTrials: 2, answeredTrials: 18)
        let catchRule = try XCTUnwrap(risk.rules.first { $0.rule.hasPrefix("min_catch_accuracy") })
        XCTAssertEqual(catchRule.probability ?? 0, 1 - 0.95 * 0.95, accuracy: 1e-12)
        XCTAssertTrue(catchRule.warning)
        let oneSided = try XCTUnwrap(risk.rules.first { $0.rule.hasPrefix("one_sided") })
        // P(at least 17 of 18 on one side) = 2 * (18 + 1) / 2^18.
        XCTAssertEqual(oneSided.probability ?? 0, 2 * 19 / 262_144, accuracy: 1e-12)
        XCTAssertFalse(oneSided.warning)
        XCTAssertTrue(risk.hasWarning)
        XCTAssertTrue(risk.describe().joined(separator: "\n").contains("WARNING"))

        let many = ExclusionRisk(rules: ExclusionRules(), catchTrials: 10, answeredTrials: 60)
        XCTAssertEqual(many.rules[0].probability ?? 1, 0.0115, accuracy: 1e-4, "fewer than 8 of 10 right at 95%")
        XCTAssertFalse(many.hasWarning)
        let none = ExclusionRisk(rules: ExclusionRules(), catchTrials: 0, answeredTrials: 10)
        XCTAssertTrue(none.rules[0].warning, "a catch rule without catch trials checks nothing")
    }
}
