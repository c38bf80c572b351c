import Foundation
import Imaging
import SeededRandom
import StudyBuilder
import StudyFiles
import StudyKit
import XCTest

/// The resampling pipeline end to end: what `build` writes is exactly Imaging's HR / LR / foil / bicubic.
final class PipelineTests: XCTestCase {
    func testStimuliAreTheSpecifiedResamplings() throws {
        // Non-square sources exercise the centre crop.
        let study = try TestStudy(
            images: 3, width: 44, height: 36,
            yaml: TestStudy.smallYAML(
                models: """
                      - id: bicubic
                        kind: bicubic
                      - id: outside
                        kind: external
                        folder: outside
                    """))
        defer { study.remove() }
        let outside = study.folder.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        var externalOutputs: [String: RGBImage] = [:]
        for index in 0..<3 {
            let image = TestImages.random(width: 32, height: 32, seed: 100 + UInt64(index))
            externalOutputs["img\(index)"] = image
            try PNG.write(image, to: outside.appendingPathComponent("img\(index).png"))
        }

        let report = try study.build()
        let manifest = try study.manifest()
        XCTAssertEqual(report.manifest, manifest)
        XCTAssertEqual(manifest.images.map(\.id), ["img0", "img1", "img2"])
        XCTAssertEqual(manifest.models.map(\.available), [true, true])
        for image in manifest.images {
            let source = try PNG.read(study.imagesFolder.appendingPathComponent(image.source))
            XCTAssertEqual(image.sourceSHA256, ContentHash.sha256Hex(try Data(contentsOf: study.imagesFolder.appendingPathComponent(image.source))))
            let hr = source.centerCropResized(to: 32)
            let lr = hr.downsampledLR(to: 8)
            XCTAssertEqual(try study.stimulus(image.hr), hr)
            XCTAssertEqual(try study.stimulus(image.lr), lr)
            XCTAssertEqual(try study.stimulus(image.catchFoil), lr.nearestUpsampled(to: 32))
            let bicubic = try XCTUnwrap(manifest.output(image: image.id, model: "bicubic"))
            XCTAssertEqual(try study.stimulus(bicubic.stimulus), lr.bicubicUpsampled(to: 32))
            let external = try XCTUnwrap(manifest.output(image: image.id, model: "outside"))
            XCTAssertEqual(try study.stimulus(external.stimulus), externalOutputs[image.id])
        }

        // Table 1 metrics are the means of Imaging's per-image metrics.
        let bicubicMetrics = try XCTUnwrap(manifest.metrics.first { $0.model == "bicubic" })
        var psnr = 0.0
        var ssim = 0.0
        var consistency = 0.0
        for image in manifest.images {
            let hr = try study.stimulus(image.hr)
            let lr = try study.stimulus(image.lr)
            let output = try study.stimulus(try XCTUnwrap(manifest.output(image: image.id, model: "bicubic")).stimulus)
            psnr += ImageMetrics.psnr(output, hr)
            ssim += ImageMetrics.ssim(output, hr)
            consistency += ImageMetrics.consistency(output: output, lr: lr)
        }
        XCTAssertEqual(bicubicMetrics.images, 3)
        XCTAssertEqual(bicubicMetrics.psnr, psnr / 3, accuracy: 1e-9)
        XCTAssertEqual(bicubicMetrics.ssim, ssim / 3, accuracy: 1e-9)
        XCTAssertEqual(bicubicMetrics.consistency, consistency / 3, accuracy: 1e-9)

        // The design covers the available models and is what TrialDesigner makes from the study's seed.
        var rng = SeededGenerator(seed: manifest.definition.seed, stream: "design")
        XCTAssertEqual(
            manifest.design,
            try TrialDesigner.makeDesign(
                definition: manifest.definition, images: ["img0", "img1", "img2"],
                models: ["bicubic", "outside"], using: &rng))
        XCTAssertEqual(try study.temporaryBuildFolders(), [])
    }

    func testShippedStudiesPassCheck() throws {
        for name in ["faces16to128", "natural16to128"] {
            let text = try StudyCheck.check(StudyPaths(name: name, root: TestStudy.repositoryRoot))
            XCTAssertTrue(text.contains(": OK"), text)
            XCTAssertTrue(text.contains("sr3_projected"), text)
            XCTAssertTrue(text.contains("rounded up to"), text)
            XCTAssertTrue(text.contains("session: about "), text)
            XCTAssertFalse(text.contains("warning: texts."), "the shipped texts state nothing the settings contradict: \(text)")
        }
    }
}
