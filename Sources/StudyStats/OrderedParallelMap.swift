/// Runs `count` independent jobs concurrently and returns their results in job order, so that a result,
/// and anything summed over the results, never depends on which core finished first. Each job draws from
/// its own random stream (`SeededGenerator(seed:stream:)`) for the same reason.
func orderedParallelMap<T: Sendable>(count: Int, _ job: @escaping @Sendable (Int) -> T) async -> [T] {
    await withTaskGroup(of: (Int, T).self) { group in
        for index in 0..<count {
            group.addTask { (index, job(index)) }
        }
        var done: [(Int, T)] = []
        done.reserveCapacity(count)
        for await result in group { done.append(result) }
        return done.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
