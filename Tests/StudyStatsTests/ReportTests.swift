import Foundation
import StudyKit
import XCTest

@testable import StudyStats

final class ReportTests: XCTestCase {
    let settings = ReportSettings(level: 0.95, bootstrapSamples: 300, seed: 3, equivalenceMargin: 0.1)

    func testEmptyStudyReportsEveryModelWithoutRatesAndSaysSo() async throws {
        let manifest = try TestStudy.manifest(models: ["m1", "m2"], images: 4)
        let report = await FoolRateAnalysis.report(trials: [], manifest: manifest, settings: settings)
        XCTAssertEqual(report.foolRates.count, 4, "2 tasks x 2 models")
        for row in report.foolRates {
            XCTAssertNil(row.foolRate)
            XCTAssertEqual(row.trials, 0)
            XCTAssertTrue(row.ci.isEmpty)
            XCTAssertEqual(row.notes, ["nobody saw this model in \(row.task)"])
        }
        XCTAssertTrue(report.notes.contains { $0.contains("no answers") })
        XCTAssertTrue(report.pairwise.isEmpty)
        XCTAssertTrue(report.images.isEmpty)
        let text = ReportText.render(report)
        XCTAssertTrue(text.contains("nobody saw this model"))
        XCTAssertFalse(text.contains("nan"))
        let json = try jsonObject(report)
        let rows = try XCTUnwrap(json["fool_rates"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 4)
        XCTAssertTrue(rows[0]["fool_rate"] is NSNull, "fool_rate is present and null")
        let html = ReportHTML.render(report, manifest: manifest) { _ in nil }
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertTrue(html.contains("no trials"))
        XCTAssertEqual(ReportCSV.render(report).split(separator: "\n").count, 5)
    }

    func testOneParticipantGivesRatesAndNaiveIntervalsButNoPrimary() async throws {
        let manifest = try TestStudy.manifest(models: ["m1"], images: 4)
        let trials = (0..<4).map { TestStudy.trial("solo", image: SyntheticStudy.imageID($0), fooled: $0 < 3, index: $0) }
        let report = await FoolRateAnalysis.report(trials: trials, manifest: manifest, settings: settings)
        let row = try XCTUnwrap(report.row(task: "task1", model: "m1"))
        XCTAssertEqual(row.foolRate, 0.75)
        XCTAssertEqual(row.participants, 1)
        XCTAssertEqual(row.images, 4)
        XCTAssertNotNil(row.interval(.wilsonNaive))
        XCTAssertNotNil(row.interval(.clopperPearsonNaive))
        XCTAssertNil(row.interval(.crossedCombined))
        XCTAssertNil(row.interval(.bootstrapParticipants), "one participant cannot be resampled")
        XCTAssertNil(row.interval(.bootstrapPigeonhole))
        XCTAssertNotNil(row.interval(.bootstrapImages))
        XCTAssertNil(row.versusHalf)
        XCTAssertTrue(row.notes.contains { $0.contains("one participant") })
        XCTAssertTrue(ReportText.render(report).contains("one participant"))
        XCTAssertNoThrow(try ReportJSON.render(report))
    }

    func testModelNobodySawAndUnavailableModelAreReportedBesideTheOthers() async throws {
        let manifest = try TestStudy.manifest(models: ["sr3", "regression", "unseen"], unavailable: ["broken"], images: 20)
        let study = SyntheticStudy(
            tasks: ["task1"], models: [("sr3", 0.4), ("regression", 0.2)], participantsPerTask: 12,
            images: 20, imagesPerParticipant: 10, catchTrials: 4)
        let report = await FoolRateAnalysis.report(trials: study.trials(seed: 1), manifest: manifest, settings: settings)
        let unseen = try XCTUnwrap(report.row(task: "task1", model: "unseen"))
        XCTAssertNil(unseen.foolRate)
        XCTAssertEqual(unseen.notes, ["nobody saw this model in task1"])
        let broken = try XCTUnwrap(report.row(task: "task1", model: "broken"))
        XCTAssertEqual(broken.notes, ["model unavailable in this build: no trials"])
        let sr3 = try XCTUnwrap(report.row(task: "task1", model: "sr3"))
        XCTAssertEqual(sr3.trials, 120)
        XCTAssertEqual(sr3.participants, 12)
        XCTAssertEqual(sr3.images, 20)
        XCTAssertEqual(Set(sr3.ci.map(\.method)), Set(IntervalMethod.allCases))
        // Only the two models with trials are compared.
        XCTAssertEqual(report.pairwise.filter { $0.task == "task1" }.count, 1)
        XCTAssertTrue(ReportHTML.render(report, manifest: manifest) { _ in nil }.contains("no trials"))
    }

    func testIntervalsAreOrderedAsTheTheorySays() async throws {
        let manifest = try TestStudy.manifest(models: ["sr3", "regression", "bicubic"], images: 40)
        let study = SyntheticStudy(
            tasks: ["task1", "task2"], models: [("sr3", 0.45), ("regression", 0.25), ("bicubic", 0.05)],
            participantsPerTask: 30, images: 40, imagesPerParticipant: 20,
            sdParticipant: 0.8, sdImage: 1.0, catchTrials: 4)
        let report = await FoolRateAnalysis.report(trials: study.trials(seed: 2), manifest: manifest, settings: settings)
        for row in report.foolRates {
            let rate = try XCTUnwrap(row.foolRate)
            let naive = try XCTUnwrap(row.interval(.wilsonNaive))
            let primary = try XCTUnwrap(row.interval(.crossedCombined))
            let pigeonhole = try XCTUnwrap(row.interval(.bootstrapPigeonhole))
            XCTAssertTrue(primary.contains(rate))
            XCTAssertGreaterThan(primary.width, naive.width * 1.3, "\(row.task) \(row.model): crossed effects widen the interval")
            XCTAssertLessThan(primary.width, pigeonhole.width * 1.1)
        }
        let sr3 = try XCTUnwrap(report.row(task: "task1", model: "sr3"))
        let bicubic = try XCTUnwrap(report.row(task: "task1", model: "bicubic"))
        XCTAssertLessThan(try XCTUnwrap(bicubic.versusHalf?.pValue), 1e-6, "5% is far from 50%")
        XCTAssertEqual(bicubic.versusHalf?.equivalent, false)
        XCTAssertGreaterThan(try XCTUnwrap(sr3.versusHalf?.pValue), try XCTUnwrap(bicubic.versusHalf?.pValue))
        // The biggest pairwise difference (sr3 vs bicubic) is significant after Holm.
        let pair = try XCTUnwrap(report.pairwise.first { $0.task == "task1" && $0.modelA == "sr3" && $0.modelB == "bicubic" })
        XCTAssertGreaterThan(try XCTUnwrap(pair.difference), 0.2)
        XCTAssertLessThan(try XCTUnwrap(pair.pHolm), 0.01)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(pair.pHolm), try XCTUnwrap(pair.pValue))
        XCTAssertEqual(pair.pairedImages, 40)
        // Per image: shrunken estimates lie between the raw rate and the model's mean.
        let images = report.images.filter { $0.task == "task1" && $0.model == "sr3" }
        XCTAssertEqual(images.count, 40)
        let mean = sr3.foolRate ?? 0
        for image in images {
            XCTAssertLessThanOrEqual(min(image.foolRate, mean) - 1e-12, image.shrunken)
            XCTAssertGreaterThanOrEqual(max(image.foolRate, mean) + 1e-12, image.shrunken)
        }
        let extremes = try XCTUnwrap(report.extremes.first { $0.task == "task1" && $0.model == "sr3" })
        XCTAssertEqual(extremes.lowest.count, 3)
        XCTAssertLessThan(try XCTUnwrap(extremes.lowest.first?.shrunken), try XCTUnwrap(extremes.highest.first?.shrunken))
    }

