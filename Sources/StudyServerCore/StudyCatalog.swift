import Foundation
import Hummingbird
import StudyKit

/// What the server needs from a built study, prepared once at start: each sequence's trials as the
/// browser sees them, and the bytes of every stimulus it may serve.
struct StudyCatalog: Sendable {
    struct Sequence: Sendable {
        var id: String
        var task: String
        var trials: [TrialPayload]
    }

    let manifest: Manifest
    let sequences: [String: Sequence]
    /// Stimulus bytes by sha256 hex; only stimuli the design shows are here.
    let stimuli: [String: ByteBuffer]

    enum LoadError: Error, CustomStringConvertible {
        case inconsistent(String)
        case missingStimulus(URL)
        case emptyDesign(URL)

        var description: String {
            switch self {
            case .inconsistent(let why): return "the manifest is inconsistent (\(why)); rebuild the study with `studygen build`"
            case .missingStimulus(let url): return "stimulus \(url.path) is missing; rebuild the study with `studygen build`"
            case .emptyDesign(let url): return "the design in \(url.path) has no sequences; check participants_per_task and rebuild"
            }
        }
    }

    init(manifest: Manifest, buildFolder: URL) throws {
        self.manifest = manifest
        if manifest.design.sequences.isEmpty {
            throw LoadError.emptyDesign(buildFolder.appendingPathComponent(StudyPaths.manifestFileName))
        }
        var images: [String: ManifestImage] = [:]
        for image in manifest.images { images[image.id] = image }
        var outputs: [String: StimulusRef] = [:]
        for output in manifest.outputs { outputs[output.image + "\u{0}" + output.model] = output.stimulus }

        var shown: [String: StimulusRef] = [:]
        var sequences: [String: Sequence] = [:]
        for sequence in manifest.design.sequences {
            guard let task = manifest.task(sequence.task) else {
                throw LoadError.inconsistent("sequence \(sequence.id) has unknown task \(sequence.task)")
            }
            var trials: [TrialPayload] = []
            for (index, trial) in sequence.trials.enumerated() {
                guard let image = images[trial.image] else {
                    throw LoadError.inconsistent("sequence \(sequence.id) trial \(index) has unknown image \(trial.image)")
                }
                let other: StimulusRef
                if trial.model != DesignTrial.catchFoilModel {
                    guard let output = outputs[trial.image + "\u{0}" + trial.model] else {
                        throw LoadError.inconsistent("sequence \(sequence.id) trial \(index) has no output for its image and model")
                    }
                    other = output
                } else {
                    other = image.catchFoil
                }
                let (left, right) = trial.modelSide == .left ? (other, image.hr) : (image.hr, other)
                let input = task.showInput ? try Self.input(image, outputs: outputs, manifest: manifest) : nil
                for ref in [left, right] + (input.map { [$0] } ?? []) { shown[ref.sha256] = ref }
                trials.append(TrialPayload(
                    index: index, practice: trial.kind == .practice,
                    left: Self.url(left), right: Self.url(right), input: input.map(Self.url),
                    correct: trial.kind == .practice ? trial.modelSide.other.rawValue : nil))
            }
            sequences[sequence.id] = Sequence(id: sequence.id, task: sequence.task, trials: trials)
        }
        self.sequences = sequences

        var stimuli: [String: ByteBuffer] = [:]
        for (hash, ref) in shown {
            guard StaticFiles.isStimulusName(hash + ".png") else {
                throw LoadError.inconsistent("stimulus \(ref.file) is not named by a sha256")
            }
            let url = buildFolder.appendingPathComponent("stimuli").appendingPathComponent(hash + ".png")
            guard let data = FileManager.default.contents(atPath: url.path) else { throw LoadError.missingStimulus(url) }
            stimuli[hash] = ByteBuffer(bytes: data)
        }
        self.stimuli = stimuli
    }

    /// The Task-1 input as the study declares it: the LR image (drawn pixelated), or the bicubic model's upsample.
    static func input(_ image: ManifestImage, outputs: [String: StimulusRef], manifest: Manifest) throws -> StimulusRef {
        guard manifest.definition.display.input == .bicubic else { return image.lr }
        guard let bicubic = manifest.models.first(where: { $0.kind == .bicubic && $0.available }),
              let upsample = outputs[image.id + "\u{0}" + bicubic.id] else {
            throw LoadError.inconsistent("display.input is bicubic but image \(image.id) has no bicubic output")
        }
        return upsample
    }

    static func url(_ ref: StimulusRef) -> String { "/stimuli/\(ref.sha256).png" }
}
