import Foundation
import StudyKit
import XCTest

/// Every bad definition fails with one message naming the file, the line, the field and the fix.
final class DefinitionErrorTests: XCTestCase {
    private func assertError(
        _ yaml: String, line: Int?, field: String?, contains fragments: [String],
        file: StaticString = #filePath, testLine: UInt = #line
    ) {
        guard let error = DefinitionFixtures.error(yaml) else {
            XCTFail("expected an error", file: file, line: testLine)
            return
        }
        XCTAssertEqual(error.line, line, "\(error)", file: file, line: testLine)
        XCTAssertEqual(error.field, field, "\(error)", file: file, line: testLine)
        XCTAssertTrue(error.file.lastPathComponent == "study.yaml", "\(error)", file: file, line: testLine)
        XCTAssertFalse(error.fix.isEmpty, "\(error)", file: file, line: testLine)
        let message = error.description
        XCTAssertTrue(message.contains("study.yaml"), message, file: file, line: testLine)
        for fragment in fragments {
            XCTAssertTrue(message.contains(fragment), "missing \"\(fragment)\" in: \(message)", file: file, line: testLine)
        }
    }

    func testMalformedYAMLNamesTheLine() {
        assertError("name: x\nhr_size: 32\n  lr_size: 8\nmodels: [\n", line: 3, field: nil, contains: ["malformed YAML", "line 3"])
    }

    func testDuplicateKey() {
        assertError(DefinitionFixtures.minimal + "\nhr_size: 64\n", line: 2, field: nil, contains: ["hr_size", "twice"])
    }

    func testUnknownKeySuggestsTheClosest() {
        assertError(
            DefinitionFixtures.minimal + "\nimages_per_partcipant: 10\n", line: 9, field: "images_per_partcipant",
            contains: ["unknown key", "images_per_participant"])
        assertError(
            DefinitionFixtures.minimal + "\ndisplay:\n  image_pix: 200\n", line: 10, field: "display.image_pix",
            contains: ["image_px"])
    }

    func testUnknownModelKindListsTheKinds() {
        let yaml = DefinitionFixtures.minimal.replacingOccurrences(of: "kind: bicubic", with: "kind: sr4")
        assertError(yaml, line: 8, field: "models[0].kind", contains: ["sr4", "bicubic, regression, sr3, external"])
    }

    func testAParticipantIDPatternMustBeARegularExpression() {
        assertError(
            DefinitionFixtures.minimal + "\nassignment:\n  participant_id_pattern: '[0-9a-f{24'\n", line: 10,
            field: "assignment.participant_id_pattern", contains: ["not a regular expression", "[0-9a-f]{24}"])
        XCTAssertNil(DefinitionFixtures.error(DefinitionFixtures.minimal + "\nassignment:\n  participant_id_pattern: '[0-9a-f]{24}'\n"))
        XCTAssertTrue(ParticipantIdentifier.matches("5f0c8a1b2c3d4e5f6a7b8c9d", pattern: "[0-9a-f]{24}"))
        XCTAssertFalse(ParticipantIdentifier.matches("x5f0c8a1b2c3d4e5f6a7b8c9d", pattern: "[0-9a-f]{24}"), "the whole id must match")
        XCTAssertFalse(ParticipantIdentifier.matches("ax", pattern: "a|b.*c"), "alternatives are anchored together")
        XCTAssertTrue(ParticipantIdentifier.matches("b1c", pattern: "a|b.*c"))
    }

    func testMissingRequiredKey() {
        let yaml = DefinitionFixtures.minimal.replacingOccurrences(of: "hr_size: 32\n", with: "")
        assertError(yaml, line: 1, field: "hr_size", contains: ["required key `hr_size`"])
    }

    func testWrongType() {
        let yaml = DefinitionFixtures.minimal.replacingOccurrences(of: "hr_size: 32", with: "hr_size: big")
        assertError(yaml, line: 2, field: "hr_size", contains: ["whole number"])
    }

    func testDuplicateModelIDs() {
        let yaml = DefinitionFixtures.minimal + "\n  - id: bicubic\n    kind: bicubic\n"
        assertError(yaml, line: 9, field: "models[1].id", contains: ["also used by models[0]"])
    }

