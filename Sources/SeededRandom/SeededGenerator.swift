/// The project's one seeded generator: xoshiro256** seeded through SplitMix64, so that every random
/// choice (a study's trial design, an image's sampling noise, a report's bootstrap) is reproducible from
/// its seed on every platform and Swift version. Not for cryptography. `next()` is inlinable into hot loops.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var mix = seed
        s0 = SeededGenerator.splitMix(&mix)
        s1 = SeededGenerator.splitMix(&mix)
        s2 = SeededGenerator.splitMix(&mix)
        s3 = SeededGenerator.splitMix(&mix)
    }

    /// A generator for one named purpose (e.g. a task's design), independent of the others drawn from the same seed.
    public init(seed: UInt64, stream: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, stable across runs (unlike Hasher)
        for byte in stream.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        self.init(seed: seed ^ hash)
    }

    /// A generator for numbered stream `stream` of `seed`: independent streams for parallel work that stays
    /// reproducible whatever order the work runs in.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ stream)
    }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// One step of SplitMix64, which spreads a seed over the generator's four words.
    public static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    @inlinable
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
