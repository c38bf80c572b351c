import Foundation
import StudyKit
import XCTest

@testable import StudyStats

final class RenderTests: XCTestCase {
    func testHTMLIsSelfContainedWithFigureTablesAndEmbeddedImages() async throws {
        let manifest = try TestStudy.manifest(models: ["sr3", "bicubic"], images: 8)
        let study = SyntheticStudy(
            tasks: ["task1", "task2"], models: [("sr3", 0.45), ("bicubic", 0.1)], participantsPerTask: 6,
            images: 8, imagesPerParticipant: 4, catchTrials: 2)
        let report = await FoolRateAnalysis.report(
            trials: study.trials(seed: 8), manifest: manifest,
            settings: ReportSettings(bootstrapSamples: 100, seed: 1, extremeImages: 2))
        var requested: [String] = []
        let png = Data([0x89, 0x50, 0x4E, 0x47])
        let html = ReportHTML.render(report, manifest: manifest) { ref in
            requested.append(ref.file)
            return png
        }
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 1)
        XCTAssertEqual(html.components(separatedBy: "<g transform").count - 1, 2, "one panel per task")
        XCTAssertTrue(html.contains("data:image/png;base64,\(png.base64EncodedString())"))
        XCTAssertFalse(html.contains("src=\"http"), "nothing loaded from elsewhere")
        XCTAssertFalse(html.contains("src=\"stimuli"), "nothing loaded from files")
        XCTAssertTrue(requested.contains("stimuli/sr3-img000.png") || requested.contains { $0.hasPrefix("stimuli/sr3-") })
        XCTAssertTrue(requested.contains { $0.hasPrefix("stimuli/hr-") } && requested.contains { $0.hasPrefix("stimuli/lr-") })
        XCTAssertEqual(Set(requested).count, requested.count, "each stimulus is read once")
        XCTAssertTrue(html.contains("crossed_combined"))
        let missing = ReportHTML.render(report, manifest: manifest) { _ in nil }
        XCTAssertTrue(missing.contains("missing]"))
    }

    func testHTMLEscapesNames() async throws {
        var manifest = try TestStudy.manifest(models: ["m"], images: 2)
        manifest.models[0].label = "<script>alert(1)</script>"
        let report = await FoolRateAnalysis.report(trials: [], manifest: manifest, settings: ReportSettings(bootstrapSamples: 10))
        let html = ReportHTML.render(report, manifest: manifest) { _ in nil }
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertTrue(html.contains("&lt;script&gt;"))
    }

    func testCSVHasOneTidyRowPerMethod() async throws {
        let manifest = try TestStudy.manifest(models: ["a"], images: 6)
        let study = SyntheticStudy(
            tasks: ["task1"], models: [("a", 0.3)], participantsPerTask: 5, images: 6,
            imagesPerParticipant: 3, catchTrials: 0)
        let report = await FoolRateAnalysis.report(
            trials: study.trials(seed: 1), manifest: manifest,
            settings: ReportSettings(bootstrapSamples: 50))
        let lines = ReportCSV.render(report).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], ReportCSV.header.joined(separator: ","))
        let task1 = lines.dropFirst().filter { $0.hasPrefix("task1,a,") }
        XCTAssertEqual(task1.count, IntervalMethod.allCases.count)
        XCTAssertEqual(task1.filter { $0.hasSuffix(",true") }.count, 1, "one primary row")
        XCTAssertTrue(lines.contains { $0.hasPrefix("task2,a,A,0,0,0,0,,") }, "task without trials keeps its row")
        let images = ReportCSV.images(report).split(separator: "\n")
        XCTAssertEqual(images.count, 1 + 6, "header + one row per image seen")
        XCTAssertEqual(images[1].split(separator: ",").count, ReportCSV.imagesHeader.count)
        XCTAssertEqual(ReportCSV.pairwise(report).split(separator: "\n").count, 1, "one model: no pairs")
    }

    func testExportHasOneRowPerTrialWithHashesAndExclusion() throws {
        let manifest = try TestStudy.manifest(models: ["m1"], images: 3)
        let trials = [
            TestStudy.trial("p1", kind: .practice, model: DesignTrial.catchFoilModel, fooled: false, index: 0),
            TestStudy.trial("p1", image: "img001", fooled: true, index: 1),
            TestStudy.trial("p1", image: "img002", fooled: true, responseMs: 20, index: 2),
            TestStudy.trial("p1", kind: .catch, image: "img000", model: DesignTrial.catchFoilModel, fooled: false, index: 3),
        ]
        let rows = TrialExport.rows(trials: trials, manifest: manifest)
        XCTAssertEqual(rows.count, 4)
        XCTAssertEqual(rows[1].stimulusSHA256, "sha-m1-img001")
        XCTAssertEqual(rows[1].hrSHA256, "sha-hr-img001")
        XCTAssertEqual(rows[1].lrSHA256, "sha-lr-img001")
        XCTAssertTrue(rows[1].counts)
        XCTAssertEqual(rows[2].excludedBy, "too_fast")
        XCTAssertFalse(rows[2].counts)
        XCTAssertFalse(rows[0].counts, "practice never counts")
        XCTAssertEqual(rows[3].stimulusSHA256, "sha-foil-img000")
        let csv = TrialExport.csv(rows).split(separator: "\n")
        XCTAssertEqual(csv.count, 5)
        XCTAssertEqual(csv[0].split(separator: ",").count, TrialExportRow.columns.count)
        XCTAssertEqual(csv[2].split(separator: ",", omittingEmptySubsequences: false).count, TrialExportRow.columns.count)
        let jsonl = try TrialExport.jsonLines(rows).split(separator: "\n")
        XCTAssertEqual(jsonl.count, 4)
        let first = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(jsonl[0].utf8)) as? [String: Any])
        XCTAssertEqual(Set(first.keys), Set(TrialExportRow.columns))
        XCTAssertTrue(first["excluded_by"] is NSNull)
    }
}
