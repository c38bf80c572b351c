import Foundation
import Imaging
import StudyBuilder
import StudyKit
import XCTest

/// Nothing a participant can see (a stimulus's URL, name, name length or metadata) says which image is the model's.
final class StimulusPrivacyTests: XCTestCase {
    func testStimulusNamesAreContentHashesAndCarryNoMetadata() throws {
        let study = try TestStudy(
            images: 3, width: 32, height: 32,
            yaml: TestStudy.smallYAML(
                models: """
                      - id: bicubic
                        kind: bicubic
                      - id: copycat_model
                        kind: external
                        folder: copycat
                    """))
        defer { study.remove() }
        // The external "model" outputs exactly the bicubic images: same pixels must give the same name.
        let copycat = study.folder.appendingPathComponent("copycat")
        try FileManager.default.createDirectory(at: copycat, withIntermediateDirectories: true)
        for index in 0..<3 {
            let source = try PNG.read(study.imagesFolder.appendingPathComponent("img\(index).png"))
            try PNG.write(source.downsampledLR(to: 8).bicubicUpsampled(to: 32), to: copycat.appendingPathComponent("img\(index).png"))
        }
        let manifest = try study.build().manifest

        var refs = manifest.images.flatMap { [$0.hr, $0.lr, $0.catchFoil] } + manifest.outputs.map(\.stimulus)
        refs.append(contentsOf: manifest.outputs.map(\.stimulus))
        var chunkLayouts: Set<[String]> = []
        for ref in refs {
            XCTAssertTrue(ref.file.hasPrefix("stimuli/"), ref.file)
            XCTAssertEqual(ref.file, "stimuli/\(ref.sha256).png")
            XCTAssertEqual(ref.sha256.count, 64)
            XCTAssertTrue(ref.sha256.allSatisfy { $0.isHexDigit && !$0.isUppercase }, ref.sha256)
            let data = try Data(contentsOf: study.paths.buildFolder.appendingPathComponent(ref.file))
            XCTAssertEqual(ContentHash.sha256Hex(data), ref.sha256)
            let chunks = TestImages.chunkTypes(data)
            for forbidden in ["tEXt", "zTXt", "iTXt", "tIME", "eXIf"] { XCTAssertFalse(chunks.contains(forbidden), "\(ref.file): \(chunks)") }
            // Chunk layout is the same for every stimulus (ignoring how many IDAT chunks the data needs).
            chunkLayouts.insert(chunks.reduce(into: []) { if $0.last != $1 { $0.append($1) } })
            for word in ["bicubic", "copycat", "img0", "model"] { XCTAssertNil(data.range(of: Data(word.utf8)), "\(ref.file) contains \(word)") }
        }
        XCTAssertEqual(chunkLayouts.count, 1, "\(chunkLayouts)")
        for image in manifest.images {
            XCTAssertEqual(
                manifest.output(image: image.id, model: "bicubic")?.stimulus,
                manifest.output(image: image.id, model: "copycat_model")?.stimulus)
        }
        // Exactly the referenced files are in stimuli/, named by hash only.
        let files = try FileManager.default.contentsOfDirectory(atPath: study.paths.buildFolder.appendingPathComponent("stimuli").path)
        XCTAssertEqual(Set(files.map { "stimuli/\($0)" }), Set(refs.map(\.file)))
        XCTAssertEqual(Set(files.map(\.count)), [68])

        // A stimulus reference serialises to its file and hash only.
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(refs[0])) as? [String: Any]
        XCTAssertEqual(Set(json?.keys.map { $0 } ?? []), ["file", "sha256"])
    }

    func testInspectReportShowsModelsMetricsAndBalance() throws {
        let study = try TestStudy(
            images: 4, width: 32, height: 32,
            yaml: TestStudy.smallYAML(
                models: """
                      - id: bicubic
                        kind: bicubic
                    """))
        defer { study.remove() }
        let manifest = try study.build().manifest
        let text = InspectReport.text(manifest, sequences: 1)
        for fragment in [
            "models:", "bicubic", "PSNR", "task1", "task2", "views per (image, model) cell: min 2, max 2",
            "max |left - right| 0 (main)", "task1-000: P(", "sequences repeating a main image: 0",
        ] {
            XCTAssertTrue(text.contains(fragment), "missing \"\(fragment)\" in:\n\(text)")
        }
    }
}
