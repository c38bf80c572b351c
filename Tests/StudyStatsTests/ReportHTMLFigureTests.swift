import Foundation
import StudyKit
import XCTest

@testable import StudyStats

/// Figure 6 in the HTML report: no bar without its primary interval, n under every bar, panels titled by the
/// tasks' questions, labels whole.
final class ReportHTMLFigureTests: XCTestCase {
    func testABarWithoutAnIntervalIsNotDrawnAndSaysSo() async throws {
        var manifest = try TestStudy.manifest(models: ["m1"], images: 4)
        manifest.models[0].label = "A model with a rather long label that must not be cut"
        let trials = (0..<4).map { TestStudy.trial("solo", image: SyntheticStudy.imageID($0), fooled: $0 < 3, index: $0) }
        let report = await FoolRateAnalysis.report(trials: trials, manifest: manifest, settings: ReportSettings(bootstrapSamples: 50))
        XCTAssertNil(try XCTUnwrap(report.row(task: "task1", model: "m1")).interval(.crossedCombined))
        let svg = ReportFigure.svg(report, questions: ["task1": TaskSpec.task1Question])
        XCTAssertFalse(svg.contains("<rect"), "no bar without its interval")
        XCTAssertTrue(svg.contains("n too small"))
        XCTAssertTrue(svg.contains("n=4"))
        XCTAssertFalse(svg.contains("…"))
        for word in ["rather", "long", "label", "must", "cut"] { XCTAssertTrue(svg.contains(word), word) }
        XCTAssertTrue(svg.contains("low resolution image"), "the panel is titled by the task's question")
    }

    func testEveryBarHasItsIntervalAndN() async throws {
        let manifest = try TestStudy.manifest(models: ["sr3", "bicubic"], images: 8)
        let study = SyntheticStudy(
            tasks: ["task1"], models: [("sr3", 0.45), ("bicubic", 0.1)], participantsPerTask: 6,
            images: 8, imagesPerParticipant: 4, catchTrials: 2)
        let report = await FoolRateAnalysis.report(
            trials: study.trials(seed: 3), manifest: manifest,
            settings: ReportSettings(bootstrapSamples: 100, seed: 1))
        let svg = ReportFigure.svg(report)
        let bars = svg.components(separatedBy: "<rect").count - 1
        XCTAssertEqual(bars, 2)
        XCTAssertEqual(svg.components(separatedBy: "<path").count - 1, bars)
        XCTAssertEqual(svg.components(separatedBy: ", n=").count - 1, bars)
    }

    func testTasksAreStackedOnAFixedAxisAsThePaperDrawsThem() async throws {
        let study = SyntheticStudy(
            tasks: ["task1", "task2"], models: [("sr3", 0.2), ("bicubic", 0.1)], participantsPerTask: 6,
            images: 8, imagesPerParticipant: 4, catchTrials: 2)
        let report = await FoolRateAnalysis.report(
            trials: study.trials(seed: 3), manifest: try study.manifest(), settings: ReportSettings(bootstrapSamples: 100, seed: 1))
        let svg = ReportFigure.svg(report)
        XCTAssertEqual(report.tasks, ["task1", "task2"])
        let panels = svg.matches(of: /<g transform="translate\(0,([0-9.]+)\)">/).compactMap { Double($0.output.1) }
        XCTAssertEqual(panels.count, 2)
        XCTAssertEqual(panels.first, 0, "Task-1 on top")
        XCTAssertGreaterThan(panels.last ?? 0, 0, "Task-2 below it")
        XCTAssertTrue(svg.contains(">100%</text>"), "the axis runs to 100% even when every rate is low")
        XCTAssertTrue(svg.contains(">0%</text>"))
        XCTAssertTrue(svg.contains("higher is better"))
    }

    func testWrapKeepsWordsWhole() {
        XCTAssertEqual(
            ReportFigure.wrap("Which image would you guess is from a camera?", width: 16),
            ["Which image", "would you guess", "is from a", "camera?"])
        XCTAssertEqual(ReportFigure.wrap("supercalifragilistic x", width: 5), ["supercalifragilistic", "x"])
        XCTAssertEqual(ReportFigure.wrap("", width: 5), [""])
    }
}
