import Foundation
import StudyFiles
import StudyKit

/// Everything a study is built from, read and checked: the definition, the prepared images and the
/// resolved models. `studygen check` stops here; `studygen build` goes on to run the models.
public struct StudyInputs: Sendable {
    public var paths: StudyPaths
    public var file: StudyDefinitionFile
    public var images: [PreparedImage]
    public var models: [ResolvedModel]
    /// The design's numbers if every model turns out available.
    public var plan: DesignPlan

    public var definition: StudyDefinition { file.definition }

    /// Throws the first problem found as one `StudyError`.
    public static func load(_ paths: StudyPaths) throws -> StudyInputs {
        var hashes: FileHashCache?
        return try load(paths, hashes: &hashes)
    }

    static func load(_ paths: StudyPaths, hashes: inout FileHashCache?) throws -> StudyInputs {
        let file = try StudyDefinitionFile.load(paths.definitionFile)
        let sources = try SourceImageScanner.scan(file)
        let images = try sources.map { try PreparedImage.prepare($0, definition: file.definition) }
        let models = try ModelResolver.resolve(file, images: sources, hashes: &hashes)
        let plan = try designPlan(file, imageCount: images.count, modelCount: models.count)
        return StudyInputs(paths: paths, file: file, images: images, models: models, plan: plan)
    }

    static func designPlan(_ file: StudyDefinitionFile, imageCount: Int, modelCount: Int) throws -> DesignPlan {
        do { return try DesignPlan(definition: file.definition, imageCount: imageCount, modelCount: modelCount) } catch let error as DesignError {
            throw file.error(field: error.field, problem: error.problem, fix: error.fix)
        }
    }
}
