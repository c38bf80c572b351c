import StudyKit
import XCTest

@testable import StudyStats

/// The fool-rate screening: a simulated honest crowd (participant and image variance, the crossed
/// simulation's logit model) keeps nearly everyone; forged choices are flagged and then do not move the
/// reported fool rate.
final class ChoiceScreeningTests: XCTestCase {
    /// A crowd in the paper's shape: 2 tasks, 4 models, each participant 16 images once per model (64 main trials).
    func crowd(participants: Int = 40, sdParticipant: Double = 0.5, sdImage: Double = 1.0) -> SyntheticStudy {
        SyntheticStudy(
            participantsPerTask: participants, images: 100, imagesPerParticipant: 16, sdParticipant: sdParticipant,
            sdImage: sdImage, catchTrials: 8)
    }

    /// `participant`'s main trials as a copy of `template`'s, answered by `choose(trial) -> fooled`.
    func forged(_ participant: String, from template: [AnsweredTrial], fooled: (AnsweredTrial) -> Bool) -> [AnsweredTrial] {
        template.map { t in
            var copy = t
            copy.participant = participant
            copy.session = participant + "-s"
            if t.kind == .main {
                copy.choice = fooled(t) ? t.modelSide : t.modelSide.other
            } else {
                copy.choice = t.modelSide.other  // catch and practice trials right, as a careful script would
            }
            return copy
        }
    }

    func testASimulatedHonestCrowdLosesAlmostNobody() {
        var tested = 0
        var flagged = 0
        for (sdParticipant, sdImage) in [(0.5, 1.0), (1.0, 1.0), (0.3, 0.5), (0.5, 0.5)] {
            for seed in UInt64(1)...10 {
                let trials = crowd(sdParticipant: sdParticipant, sdImage: sdImage).trials(seed: seed)
                let results = ChoiceScreening.screen(trials, q: ExclusionRules.defaultFoolRateFDR)
                tested += results.count
                flagged += results.filter { $0.flag != nil }.count
            }
        }
        XCTAssertEqual(tested, 4 * 10 * 80)
        // At most 5% by the issue; about q / participants (0.06%) in theory; 1 of 3,200 measured.
        XCTAssertLessThanOrEqual(Double(flagged) / Double(tested), 0.002, "\(flagged) of \(tested) honest participants flagged")
    }

    func testForgedChoicesAreFlaggedBothWaysAndTheReportedRateDoesNotMove() async throws {
        let study = crowd()
        let honest = study.trials(seed: 7)
        let template = honest.filter { $0.participant == "task1-p000" }
        var trials = honest
        // Scripts that tell the truth from the model's image: 4 pick the model's (fool rate 100%), 2 the truth (0%).
        for n in 0..<4 { trials += forged("forger-high-\(n)", from: template) { _ in true } }
        for n in 0..<2 { trials += forged("forger-low-\(n)", from: template) { _ in false } }
        // A participant fooled on 16 of 16 trials of a 16-trial session (one model).
        let sixteen = Array(template.filter { $0.kind == .main && $0.model == "sr3" }.prefix(16))
        XCTAssertEqual(sixteen.count, 16)
        trials += forged("sixteen-of-sixteen", from: sixteen) { _ in true }

        let results = Dictionary(uniqueKeysWithValues: ChoiceScreening.screen(trials, q: 0.05).map { ($0.participant, $0) })
        for n in 0..<4 { XCTAssertEqual(results["forger-high-\(n)"]?.flag, .implausibleFoolRateHigh) }
        for n in 0..<2 { XCTAssertEqual(results["forger-low-\(n)"]?.flag, .implausibleFoolRateLow) }
        XCTAssertEqual(results["sixteen-of-sixteen"]?.flag, .implausibleFoolRateHigh, "\(String(describing: results["sixteen-of-sixteen"]))")
        XCTAssertLessThanOrEqual(results.values.filter { $0.participant.hasPrefix("task") && $0.flag != nil }.count, 4, "at most 5% of 80")

        // With the default rules (the flags in exclude_flags) the report counts none of them.
        let manifest = try study.manifest()
        let settings = ReportSettings(bootstrapSamples: 50)
        let clean = await FoolRateAnalysis.report(trials: honest, manifest: manifest, settings: settings)
        let attacked = await FoolRateAnalysis.report(trials: trials, manifest: manifest, settings: settings)
        let excluded = Set(attacked.flaggedParticipants.filter(\.excluded).map(\.participant))
        XCTAssertTrue(excluded.isSuperset(of: ["forger-high-0", "forger-low-1", "sixteen-of-sixteen"]), "\(excluded)")
        for row in clean.foolRates where row.trials > 0 {
            let after = try XCTUnwrap(attacked.row(task: row.task, model: row.model))
            XCTAssertEqual(after.foolRate ?? 0, row.foolRate ?? 0, accuracy: 0.01, "\(row.task) \(row.model)")
        }
        let screening = try XCTUnwrap(attacked.screening)
        XCTAssertTrue(screening.excludes)
        XCTAssertTrue(screening.screened.contains("sixteen-of-sixteen"))
        let sr3 = try XCTUnwrap(screening.rows.first { $0.task == "task1" && $0.model == "sr3" })
        XCTAssertGreaterThan(sr3.withScreened.foolRate ?? 0, (sr3.withoutScreened.foolRate ?? 0) + 0.02, "the forgers would have moved it")
        XCTAssertLessThanOrEqual(sr3.leaveOneOutLow ?? 1, attacked.row(task: "task1", model: "sr3")?.foolRate ?? 0)
        XCTAssertGreaterThanOrEqual(sr3.leaveOneOutHigh ?? 0, attacked.row(task: "task1", model: "sr3")?.foolRate ?? 1)

        // Every renderer shows the section.
        XCTAssertTrue(ReportText.render(attacked).contains("Sensitivity: Fool-rate screening"))
        XCTAssertTrue(
            ReportHTML.render(attacked, manifest: manifest, stimulus: { _ in nil }).contains("Sensitivity to screening and to single participants"))
        let json = try ReportJSON.render(attacked)
        XCTAssertTrue(json.contains("\"leave_one_out_low\"") && json.contains("\"without_screened\""), json.prefix(400).description)
    }

