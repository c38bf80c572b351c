import Foundation
import Hummingbird
import Imaging
import StudyFiles
import StudyKit

/// What the server needs from a built study, prepared once at start: each sequence's trials with the
/// stimulus behind each image slot, and the bytes of every stimulus it may serve, re-encoded as canonical
/// PNGs (`CanonicalPNG`): every stimulus of one size has the same length, chunks and deflate blocks, so
/// only the decoded pixels differ. The two sides of every trial have one size; the Task-1 input has its own.
struct StudyCatalog: Sendable {
    /// Where an image of a trial is drawn.
    enum Slot: String, Sendable, CaseIterable { case left, right, input }

    struct Trial: Sendable {
        var index: Int
        var practice: Bool
        /// sha256 of the stimulus in each slot the trial shows.
        var stimuli: [Slot: String]
        var correct: String?
    }

    struct Sequence: Sendable {
        var id: String
        var task: String
        var trials: [Trial]
    }

    let manifest: Manifest
    let sequences: [String: Sequence]
    /// Canonical stimulus bytes by the built file's sha256 hex; only stimuli the design shows are here.
    let stimuli: [String: ByteBuffer]

    enum LoadError: Error, CustomStringConvertible {
        case inconsistent(String)
        case missingStimulus(URL)
        case emptyDesign(URL)
        case notPNG(URL, String)
        case sizes([String])

        var description: String {
            switch self {
            case .inconsistent(let why): return "the manifest is inconsistent (\(why)); rebuild the study with `studygen build`"
            case .missingStimulus(let url): return "stimulus \(url.path) is missing; rebuild the study with `studygen build`"
            case .emptyDesign(let url): return "the design in \(url.path) has no sequences; check participants_per_task and rebuild"
            case .notPNG(let url, let why): return "stimulus \(url.path) is not a readable RGB PNG (\(why)); rebuild the study with `studygen build`"
            case .sizes(let sizes):
                return "the images shown side by side have different sizes (\(sizes.joined(separator: ", "))), which would tell them apart; "
                    + "rebuild the study with `studygen build`"
            }
        }
    }

    init(manifest: Manifest, buildFolder: URL) throws {
        self.manifest = manifest
        if manifest.design.sequences.isEmpty {
            throw LoadError.emptyDesign(buildFolder.appendingPathComponent(StudyPaths.manifestFileName))
        }
        let lookup = ManifestLookup(manifest)

        var shown: [String: StimulusRef] = [:]
        var sequences: [String: Sequence] = [:]
        for sequence in manifest.design.sequences {
            guard let task = manifest.task(sequence.task) else {
                throw LoadError.inconsistent("sequence \(sequence.id) has unknown task \(sequence.task)")
            }
            var trials: [Trial] = []
            for (index, trial) in sequence.trials.enumerated() {
                guard let image = lookup.image(trial.image) else {
                    throw LoadError.inconsistent("sequence \(sequence.id) trial \(index) has unknown image \(trial.image)")
                }
                guard let other = lookup.shownAgainstTruth(image: trial.image, model: trial.model) else {
                    throw LoadError.inconsistent("sequence \(sequence.id) trial \(index) has no output for its image and model")
                }
                let (left, right) = trial.modelSide == .left ? (other, image.hr) : (image.hr, other)
                var slots: [Slot: StimulusRef] = [.left: left, .right: right]
                if task.showInput {
                    guard let input = lookup.taskInput(image: image.id) else {
                        throw LoadError.inconsistent("display.input is bicubic but image \(image.id) has no bicubic output")
                    }
                    slots[.input] = input
                }
                for ref in slots.values { shown[ref.sha256] = ref }
                trials.append(
                    Trial(
                        index: index, practice: trial.kind == .practice, stimuli: slots.mapValues(\.sha256),
                        correct: trial.kind == .practice ? trial.modelSide.other.rawValue : nil))
            }
            sequences[sequence.id] = Sequence(id: sequence.id, task: sequence.task, trials: trials)
        }
        self.sequences = sequences

        var stimuli: [String: ByteBuffer] = [:]
        var sizes: [String: String] = [:]
        for (hash, ref) in shown {
            guard Self.isSHA256(hash) else { throw LoadError.inconsistent("stimulus \(ref.file) is not named by a sha256") }
            let url = buildFolder.appendingPathComponent("stimuli").appendingPathComponent(hash + ".png")
            guard let data = FileManager.default.contents(atPath: url.path) else { throw LoadError.missingStimulus(url) }
            let image: RGBImage
            do {
                image = try PNG.decode(data, name: url.lastPathComponent)
            } catch {
                throw LoadError.notPNG(url, "\(error)")
            }
            stimuli[hash] = ByteBuffer(bytes: CanonicalPNG.encode(image))
            sizes[hash] = "\(image.width)x\(image.height)"
        }
        let sides = sequences.values.flatMap { $0.trials.flatMap { [$0.stimuli[.left], $0.stimuli[.right]] } }
        let sideSizes = Set(sides.compactMap { $0.flatMap { sizes[$0] } })
        if sideSizes.count > 1 { throw LoadError.sizes(sideSizes.sorted()) }
        self.stimuli = stimuli
    }

    /// The trials as one session's browser sees them: each image by a URL made from the session's stimulus
    /// key, the trial and the slot, so no URL is shared between sessions or says which image is which.
    func payloadTrials(sequence: String, stimulusKey: String) -> [TrialPayload]? {
        sequences[sequence].map { sequence in
            sequence.trials.map { trial in
                TrialPayload(
                    index: trial.index, practice: trial.practice,
                    left: Self.url(key: stimulusKey, index: trial.index, slot: .left),
                    right: Self.url(key: stimulusKey, index: trial.index, slot: .right),
                    input: trial.stimuli[.input] == nil ? nil : Self.url(key: stimulusKey, index: trial.index, slot: .input),
                    correct: trial.correct)
            }
        }
    }

    /// The canonical bytes shown in `slot` of trial `index` of `sequence`, if it has that trial and slot.
    func stimulus(sequence: String, index: Int, slot: Slot) -> ByteBuffer? {
        guard let trials = sequences[sequence]?.trials, trials.indices.contains(index),
            let hash = trials[index].stimuli[slot]
        else { return nil }
        return stimuli[hash]
    }

    static func url(key: String, index: Int, slot: Slot) -> String { "/stimuli/\(key)/\(index)-\(slot.rawValue).png" }

    static func isSHA256(_ value: String) -> Bool {
        value.utf8.count == 64 && value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
