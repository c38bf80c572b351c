import Foundation
import StudyFiles
import StudyKit
import XCTest

final class DefinitionLoadingTests: XCTestCase {
    func testShippedStudiesLoad() throws {
        for name in ["faces16to128", "natural16to128"] {
            let paths = StudyPaths(name: name, root: DefinitionFixtures.repositoryRoot)
            let file = try StudyDefinitionFile.load(paths)
            XCTAssertEqual(file.definition.name, name)
            XCTAssertEqual(file.definition.hrSize, 128)
            XCTAssertEqual(file.definition.lrSize, 16)
            XCTAssertEqual(file.definition.exposureMs, 3000)
            XCTAssertEqual(file.definition.tasks.map(\.id), ["task1", "task2"])
            XCTAssertEqual(file.definition.models.map(\.kind), [.sr3, .sr3, .regression, .bicubic])
            XCTAssertEqual(file.definition.displayScale, 2)
            XCTAssertEqual(file.definition.display.input, .pixelated)
            XCTAssertEqual(file.definition.practiceModel, "bicubic")
            XCTAssertEqual(file.sha256.count, 64)
            XCTAssertEqual(file.resolve(file.definition.images.folder).lastPathComponent, name == "faces16to128" ? "faces128" : "natural128")
            XCTAssertEqual(file.line(of: "models[1].projection"), file.line(of: "models[1].id").map { $0 + 6 })
        }
    }

    func testMinimalDefinitionTakesThePapersDefaults() throws {
        let file = try DefinitionFixtures.parse(DefinitionFixtures.minimal)
        let d = file.definition
        XCTAssertEqual(d.title, "tiny")
        XCTAssertEqual(d.tasks, TaskSpec.paperTasks)
        XCTAssertEqual(d.exposureMs, 3000)
        XCTAssertEqual(d.imagesPerParticipant, 50)
        XCTAssertEqual(d.practiceTrials, 3)
        XCTAssertEqual(d.catchRate, 0.1)
        XCTAssertEqual(d.display, DisplaySpec())
        XCTAssertEqual(d.exclusions, ExclusionRules())
        XCTAssertEqual(d.catchTrialsPerSequence, 5)
        let sr3 = ModelSpec(id: "x", kind: .sr3, checkpoint: "c")
        XCTAssertEqual(sr3.samplerOrDefault, .ddpm)
        XCTAssertEqual(sr3.stepsOrDefault, 100)
        XCTAssertFalse(sr3.projectionOrDefault)
        XCTAssertEqual(sr3.effectiveSeed(in: d), d.seed)
    }

    func testRelativePathsResolveAgainstTheDefinitionsFolder() throws {
        let folder = try DefinitionFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("study.yaml")
        try Data(DefinitionFixtures.minimal.utf8).write(to: url)
        let file = try StudyDefinitionFile.load(url)
        XCTAssertEqual(file.resolve("images").path, folder.appendingPathComponent("images").standardizedFileURL.path)
        XCTAssertEqual(file.resolve("/abs/x").path, "/abs/x")
    }

    func testMissingFileNamesThePath() {
        let url = URL(fileURLWithPath: "/nonexistent/study.yaml")
        XCTAssertThrowsError(try StudyDefinitionFile.load(url)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("/nonexistent/study.yaml"), message)
            XCTAssertTrue(message.contains("fix:"), message)
        }
    }
}