    func testScreeningOffOrNotExcludingIsDeclaredAsSuch() async throws {
        let study = crowd(participants: 10)
        var trials = study.trials(seed: 3)
        trials += forged("forger", from: trials.filter { $0.participant == "task1-p000" }) { _ in true }
        var rules = ExclusionRules()
        rules.foolRateFDR = nil
        XCTAssertFalse(
            ParticipantScreening.screen(trials, rules: rules, exposureMs: 3000).contains {
                $0.flags.contains(.implausibleFoolRateHigh)
            })
        rules.foolRateFDR = 0.05
        rules.excludeFlags = [.earlyAnswers]
        let screens = ParticipantScreening.screen(trials, rules: rules, exposureMs: 3000)
        let forger = try XCTUnwrap(screens.first { $0.participant == "forger" })
        XCTAssertEqual(forger.flags, [.implausibleFoolRateHigh])
        XCTAssertFalse(forger.excluded, "reported, not excluded, when exclude_flags leaves it out")
        XCTAssertTrue(forger.reasons[0].detail.contains("expected from the other participants"), forger.reasons[0].detail)
    }

    func testCheckAndPlanStateTheScreeningsCostInHonestPeople() throws {
        let risk = ExclusionRisk(rules: ExclusionRules(), catchTrials: 10, answeredTrials: 60, participants: 100)
        let rule = try XCTUnwrap(risk.rules.first { $0.rule.hasPrefix("implausible_fool_rate_high, implausible_fool_rate_low") })
        XCTAssertEqual(rule.probability ?? 1, 0.05 / 100, accuracy: 1e-12)
        XCTAssertFalse(rule.warning)
        XCTAssertTrue(risk.describe().contains { $0.contains("fool_rate_fdr 5%: 0.1%") }, risk.describe().joined(separator: "\n"))
        var off = ExclusionRules()
        off.foolRateFDR = nil
        XCTAssertEqual(
            ExclusionRisk(rules: off, catchTrials: 10, answeredTrials: 60, participants: 100).rules.first {
                $0.rule.hasPrefix("implausible")
            }?.note, "never raised: fool_rate_fdr is null")
    }

    func testBenjaminiHochbergMatchesTheTextbook() {
        let adjusted = ChoiceScreening.benjaminiHochberg([0.01, 0.04, 0.03, 0.5])
        for (value, expected) in zip(adjusted, [0.04, 0.16 / 3, 0.16 / 3, 0.5]) { XCTAssertEqual(value, expected, accuracy: 1e-12) }
    }
}