    func testKindSpecificKeys() {
        assertError(
            DefinitionFixtures.minimal.replacingOccurrences(of: "kind: bicubic", with: "kind: sr3"),
            line: 7, field: "models[0].checkpoint", contains: ["needs a checkpoint"])
        assertError(
            DefinitionFixtures.minimal.replacingOccurrences(of: "kind: bicubic", with: "kind: external"),
            line: 7, field: "models[0].folder", contains: ["folder"])
        assertError(DefinitionFixtures.minimal + "\n    steps: 10\n", line: 9, field: "models[0].steps", contains: ["only to kind sr3"])
        assertError(DefinitionFixtures.minimal + "\n    seed: 4\n", line: 9, field: "models[0].seed", contains: ["only to kind sr3"])
        assertError(
            DefinitionFixtures.minimal + "\n    checkpoint: x.safetensors\n", line: 9, field: "models[0].checkpoint",
            contains: ["takes no checkpoint"])
        let sr3 = DefinitionFixtures.minimal.replacingOccurrences(of: "kind: bicubic", with: "kind: sr3\n    checkpoint: c\n    steps: 0")
        assertError(sr3, line: 10, field: "models[0].steps", contains: ["steps is 0"])
        let sampler = DefinitionFixtures.minimal.replacingOccurrences(of: "kind: bicubic", with: "kind: sr3\n    checkpoint: c\n    sampler: euler")
        assertError(sampler, line: 10, field: "models[0].sampler", contains: ["ddpm, ddim"])
    }

    func testReservedAndUnsafeIDs() {
        assertError(
            DefinitionFixtures.minimal.replacingOccurrences(of: "id: bicubic", with: "id: catch_foil"),
            line: 7, field: "models[0].id", contains: ["reserved"])
        assertError(
            DefinitionFixtures.minimal.replacingOccurrences(of: "id: bicubic", with: "id: \"a b/c\""),
            line: 7, field: "models[0].id", contains: ["not usable"])
    }

    func testInvalidValues() {
        assertError(DefinitionFixtures.minimal + "\ncatch_rate: 1.5\n", line: 9, field: "catch_rate", contains: ["catch_rate is 1.5"])
        assertError(DefinitionFixtures.minimal + "\nexposure_ms: 0\n", line: 9, field: "exposure_ms", contains: ["positive"])
        assertError(DefinitionFixtures.minimal + "\nimages_per_participant: 0\n", line: 9, field: "images_per_participant", contains: ["at least 1"])
        assertError(
            DefinitionFixtures.minimal.replacingOccurrences(of: "lr_size: 8", with: "lr_size: 64"),
            line: 3, field: "lr_size", contains: ["not smaller than hr_size"])
        assertError(DefinitionFixtures.minimal + "\ntasks: []\n", line: 9, field: "tasks", contains: ["no tasks"])
        assertError(
            DefinitionFixtures.minimal + "\nparticipants_per_task: 9223372036854775807\n", line: 9,
            field: "participants_per_task", contains: ["participants_per_task is 9223372036854775807", "use 1 to 20000"])
        assertError(
            DefinitionFixtures.minimal.replacingOccurrences(of: "hr_size: 32", with: "hr_size: 100000000000"),
            line: 2, field: "hr_size", contains: ["above 8192 pixels"])
        assertError(
            DefinitionFixtures.minimal + "\ntasks:\n  - {id: a, show_input: true, question: Q}\n  - {id: a, show_input: false, question: Q}\n",
            line: 11, field: "tasks[1].id", contains: ["also used"])
        assertError(
            DefinitionFixtures.minimal + "\nexclusions:\n  min_catch_accuracy: 2\n", line: 10,
            field: "exclusions.min_catch_accuracy", contains: ["between 0 and 1"])
    }

    func testEmptyAndNonMappingFiles() {
        assertError("", line: nil, field: nil, contains: ["empty"])
        assertError("- a\n- b\n", line: 1, field: nil, contains: ["mapping"])
    }
}
