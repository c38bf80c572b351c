import Foundation
import StudyFiles
import StudyKit

/// Writes study definitions into a fresh temporary folder and loads them.
enum DefinitionFixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let minimal = """
        name: tiny
        hr_size: 32
        lr_size: 8
        images:
          folder: images
        models:
          - id: bicubic
            kind: bicubic
        """

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("studykit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Parses `yaml` as if it were `study.yaml` in a temporary folder.
    static func parse(_ yaml: String) throws -> StudyDefinitionFile {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("study.yaml")
        try Data(yaml.utf8).write(to: url)
        return try StudyDefinitionFile.load(url)
    }

    /// The `StudyError` parsing `yaml` throws (nil when it parses).
    static func error(_ yaml: String) -> StudyError? {
        do {
            _ = try parse(yaml)
            return nil
        } catch let error as StudyError { return error } catch {
            return StudyError(file: URL(fileURLWithPath: "/"), problem: "unexpected error type \(type(of: error)): \(error)", fix: "")
        }
    }

    /// A definition built in code, for the design tests.
    static func definition(
        images: Int, models: Int, perParticipant: Int, participants: Int,
        practice: Int = 3, catchRate: Double = 0.1, tasks: Int = 2
    ) throws -> StudyDefinition {
        var yaml = """
            name: generated
            seed: 1
            hr_size: 32
            lr_size: 8
            images:
              folder: images
            images_per_participant: \(perParticipant)
            participants_per_task: \(participants)
            practice_trials: \(practice)
            catch_rate: \(catchRate)
            models:

            """
        for index in 0..<models { yaml += "  - {id: m\(index), kind: bicubic}\n" }
        yaml += "tasks:\n"
        for index in 0..<tasks { yaml += "  - {id: task\(index + 1), show_input: \(index == 0), question: Which?}\n" }
        return try parse(yaml).definition
    }
}
