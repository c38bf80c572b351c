import StudyKit

/// Whether participants favour a side, per task, over the main trials that count.
public struct PositionBias: Codable, Sendable, Equatable {
    public var task: String
    public var trials: Int
    public var leftChoices: Int
    /// nil without trials.
    public var leftChoiceRate: Double?
    /// Naive Wilson interval of the left-choice rate.
    public var ci: [ConfidenceInterval]
    public var foolRateModelLeft: Double?
    public var foolRateModelRight: Double?
    public var trialsModelLeft: Int
    public var trialsModelRight: Int

    public static func measure(task: String, trials: [AnsweredTrial], level: Double) -> PositionBias {
        let inTask = trials.filter { $0.task == task }
        let left = inTask.filter { $0.choice == .left }.count
        let modelLeft = inTask.filter { $0.modelSide == .left }
        let modelRight = inTask.filter { $0.modelSide == .right }
        func rate(_ ts: [AnsweredTrial]) -> Double? {
            ts.isEmpty ? nil : Double(ts.filter(\.fooled).count) / Double(ts.count)
        }
        return PositionBias(
            task: task, trials: inTask.count, leftChoices: left,
            leftChoiceRate: inTask.isEmpty ? nil : Double(left) / Double(inTask.count),
            ci: BinomialIntervals.wilson(successes: left, trials: inTask.count, level: level).map { [$0] } ?? [],
            foolRateModelLeft: rate(modelLeft), foolRateModelRight: rate(modelRight),
            trialsModelLeft: modelLeft.count, trialsModelRight: modelRight.count)
    }
}
