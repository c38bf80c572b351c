import Foundation
import Imaging
import SR3Core
import StudyFiles
import StudyKit
import XCTest

@testable import StudyBuilder

/// A study built with a checkpoint imported from PyTorch: its own schedule and its PIL conditioning.
final class ImportedCheckpointTests: XCTestCase {
    static let fixtures = TestStudy.repositoryRoot.appendingPathComponent("Tests/SR3CoreTests/Fixtures")

    private func study(models: String) throws -> TestStudy {
        let study = try TestStudy(
            images: 3, width: 16, height: 16,
            yaml: """
                name: imported
                seed: 5
                hr_size: 16
                lr_size: 4
                images:
                  folder: images
                images_per_participant: 2
                participants_per_task: 4
                practice_trials: 1
                catch_rate: 0.5
                models:
                \(models)
                """)
        _ = try SR3Import.importFile(
            source: Self.fixtures.appendingPathComponent("torch-sr3-small.pth"),
            config: Self.fixtures.appendingPathComponent("torch-sr3-small.json"),
            output: study.folder.appendingPathComponent("imported.safetensors"), options: .init(),
            sha256: { try ContentHash.sha256Hex(fileAt: $0) })
        return study
    }

    func testBuildSamplesWithTheCheckpointsScheduleAndConditioning() throws {
        let study = try study(
            models: """
                  - id: sr3
                    kind: sr3
                    checkpoint: imported.safetensors
                    sampler: ddim
                    steps: 4
                  - id: bicubic
                    kind: bicubic
                """)
        defer { study.remove() }
        _ = try study.build()
        let manifest = try study.manifest()
        let model = try XCTUnwrap(manifest.models.first { $0.id == "sr3" })
        XCTAssertEqual(model.settings["conditioning"], "pil-bicubic")
        XCTAssertEqual(model.settings["schedule"], "checkpoint's own: linear betas 1e-06 ... 0.01 over 2000 steps, respaced to 4")
        XCTAssertNil(manifest.models.first { $0.id == "bicubic" }?.settings["conditioning"], "the Bicubic baseline stays as the study defines it")

        // The stimulus is what SR3Core makes from the LR with the same seed, settings and upsampler.
        let network = try SuperResolutionModel(checkpoint: study.folder.appendingPathComponent("imported.safetensors"))
        let settings = SamplingSettings(sampler: .ddim, steps: 4, schedule: BetaSchedule(steps: 2000, start: 1e-6, end: 1e-2))
        for image in manifest.images {
            let lr = try study.stimulus(image.lr)
            let seed = ModelRunner.imageSeed(modelSeed: 5, imageID: image.id)
            let floats = try network.superResolve(
                lr: lr.planarFloats(), count: 1, height: 4, width: 4, seeds: [seed], settings: settings, progress: nil)
            let output = try XCTUnwrap(manifest.output(image: image.id, model: "sr3"))
            XCTAssertEqual(try study.stimulus(output.stimulus), RGBImage(planarFloats: floats, width: 16, height: 16), image.id)
        }
    }

    func testLinearScheduleKeysAndErrors() throws {
        let study = try study(
            models: """
                  - id: sr3
                    kind: sr3
                    checkpoint: imported.safetensors
                    steps: 3
                    beta_start: 1.0e-4
                    beta_end: 0.5
                """)
        defer { study.remove() }
        _ = try study.build()
        let model = try XCTUnwrap(try study.manifest().models.first { $0.id == "sr3" })
        XCTAssertEqual(model.settings["schedule"], "linear betas 0.0001 ... 0.5 over 3 steps")

        try study.write(
            TestStudy.smallYAML(
                models: """
                      - id: sr3
                        kind: sr3
                        checkpoint: imported.safetensors
                        schedule: checkpoint
                        beta_end: 0.5
                    """))
        XCTAssertThrowsError(try study.build()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("models[0].beta_end") && text.contains("schedule: linear"), text)
        }
    }

    func testScheduleKeysAreValidatedWithFileLineFieldAndFix() throws {
        let study = try TestStudy(
            images: 1, width: 32, height: 32,
            yaml: TestStudy.smallYAML(
                models: """
                      - id: sr3
                        kind: sr3
                        checkpoint: x.safetensors
                        beta_start: 2
                    """))
        defer { study.remove() }
        XCTAssertThrowsError(try StudyCheck.check(study.paths)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("line") && text.contains("models[0].beta_start") && text.contains("between 0 and 1"), text)
        }
        try study.write(
            TestStudy.smallYAML(
                models: """
                      - id: bicubic
                        kind: bicubic
                        schedule: checkpoint
                    """))
        XCTAssertThrowsError(try StudyCheck.check(study.paths)) { error in
            XCTAssertTrue("\(error)".contains("models[0].schedule") && "\(error)".contains("applies only to kind sr3"), "\(error)")
        }
        try study.write(
            TestStudy.smallYAML(
                models: """
                      - id: sr3
                        kind: sr3
                        checkpoint: x.safetensors
                        schedule: own
                    """))
        XCTAssertThrowsError(try StudyCheck.check(study.paths)) { error in
            XCTAssertTrue("\(error)".contains("schedule"), "\(error)")
        }
    }

    func testShippedImportedFaceStudyExplainsTheMissingCheckpoint() throws {
        let paths = StudyPaths(name: "faces16to128-pytorch", root: TestStudy.repositoryRoot)
        let checkpoint = TestStudy.repositoryRoot.appendingPathComponent("models/external/sr3-16to128-faces.safetensors")
        try XCTSkipIf(FileManager.default.fileExists(atPath: checkpoint.path), "the imported face checkpoint is present")
        XCTAssertThrowsError(try StudyCheck.check(paths)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("models/external/sr3-16to128-faces.safetensors"), text)
            XCTAssertTrue(text.contains("studygen import"), text)
        }
    }
}
