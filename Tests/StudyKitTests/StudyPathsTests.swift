import Foundation
import StudyFiles
import StudyKit
import XCTest

/// Every command resolves its study argument the same way, so `serve` and `report` with no arguments meet on
/// the default study's database.
final class StudyPathsTests: XCTestCase {
    func testNoArgumentIsTheDefaultStudyAndItsDatabase() {
        let root = URL(fileURLWithPath: "/tmp/project")
        for argument in [nil, ""] as [String?] {
            let paths = StudyPaths(argument: argument, root: root)
            XCTAssertEqual(paths.folder.path, "/tmp/project/studies/faces16to128")
            XCTAssertEqual(paths.defaultDatabase.path, "/tmp/project/studies/faces16to128/responses.sqlite")
            XCTAssertEqual(paths.manifestFile.path, "/tmp/project/studies/faces16to128/build/manifest.json")
        }
        XCTAssertEqual(StudyPaths(argument: "natural16to128", root: root).folder.path, "/tmp/project/studies/natural16to128")
    }

    func testAFolderADefinitionFileOrABuildFolderNameTheSameStudy() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("studypaths-\(UUID().uuidString)")
        let study = root.appendingPathComponent("labs/mine")
        try FileManager.default.createDirectory(at: study.appendingPathComponent("build"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try Data("name: mine\n".utf8).write(to: study.appendingPathComponent("study.yaml"))
        try Data("{}".utf8).write(to: study.appendingPathComponent("build/manifest.json"))

        let expected = study.standardizedFileURL.path
        for argument in ["labs/mine", "labs/mine/study.yaml", "labs/mine/build", study.path] {
            XCTAssertEqual(StudyPaths(argument: argument, root: root).folder.path, expected, argument)
        }
        // A path that does not exist yet is taken as a folder, so the error can name the study.yaml it lacks.
        XCTAssertEqual(
            StudyPaths(argument: "labs/other", root: root).definitionFile.path,
            root.appendingPathComponent("labs/other/study.yaml").standardizedFileURL.path)
    }
}
