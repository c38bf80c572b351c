import Foundation
import Imaging
import StudyBuilder
import StudyKit
import XCTest

/// Each bad input fails `check` and `build` with one message that names the file (and field/line) and the fix,
/// and a failed build leaves the previous build as it was.
final class BadInputTests: XCTestCase {
    private static let bicubic = """
          - id: bicubic
            kind: bicubic
        """

    /// Builds a good 3-image study, applies `breakIt`, then expects `check` and `build` to fail alike.
    private func assertFails(
        models: String = bicubic, extra: String = "", yaml: String? = nil,
        file expectedFile: String, field: String? = nil, line: Int? = nil, contains fragments: [String],
        breakIt: (TestStudy) throws -> Void = { _ in },
        sourceFile: StaticString = #filePath, sourceLine: UInt = #line
    ) throws {
        let study = try TestStudy(images: 3, width: 128, height: 128, yaml: TestStudy.smallYAML(models: Self.bicubic))
        defer { study.remove() }
        let good = try study.build()
        try study.write(yaml ?? TestStudy.smallYAML(models: models, extra: extra))
        try breakIt(study)

        var checkError: StudyError?
        XCTAssertThrowsError(try StudyCheck.check(study.paths), file: sourceFile, line: sourceLine) { checkError = $0 as? StudyError }
        var buildError: StudyError?
        XCTAssertThrowsError(try study.build(), file: sourceFile, line: sourceLine) { buildError = $0 as? StudyError }
        guard let error = buildError else { return XCTFail("not a StudyError", file: sourceFile, line: sourceLine) }
        XCTAssertEqual(checkError, error, file: sourceFile, line: sourceLine)
        XCTAssertEqual(error.file.lastPathComponent, expectedFile, "\(error)", file: sourceFile, line: sourceLine)
        if let field { XCTAssertEqual(error.field, field, "\(error)", file: sourceFile, line: sourceLine) }
        if let line { XCTAssertEqual(error.line, line, "\(error)", file: sourceFile, line: sourceLine) }
        XCTAssertFalse(error.fix.isEmpty, file: sourceFile, line: sourceLine)
        let message = error.description
        XCTAssertTrue(message.contains(expectedFile), message, file: sourceFile, line: sourceLine)
        for fragment in fragments {
            XCTAssertTrue(message.contains(fragment), "missing \"\(fragment)\" in: \(message)", file: sourceFile, line: sourceLine)
        }
        // The previous build is intact and no temporary folder is left behind.
        XCTAssertEqual(try study.manifest(), good.manifest, file: sourceFile, line: sourceLine)
        XCTAssertEqual(try study.temporaryBuildFolders(), [], file: sourceFile, line: sourceLine)
    }

    func testMissingImageFolder() throws {
        try assertFails(file: "study.yaml", field: "images.folder", line: 6, contains: ["does not exist", "relative to study.yaml"]) {
            try FileManager.default.removeItem(at: $0.imagesFolder)
        }
    }

    func testUnreadableAndNonRGBImages() throws {
        try assertFails(file: "img1.png", contains: ["not a PNG"]) {
            try Data("not an image".utf8).write(to: $0.imagesFolder.appendingPathComponent("img1.png"))
        }
        try assertFails(file: "img2.png", contains: ["corrupt", "re-export"]) {
            let url = $0.imagesFolder.appendingPathComponent("img2.png")
            try Data(try Data(contentsOf: url).prefix(60)).write(to: url)
        }
        try assertFails(file: "img0.png", contains: ["grayscale", "RGB"]) {
            try TestImages.grayscalePNG(width: 40, height: 40).write(to: $0.imagesFolder.appendingPathComponent("img0.png"))
        }
        try assertFails(file: "photo.jpg", contains: ["must be PNG", "convert"]) {
            try Data([0xFF, 0xD8, 0xFF]).write(to: $0.imagesFolder.appendingPathComponent("photo.jpg"))
        }
    }

    func testImageSmallerThanHRSize() throws {
        try assertFails(file: "img1.png", contains: ["20x20", "smaller than hr_size 32"]) {
            try PNG.write(TestImages.random(width: 20, height: 20, seed: 9), to: $0.imagesFolder.appendingPathComponent("img1.png"))
        }
    }

    func testExternalFolderMissingAnImageOrWronglySized() throws {
        let external =
            Self.bicubic + """

                  - id: theirs
                    kind: external
                    folder: theirs
                """
        try assertFails(models: external, file: "study.yaml", field: "models[1].folder", contains: ["does not exist"])
        try assertFails(models: external, file: "study.yaml", field: "models[1].folder", contains: ["lacks outputs for 1 of 3", "img2.png"]) {
            study in
            let folder = study.folder.appendingPathComponent("theirs")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for index in 0..<2 {
                try PNG.write(TestImages.random(width: 32, height: 32, seed: 5), to: folder.appendingPathComponent("img\(index).png"))
            }
        }
        try assertFails(models: external, file: "img0.png", contains: ["theirs", "16x16", "hr_size is 32"]) { study in
            let folder = study.folder.appendingPathComponent("theirs")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for index in 0..<3 {
                try PNG.write(TestImages.random(width: 16, height: 16, seed: 5), to: folder.appendingPathComponent("img\(index).png"))
            }
        }
    }

    func testDefinitionErrors() throws {
        try assertFails(
            models: "  - id: x\n    kind: sr4", file: "study.yaml", field: "models[0].kind", line: 13,
            contains: ["sr4", "bicubic, regression, sr3, external"])
        try assertFails(yaml: "name: x\nhr_size: [32\n", file: "study.yaml", contains: ["malformed YAML"])
        try assertFails(models: Self.bicubic + "\n" + Self.bicubic, file: "study.yaml", field: "models[1].id", contains: ["also used by models[0]"])
        try assertFails(
            yaml: TestStudy.smallYAML(models: Self.bicubic).replacingOccurrences(of: "images_per_participant: 2", with: "images_per_participant: 5"),
            file: "study.yaml", field: "images_per_participant", line: 7, contains: ["has 3 source images", "at most 3"])
    }

    func testCheckpointsThatDoNotFit() throws {
        // The tiny checkpoints are 16 -> 128; this study is 8 -> 32.
        try assertFails(
            models: "  - id: sr3\n    kind: sr3\n    checkpoint: \(TestStudy.sr3Checkpoint)", file: "study.yaml",
            field: "models[0].checkpoint", contains: ["16x16 -> 128x128", "lr_size 8, hr_size 32"])
        try assertFails(
            models: "  - id: sr3\n    kind: sr3\n    checkpoint: missing.safetensors", file: "study.yaml",
            field: "models[0].checkpoint", contains: ["missing.safetensors", "does not exist"])
        try assertFails(
            models: "  - id: sr3\n    kind: sr3\n    checkpoint: truncated.safetensors", file: "truncated.safetensors",
            contains: ["cannot be loaded"]
        ) { study in
            let bytes = try Data(contentsOf: URL(fileURLWithPath: TestStudy.sr3Checkpoint)).prefix(5000)
            try Data(bytes).write(to: study.folder.appendingPathComponent("truncated.safetensors"))
        }
        let sizes = TestStudy.smallYAML(models: "  - id: sr3\n    kind: sr3\n    checkpoint: \(TestStudy.regressionCheckpoint)")
            .replacingOccurrences(of: "hr_size: 32", with: "hr_size: 128").replacingOccurrences(of: "lr_size: 8", with: "lr_size: 16")
        try assertFails(yaml: sizes, file: "study.yaml", field: "models[0].kind", contains: ["regression checkpoint", "kind: regression"])
    }
}
