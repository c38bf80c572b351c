import Foundation
import SeededRandom
import StudyKit

/// Answered trials of a simulated study in the paper's design, for benchmarks and tests: in each task,
/// every participant sees `imagesPerParticipant` of the images (rotating, so each image is seen equally
/// often) once per model, plus practice and catch trials; answers follow the logit model of
/// `SimulationSetting` with a per-model population fool rate.
public struct SyntheticStudy: Sendable {
    public var tasks: [String]
    /// Model id and its population fool rate.
    public var models: [(id: String, foolRate: Double)]
    public var participantsPerTask: Int
    public var images: Int
    public var imagesPerParticipant: Int
    public var sdParticipant: Double
    public var sdImage: Double
    public var practiceTrials: Int
    public var catchTrials: Int
    /// Probability of answering a catch trial correctly.
    public var catchAccuracy: Double

    public init(
        tasks: [String] = ["task1", "task2"],
        models: [(id: String, foolRate: Double)] = [("sr3", 0.45), ("sr3_projected", 0.4), ("regression", 0.2), ("bicubic", 0.1)],
        participantsPerTask: Int = 50, images: Int = 100, imagesPerParticipant: Int = 50,
        sdParticipant: Double = 0.5, sdImage: Double = 1.0, practiceTrials: Int = 3, catchTrials: Int = 20,
        catchAccuracy: Double = 0.95
    ) {
        self.tasks = tasks
        self.models = models
        self.participantsPerTask = participantsPerTask
        self.images = images
        self.imagesPerParticipant = imagesPerParticipant
        self.sdParticipant = sdParticipant
        self.sdImage = sdImage
        self.practiceTrials = practiceTrials
        self.catchTrials = catchTrials
        self.catchAccuracy = catchAccuracy
    }

    public static func imageID(_ index: Int) -> String { String(format: "img%03d", index) }

    public func trials(seed: UInt64) -> [AnsweredTrial] {
        var rng = SeededGenerator(seed: seed)
        let sd = (sdParticipant * sdParticipant + sdImage * sdImage).squareRoot()
        let intercepts = models.map { MarginalFoolRate.intercept(forMean: $0.foolRate, sd: sd) }
        let m = min(imagesPerParticipant, images)
        var out: [AnsweredTrial] = []
        for task in tasks {
            let imageEffect = (0..<images).map { _ in sdImage * rng.standardNormal() }
            for p in 0..<participantsPerTask {
                let participant = String(format: "%@-p%03d", task, p)
                let session = participant + "-s"
                let sequence = String(format: "%@-%03d", task, p)
                let participantEffect = sdParticipant * rng.standardNormal()
                var index = 0
                func add(_ kind: TrialKind, image: Int, model: String, fooledProbability: Double) {
                    let side: Side = rng.stableIndex(below: 2) == 0 ? .left : .right
                    let fooled = rng.unitInterval() < fooledProbability
                    out.append(
                        AnsweredTrial(
                            participant: participant, session: session, sequence: sequence, task: task, trialIndex: index,
                            kind: kind, image: SyntheticStudy.imageID(image), model: model, modelSide: side,
                            choice: fooled ? side : side.other, responseMs: 400 + 800 * rng.unitInterval(),
                            exposureMs: 3000, frames: 180))
                    index += 1
                }
                for k in 0..<practiceTrials {
                    add(.practice, image: k % images, model: DesignTrial.catchFoilModel, fooledProbability: 0.05)
                }
                for k in 0..<m {
                    let image = (p * m + k) % images
                    for (modelIndex, model) in models.enumerated() {
                        add(
                            .main, image: image, model: model.id,
                            fooledProbability: Logistic.value(intercepts[modelIndex] + participantEffect + imageEffect[image]))
                    }
                }
                for k in 0..<catchTrials {
                    add(.catch, image: (p + k) % images, model: DesignTrial.catchFoilModel, fooledProbability: 1 - catchAccuracy)
                }
            }
        }
        return out
    }
}

extension SyntheticStudy {
    /// A manifest matching `trials(seed:)`: the study's models and images, default exclusions and analysis.
    public func manifest(name: String = "synthetic") throws -> Manifest {
        struct Minimal: Encodable {
            struct Images: Encodable { var folder: String }
            struct Model: Encodable {
                var id: String
                var kind: String
            }
            struct Task: Encodable {
                var id: String
                var show_input: Bool
                var question: String
            }
            var name: String
            var hr_size = 128
            var lr_size = 16
            var images = Images(folder: "images")
            var models: [Model]
            var tasks: [Task]
            var images_per_participant: Int
            var participants_per_task: Int
        }
        let minimal = Minimal(
            name: name, models: models.map { Minimal.Model(id: $0.id, kind: "external") },
            tasks: tasks.map { Minimal.Task(id: $0, show_input: $0 != "task2", question: $0) },
            images_per_participant: imagesPerParticipant, participants_per_task: participantsPerTask)
        let definition = try JSONDecoder().decode(StudyDefinition.self, from: JSONEncoder().encode(minimal))
        let imageIDs = (0..<images).map(SyntheticStudy.imageID)
        func ref(_ name: String) -> StimulusRef { StimulusRef(file: "stimuli/\(name).png", sha256: name) }
        return Manifest(
            definition: definition, definitionSHA256: "synthetic", builtAt: "1970-01-01T00:00:00Z",
            images: imageIDs.map {
                ManifestImage(
                    id: $0, source: "\($0).png", sourceSHA256: $0, hr: ref("hr-\($0)"),
                    lr: ref("lr-\($0)"), catchFoil: ref("foil-\($0)"))
            },
            models: models.map { ManifestModel(id: $0.id, kind: .external, label: $0.id, available: true) },
            outputs: models.flatMap { model in
                imageIDs.map { ManifestOutput(image: $0, model: model.id, stimulus: ref("\(model.id)-\($0)")) }
            },
            metrics: [], design: TrialDesign(sequences: []))
    }
}
