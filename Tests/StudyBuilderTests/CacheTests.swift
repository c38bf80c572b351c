import Foundation
import StudyBuilder
import StudyKit
import XCTest

/// Incremental builds with the real tiny SR3 and Regression checkpoints (2 images, 2 DDIM steps).
final class CacheTests: XCTestCase {
    private func yaml(sr3Steps: Int) -> String {
        """
        name: cached
        seed: 11
        hr_size: 128
        lr_size: 16
        images:
          folder: images
        images_per_participant: 2
        participants_per_task: 2
        practice_trials: 1
        catch_rate: 0
        models:
          - id: sr3
            kind: sr3
            checkpoint: \(TestStudy.sr3Checkpoint)
            sampler: ddim
            steps: \(sr3Steps)
          - id: regression
            kind: regression
            checkpoint: \(TestStudy.regressionCheckpoint)
          - id: bicubic
            kind: bicubic
        """
    }

    private func counts(_ report: StudyBuild.Report) -> [String: [Int]] {
        Dictionary(uniqueKeysWithValues: report.models.map { ($0.id, [$0.computed, $0.reused]) })
    }

    func testSecondBuildReusesEverythingAndChangedSettingsRerunOnlyThatModel() throws {
        let study = try TestStudy(images: 2, width: 128, height: 128, yaml: yaml(sr3Steps: 2))
        defer { study.remove() }

        let first = try study.build()
        XCTAssertEqual(counts(first), ["sr3": [2, 0], "regression": [2, 0], "bicubic": [2, 0]])
        XCTAssertTrue(first.manifest.models.allSatisfy(\.available))
        let sr3 = try XCTUnwrap(first.manifest.model("sr3"))
        XCTAssertEqual(sr3.checkpointSHA256, try ContentHash.sha256Hex(fileAt: URL(fileURLWithPath: TestStudy.sr3Checkpoint)))
        XCTAssertEqual(sr3.settings["sampler"], "ddim")
        XCTAssertEqual(sr3.settings["steps"], "2")
        XCTAssertEqual(sr3.settings["seed"], "11")
        XCTAssertEqual(first.manifest.outputs.count, 6)
        XCTAssertEqual(Set(first.manifest.metrics.map(\.model)), ["sr3", "regression", "bicubic"])

        let second = try study.build()
        XCTAssertEqual(counts(second), ["sr3": [0, 2], "regression": [0, 2], "bicubic": [0, 2]])
        XCTAssertEqual(second.manifest.outputs, first.manifest.outputs)
        XCTAssertEqual(second.manifest.design, first.manifest.design)

        try study.write(yaml(sr3Steps: 3))
        let third = try study.build()
        XCTAssertEqual(counts(third), ["sr3": [2, 0], "regression": [0, 2], "bicubic": [0, 2]])
        XCTAssertEqual(third.manifest.model("sr3")?.settings["steps"], "3")
        for image in ["img0", "img1"] {
            XCTAssertNotEqual(third.manifest.output(image: image, model: "sr3"), first.manifest.output(image: image, model: "sr3"))
            XCTAssertEqual(third.manifest.output(image: image, model: "regression"), first.manifest.output(image: image, model: "regression"))
        }

        // The outputs depend only on the inputs and seeds: recomputing without the cache gives the same files.
        try FileManager.default.removeItem(at: study.paths.cacheFolder.appendingPathComponent("outputs"))
        try study.write(yaml(sr3Steps: 2))
        let fresh = try study.build()
        XCTAssertEqual(counts(fresh), ["sr3": [2, 0], "regression": [2, 0], "bicubic": [2, 0]])
        XCTAssertEqual(fresh.manifest.outputs, first.manifest.outputs)
        XCTAssertEqual(try study.temporaryBuildFolders(), [])
    }
}