    func testSameSeedSameReportAndJSONContract() async throws {
        let manifest = try TestStudy.manifest(models: ["a", "b"], images: 10)
        let study = SyntheticStudy(
            tasks: ["task1", "task2"], models: [("a", 0.4), ("b", 0.3)], participantsPerTask: 6,
            images: 10, imagesPerParticipant: 5, catchTrials: 3)
        let trials = study.trials(seed: 4)
        let one = await FoolRateAnalysis.report(trials: trials, manifest: manifest, settings: settings)
        let two = await FoolRateAnalysis.report(trials: trials, manifest: manifest, settings: settings)
        XCTAssertEqual(one, two)
        let json = try jsonObject(one)
        for key in ["fool_rates", "images", "pairwise", "exclusions"] { XCTAssertNotNil(json[key], key) }
        let row = try XCTUnwrap((json["fool_rates"] as? [[String: Any]])?.first)
        for key in ["task", "model", "fool_rate", "trials", "participants", "images", "ci"] { XCTAssertNotNil(row[key], key) }
        let ci = try XCTUnwrap((row["ci"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(ci.keys), ["method", "level", "low", "high"])
        XCTAssertEqual(ci["method"] as? String, "wilson_naive")
        let settingsJSON = try XCTUnwrap(json["settings"] as? [String: Any])
        XCTAssertEqual(settingsJSON["primary_method"] as? String, "crossed_combined")
    }

    func testPositionBiasCountsLeftChoices() {
        let trials = [
            TestStudy.trial("p", fooled: true, side: .left), TestStudy.trial("p", image: "img001", fooled: false, side: .left),
            TestStudy.trial("p", image: "img002", fooled: true, side: .right),
        ]
        let bias = PositionBias.measure(task: "task1", trials: trials, level: 0.95)
        XCTAssertEqual(bias.trials, 3)
        XCTAssertEqual(bias.leftChoices, 1)  // fooled with model left -> left; not fooled with model left -> right; fooled right -> right
        XCTAssertEqual(bias.foolRateModelLeft, 0.5)
        XCTAssertEqual(bias.foolRateModelRight, 1)
    }

    func testHolmAdjustment() {
        let adjusted = MultipleComparisons.holm([0.01, 0.04, 0.03, 0.5])
        XCTAssertEqual(adjusted[0], 0.04, accuracy: 1e-12)
        XCTAssertEqual(adjusted[2], 0.09, accuracy: 1e-12)
        XCTAssertEqual(adjusted[1], 0.09, accuracy: 1e-12, "monotone: never below an earlier step")
        XCTAssertEqual(adjusted[3], 0.5, accuracy: 1e-12)
        XCTAssertEqual(MultipleComparisons.holm([]), [])
    }

    func testEquivalenceTestNeedsTheIntervalInsideTheMargin() throws {
        let tight = CrossedVariance(participants: 1e-4, images: 1e-4, naive: 5e-5, participantUnits: 50, imageUnits: 100)
        let near = try XCTUnwrap(HalfTest(rate: 0.49, variance: tight, margin: 0.1, level: 0.95))
        XCTAssertTrue(near.equivalent)
        XCTAssertGreaterThan(near.pValue, 0.05)
        let wide = CrossedVariance(participants: 4e-3, images: 4e-3, naive: 1e-3, participantUnits: 50, imageUnits: 100)
        XCTAssertEqual(HalfTest(rate: 0.49, variance: wide, margin: 0.1, level: 0.95)?.equivalent, false)
    }

    func testBetaBinomialPriorPoolsCompletelyWithoutRealVariation() {
        let flat = BetaBinomialPrior(counts: [(5, 10), (5, 10), (4, 10), (6, 10)])
        XCTAssertNil(flat.strength)
        XCTAssertEqual(flat.shrink(fooled: 6, trials: 10), 0.5, accuracy: 1e-12)
        let spread = BetaBinomialPrior(counts: [(1, 20), (19, 20), (2, 20), (18, 20)])
        let strength = try? XCTUnwrap(spread.strength)
        XCTAssertLessThan(strength ?? .infinity, 5)
        XCTAssertEqual(spread.shrink(fooled: 19, trials: 20), 0.95, accuracy: 0.05)
    }

    func jsonObject(_ report: FoolRateReport) throws -> [String: Any] {
        let text = try ReportJSON.render(report)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}
