import ArgumentParser
import Foundation
import StudyFiles
import StudyKit
import StudyStats
import StudyStore

/// `--study` and `--db`, shared by every command that reads a study's answers.
struct StudyDataOptions: ParsableArguments {
    @Option(help: "Study name, study folder or build folder (default: \(StudyPaths.defaultStudy)).")
    var study: String?

    @Option(help: "Database file (default: responses.sqlite in the study folder).")
    var db: String?

    struct Loaded {
        var paths: StudyPaths
        var manifest: Manifest
        var databasePath: String
        var trials: [AnsweredTrial]
    }

    var paths: StudyPaths { StudyPaths(argument: study) }

    var databasePath: String { db ?? paths.defaultDatabase.path }

    func loadManifest() throws -> Manifest {
        do { return try Manifest.load(buildFolder: paths.buildFolder) } catch { throw ServerCommandError("\(error)") }
    }

    /// The manifest and every answered trial; errors name the file and the fix.
    func load() async throws -> Loaded {
        let paths = self.paths
        let manifest = try loadManifest()
        let path = databasePath
        do {
            let database = try StudyDatabase(path: path, mustExist: true)
            return Loaded(
                paths: paths, manifest: manifest, databasePath: path,
                trials: try await database.answeredTrials(manifest: manifest))
        } catch {
            throw ServerCommandError("\(error)")
        }
    }
}
