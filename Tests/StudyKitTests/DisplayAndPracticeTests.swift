import Foundation
import SeededRandom
import StudyKit
import XCTest

/// The display size in device pixels per image pixel (and its legacy key), the declared input rendering,
/// and practice trials drawn from a declared model.
final class DisplayAndPracticeTests: XCTestCase {
    func testDisplayScaleDefaultsNewKeyAndLegacyKey() throws {
        XCTAssertEqual(try DefinitionFixtures.parse(DefinitionFixtures.minimal).definition.displayScale, 2)
        let explicit = try DefinitionFixtures.parse(DefinitionFixtures.minimal + "\ndisplay:\n  device_px_per_image_px: 3\n")
        XCTAssertEqual(explicit.definition.displayScale, 3)
        // hr_size 32: the old `image_px: 128` means 4 screen pixels per image pixel.
        let legacy = try DefinitionFixtures.parse(DefinitionFixtures.minimal + "\ndisplay:\n  image_px: 128\n")
        XCTAssertEqual(legacy.definition.displayScale, 4)
        XCTAssertEqual(legacy.definition.display.input, .pixelated)
        XCTAssertEqual(legacy.definition.display.minWindowWidth, 900)
    }

    func testUnusableDisplaySettingsNameTheNewKey() throws {
        let notMultiple = try XCTUnwrap(DefinitionFixtures.error(DefinitionFixtures.minimal + "\ndisplay:\n  image_px: 100\n"))
        XCTAssertEqual(notMultiple.field, "display.image_px")
        XCTAssertTrue(notMultiple.description.contains("device_px_per_image_px: 3"), notMultiple.description)
        let contradicting = try XCTUnwrap(
            DefinitionFixtures.error(
                DefinitionFixtures.minimal + "\ndisplay:\n  image_px: 64\n  device_px_per_image_px: 3\n"))
        XCTAssertEqual(contradicting.field, "display.image_px")
        let zero = try XCTUnwrap(DefinitionFixtures.error(DefinitionFixtures.minimal + "\ndisplay:\n  device_px_per_image_px: 0\n"))
        XCTAssertEqual(zero.field, "display.device_px_per_image_px")
        let badDPR = try XCTUnwrap(DefinitionFixtures.error(DefinitionFixtures.minimal + "\ndisplay:\n  allowed_dprs: [0]\n"))
        XCTAssertEqual(badDPR.field, "display.allowed_dprs")
        XCTAssertNil(DefinitionFixtures.error(DefinitionFixtures.minimal + "\ndisplay:\n  allowed_dprs: []\n"), "[]: every ratio")
        let both = try XCTUnwrap(
            DefinitionFixtures.error(DefinitionFixtures.minimal + "\ndisplay:\n  css_px_per_image_px: 2\n  device_px_per_image_px: 2\n"))
        XCTAssertEqual(both.field, "display.css_px_per_image_px")
        let tiny = try XCTUnwrap(DefinitionFixtures.error(DefinitionFixtures.minimal + "\ndisplay:\n  css_px_per_image_px: 0.1\n"))
        XCTAssertEqual(tiny.field, "display.css_px_per_image_px")
        let physical = try DefinitionFixtures.parse(DefinitionFixtures.minimal + "\ndisplay:\n  css_px_per_image_px: 2\n").definition
        XCTAssertEqual(physical.display.cssPxPerImagePx, 2)
        XCTAssertEqual(physical.displayScale, 2)
        // The page's rule (display.js devicePxPerImagePx at DPR 1): nearest whole factor, ties to the smaller.
        for (css, factor) in [(2.5, 2), (2.6, 3), (0.5, 1), (3.0, 3)] {
            XCTAssertEqual(DisplaySpec(cssPxPerImagePx: css).scale(hrSize: 128), factor, "\(css)")
        }
        XCTAssertEqual(physical.display.allowedDPRs, [1, 1.1, 1.25, 1.5, 2], "the ratios measured exact at a physical size")
        let noBicubic =
            DefinitionFixtures.minimal.replacingOccurrences(of: "kind: bicubic", with: "kind: external\n    folder: out")
            + "\ndisplay:\n  input: bicubic\n"
        XCTAssertEqual(DefinitionFixtures.error(noBicubic)?.field, "display.input")
        XCTAssertNil(DefinitionFixtures.error(DefinitionFixtures.minimal + "\ndisplay:\n  input: bicubic\n"))
    }

    func testPracticeModelMustBeAModel() throws {
        let error = try XCTUnwrap(DefinitionFixtures.error(DefinitionFixtures.minimal + "\npractice_model: sr9\n"))
        XCTAssertEqual(error.field, "practice_model")
        XCTAssertEqual(
            try DefinitionFixtures.parse(DefinitionFixtures.minimal + "\npractice_model: bicubic\n").definition.practiceModel,
            "bicubic")
    }

    func testPracticeModelChangesOnlyThePracticeTrialsModel() throws {
        var definition = try DefinitionFixtures.definition(
            images: 12, models: 3, perParticipant: 6, participants: 8,
            practice: 3, catchRate: 0.2)
        let images = (0..<12).map { String(format: "img%03d", $0) }
        let models = ["m0", "m1", "m2"]
        var rng = SeededGenerator(seed: 5)
        let plain = try TrialDesigner.makeDesign(definition: definition, images: images, models: models, using: &rng)
        definition.practiceModel = "m2"
        rng = SeededGenerator(seed: 5)
        let practiced = try TrialDesigner.makeDesign(definition: definition, images: images, models: models, using: &rng)
        XCTAssertEqual(plain.sequences.count, practiced.sequences.count)
        for (a, b) in zip(plain.sequences, practiced.sequences) {
            XCTAssertEqual(a.trials.count, b.trials.count)
            for (x, y) in zip(a.trials, b.trials) {
                XCTAssertEqual(x.kind, y.kind)
                XCTAssertEqual(x.image, y.image)
                XCTAssertEqual(x.modelSide, y.modelSide)
                if x.kind == .practice {
                    XCTAssertEqual(x.model, DesignTrial.catchFoilModel)
                    XCTAssertEqual(y.model, "m2")
                } else {
                    XCTAssertEqual(x.model, y.model)
                }
            }
        }
        definition.practiceModel = "gone"
        rng = SeededGenerator(seed: 5)
        XCTAssertThrowsError(try TrialDesigner.makeDesign(definition: definition, images: images, models: models, using: &rng))
    }
}
