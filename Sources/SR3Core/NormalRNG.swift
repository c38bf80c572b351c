import SeededRandom

/// A seeded generator of standard normal floats: `SeededGenerator` draws in (0, 1), Box-Muller pairs.
/// Same seed, same sequence, on every platform.
public struct NormalRNG: Sendable {
    private var generator: SeededGenerator
    private var spare: Double?

    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    public mutating func nextNormal() -> Double {
        if let value = spare {
            spare = nil
            return value
        }
        let u1 = generator.openUnitInterval()
        let u2 = generator.openUnitInterval()
        let pair = BoxMuller.pair(u1, u2)
        spare = pair.second
        return pair.first
    }

    public mutating func fill(_ values: inout [Float]) {
        for i in values.indices { values[i] = Float(nextNormal()) }
    }

    public mutating func normals(_ count: Int) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        fill(&values)
        return values
    }
}
