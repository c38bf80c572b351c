/// A small, fast, seedable generator (xoshiro256**, seeded through SplitMix64), so that every
/// random choice of a study (the trial design, per-image sampling seeds) is reproducible from
/// the study's seed on every platform. Not for cryptography. StudyStats' bootstraps use it too
/// (as `SeededGenerator`), so `next()` is inlinable into their hot loops.
public struct StudySeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var mix = seed
        s0 = StudySeededGenerator.splitMix(&mix)
        s1 = StudySeededGenerator.splitMix(&mix)
        s2 = StudySeededGenerator.splitMix(&mix)
        s3 = StudySeededGenerator.splitMix(&mix)
    }

    /// A generator for one named purpose (e.g. a task's design), independent of the others drawn from the same seed.
    public init(seed: UInt64, stream: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, stable across runs (unlike Hasher)
        for byte in stream.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        self.init(seed: seed ^ hash)
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

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
