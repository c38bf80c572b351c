/// Main-trial outcomes of one or more series (one model, or two models being compared) summed per
/// participant x image cell, per participant and per image. Every bootstrap replicate reads only these
/// sums, so a replicate costs O(participants + images + cells), not O(trials).
public struct CrossedCounts: Sendable {
    public struct Observation: Sendable {
        public var participant: Int
        public var image: Int
        public var series: Int
        public var fooled: Bool

        public init(participant: Int, image: Int, series: Int = 0, fooled: Bool) {
            self.participant = participant
            self.image = image
            self.series = series
            self.fooled = fooled
        }
    }

    public let participantCount: Int
    public let imageCount: Int
    public let seriesCount: Int
    /// Fooled and trial counts per series over everything.
    public private(set) var totalFooled: [Double]
    public private(set) var totalTrials: [Double]

    // Flattened as index * seriesCount + series.
    private(set) var cellParticipant: [Int32] = []
    private(set) var cellImage: [Int32] = []
    private(set) var cellFooled: [Double] = []
    private(set) var cellTrials: [Double] = []
    private(set) var participantFooled: [Double]
    private(set) var participantTrials: [Double]
    private(set) var imageFooled: [Double]
    private(set) var imageTrials: [Double]

    /// Indices must lie in `0..<participantCount`, `0..<imageCount` and `0..<seriesCount`; others are ignored.
    public init(participantCount: Int, imageCount: Int, seriesCount: Int = 1, observations: [Observation]) {
        self.participantCount = participantCount
        self.imageCount = imageCount
        self.seriesCount = seriesCount
        let s = seriesCount
        totalFooled = Array(repeating: 0, count: s)
        totalTrials = Array(repeating: 0, count: s)
        participantFooled = Array(repeating: 0, count: participantCount * s)
        participantTrials = Array(repeating: 0, count: participantCount * s)
        imageFooled = Array(repeating: 0, count: imageCount * s)
        imageTrials = Array(repeating: 0, count: imageCount * s)
        var cellIndex: [Int: Int] = [:]
        for o in observations {
            guard (0..<participantCount).contains(o.participant), (0..<imageCount).contains(o.image),
                (0..<s).contains(o.series)
            else { continue }
            let key = o.participant * imageCount + o.image
            let cell: Int
            if let existing = cellIndex[key] {
                cell = existing
            } else {
                cell = cellParticipant.count
                cellIndex[key] = cell
                cellParticipant.append(Int32(o.participant))
                cellImage.append(Int32(o.image))
                cellFooled.append(contentsOf: repeatElement(0, count: s))
                cellTrials.append(contentsOf: repeatElement(0, count: s))
            }
            let y = o.fooled ? 1.0 : 0.0
            cellFooled[cell * s + o.series] += y
            cellTrials[cell * s + o.series] += 1
            participantFooled[o.participant * s + o.series] += y
            participantTrials[o.participant * s + o.series] += 1
            imageFooled[o.image * s + o.series] += y
            imageTrials[o.image * s + o.series] += 1
            totalFooled[o.series] += y
            totalTrials[o.series] += 1
        }
    }

    public var cellCount: Int { cellParticipant.count }

    /// Fool rate of each series (NaN where a series has no trials).
    public var estimates: [Double] {
        (0..<seriesCount).map { totalTrials[$0] > 0 ? totalFooled[$0] / totalTrials[$0] : .nan }
    }

    /// Participants and images with at least one trial of `series`.
    public func participantsSeen(series: Int) -> Int {
        (0..<participantCount).filter { participantTrials[$0 * seriesCount + series] > 0 }.count
    }
    public func imagesSeen(series: Int) -> Int {
        (0..<imageCount).filter { imageTrials[$0 * seriesCount + series] > 0 }.count
    }
}
