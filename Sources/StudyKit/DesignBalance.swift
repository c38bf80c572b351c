/// The balance properties of a design, per task: what `studygen inspect` prints and what the tests assert.
public struct DesignBalance: Sendable, Equatable {
    public struct Range: Sendable, Equatable, CustomStringConvertible {
        public var min: Int
        public var max: Int
        public var description: String { min == max ? "\(min)" : "\(min)-\(max)" }

        public init(min: Int, max: Int) {
            self.min = min
            self.max = max
        }
        init(_ values: [Int]) { self.init(min: values.min() ?? 0, max: values.max() ?? 0) }
    }

    public struct TaskBalance: Sendable, Equatable {
        public var task: String
        public var sequences: Int
        public var trialsPerSequence: Range
        public var mainPerSequence: Range
        public var catchPerSequence: Range
        public var practicePerSequence: Range
        /// Views of each (image, model) cell over the whole task, counting cells never shown as 0.
        public var cellViews: Range
        /// Main trials of one model within one sequence.
        public var modelTrialsPerSequence: Range
        /// Largest |left - right| of the model's side over a sequence's main trials.
        public var maxSideImbalance: Int
        /// Largest |left - right| of one model's side within one sequence.
        public var maxModelSideImbalance: Int
        /// Largest |left - right| of the foil's side over a sequence's catch trials, and over its practice trials.
        public var maxCatchSideImbalance: Int
        public var maxPracticeSideImbalance: Int
        /// Sequences that show some source image in two main trials (must be 0).
        public var sequencesRepeatingMainImages: Int
        /// Sequences whose catch or practice trials reuse an image of their main trials (0 when there are enough images).
        public var sequencesReusingImagesOutsideMain: Int
        /// Sequences whose practice trials are not all before the first main trial (must be 0).
        public var sequencesWithLatePractice: Int
    }

    public var tasks: [TaskBalance]

    public init(design: TrialDesign, taskIDs: [String], images: [String], models: [String]) {
        tasks = taskIDs.map { DesignBalance.task($0, design.sequences(task: $0), images: images, models: models) }
    }

    private static func task(_ task: String, _ sequences: [TrialSequence], images: [String], models: [String]) -> TaskBalance {
        var cells: [String: Int] = [:]
        for image in images { for model in models { cells["\(image)\u{1}\(model)"] = 0 } }
        var modelTrials: [Int] = []
        var sideImbalance = 0
        var modelSideImbalance = 0
        var catchImbalance = 0
        var practiceImbalance = 0
        var repeating = 0
        var reusing = 0
        var latePractice = 0
        func imbalance(_ trials: [DesignTrial]) -> Int {
            let left = trials.filter { $0.modelSide == .left }.count
            return abs(2 * left - trials.count)
        }
        for sequence in sequences {
            let main = sequence.trials.filter { $0.kind == .main }
            for trial in main { cells["\(trial.image)\u{1}\(trial.model)", default: 0] += 1 }
            for model in models {
                let own = main.filter { $0.model == model }
                modelTrials.append(own.count)
                modelSideImbalance = max(modelSideImbalance, imbalance(own))
            }
            sideImbalance = max(sideImbalance, imbalance(main))
            catchImbalance = max(catchImbalance, imbalance(sequence.trials.filter { $0.kind == .catch }))
            practiceImbalance = max(practiceImbalance, imbalance(sequence.trials.filter { $0.kind == .practice }))
            let mainImages = main.map(\.image)
            if Set(mainImages).count != mainImages.count { repeating += 1 }
            if sequence.trials.contains(where: { $0.kind != .main && mainImages.contains($0.image) }) { reusing += 1 }
            if let lastPractice = sequence.trials.lastIndex(where: { $0.kind == .practice }),
                let firstOther = sequence.trials.firstIndex(where: { $0.kind != .practice }), firstOther < lastPractice
            {
                latePractice += 1
            }
        }
        func count(_ kind: TrialKind) -> Range { Range(sequences.map { $0.trials.filter { $0.kind == kind }.count }) }
        return TaskBalance(
            task: task, sequences: sequences.count,
            trialsPerSequence: Range(sequences.map(\.trials.count)),
            mainPerSequence: count(.main), catchPerSequence: count(.catch), practicePerSequence: count(.practice),
            cellViews: Range(Array(cells.values)), modelTrialsPerSequence: Range(modelTrials),
            maxSideImbalance: sideImbalance, maxModelSideImbalance: modelSideImbalance,
            maxCatchSideImbalance: catchImbalance, maxPracticeSideImbalance: practiceImbalance,
            sequencesRepeatingMainImages: repeating, sequencesReusingImagesOutsideMain: reusing,
            sequencesWithLatePractice: latePractice)
    }
}
