/// Random choices implemented here rather than through the standard library's `shuffle`, whose
/// algorithm may change between Swift versions: a study's design must be the same wherever it is built.
extension RandomNumberGenerator {
    /// Uniform in `0 ..< bound` (Lemire's multiply-shift with rejection). `bound` must be positive.
    mutating func stableIndex(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let range = UInt64(bound)
        let threshold = (0 &- range) % range
        while true {
            let product = next().multipliedFullWidth(by: range)
            if product.low >= threshold { return Int(product.high) }
        }
    }

    mutating func stableShuffled<T>(_ items: [T]) -> [T] {
        var items = items
        var i = items.count - 1
        while i > 0 {
            let j = stableIndex(below: i + 1)
            items.swapAt(i, j)
            i -= 1
        }
        return items
    }

    mutating func stableBool() -> Bool { next() & 1 == 1 }
}
