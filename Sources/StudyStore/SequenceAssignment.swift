/// Picks the sequence for a new participant: the one with the fewest completed or active hand-outs,
/// ties going to the task with fewer of them (so tasks alternate), then to design order. Sequences
/// whose sessions were all abandoned count as free and are handed out again. Pure.
public enum SequenceAssignment {
    public struct Candidate: Sendable, Equatable {
        public var sequence: String
        public var task: String
        /// Sessions on this sequence that completed or are still active.
        public var taken: Int

        public init(sequence: String, task: String, taken: Int) {
            self.sequence = sequence
            self.task = task
            self.taken = taken
        }
    }

    /// `candidates` in design order; nil only when there are none.
    public static func choose(_ candidates: [Candidate]) -> Candidate? {
        var takenPerTask: [String: Int] = [:]
        for candidate in candidates { takenPerTask[candidate.task, default: 0] += candidate.taken }
        var best: (candidate: Candidate, taken: Int, taskTaken: Int)?
        for candidate in candidates {
            let taskTaken = takenPerTask[candidate.task, default: 0]
            if let current = best,
                (current.taken, current.taskTaken) <= (candidate.taken, taskTaken)
            {
                continue
            }
            best = (candidate, candidate.taken, taskTaken)
        }
        return best?.candidate
    }
}
