import Foundation

#if os(Linux)
    import Synchronization

    /// Persistent helper threads that pick up a parallel region within microseconds: they spin briefly
    /// after each region and only then sleep. libdispatch's `concurrentPerform` wakes its workers too
    /// late for the sub-millisecond regions of a forward pass (the caller ends up doing nearly all the
    /// work), so kernels run their regions here. One region at a time; a caller that finds the team busy
    /// runs its region alone.
    final class ThreadTeam: @unchecked Sendable {
        static let shared = ThreadTeam(helpers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

        let helpers: Int
        private let generation = Atomic<Int>(0)
        private let pending = Atomic<Int>(0)
        private let busy = Mutex<Bool>(false)
        private let sleepers = NSCondition()
        private var sleeping = 0
        // Written by the caller before `generation` is bumped (release), read by helpers after (acquire).
        private var job: ((Int) -> Void)?
        private var participants = 0

        /// Loads of `generation` a helper makes before it sleeps (tens of microseconds).
        private static let spinLimit = 20_000

        private init(helpers: Int) {
            self.helpers = helpers
            for index in 0..<helpers {
                let thread = Thread { [unowned self] in self.helperLoop(index: index + 1) }
                thread.name = "sr3-worker-\(index + 1)"
                thread.start()
            }
        }

        /// Runs `body(worker)` for worker 0 ..< workers (0 on the calling thread) and returns when all are done.
        /// Returns false, having run nothing, when the team is too small or busy with another region.
        func run(workers: Int, _ body: (Int) -> Void) -> Bool {
            guard workers - 1 <= helpers, workers > 1 else { return false }
            let acquired = busy.withLock { taken in
                if taken { return false }
                taken = true
                return true
            }
            guard acquired else { return false }
            withoutActuallyEscaping(body) { escapable in
                job = escapable
                participants = workers
                pending.store(helpers, ordering: .relaxed)
                generation.add(1, ordering: .releasing)
                sleepers.lock()
                if sleeping > 0 { sleepers.broadcast() }
                sleepers.unlock()
                escapable(0)
                var spins = 0
                while pending.load(ordering: .acquiring) > 0 {
                    spins += 1
                    if spins > Self.spinLimit { sched_yield() }
                }
                job = nil
            }
            busy.withLock { $0 = false }
            return true
        }

        private func helperLoop(index: Int) {
            var seen = 0
            while true {
                var spins = 0
                var current = generation.load(ordering: .acquiring)
                while current == seen {
                    spins += 1
                    if spins > Self.spinLimit {
                        sleepers.lock()
                        sleeping += 1
                        while generation.load(ordering: .acquiring) == seen { sleepers.wait() }
                        sleeping -= 1
                        sleepers.unlock()
                    }
                    current = generation.load(ordering: .acquiring)
                }
                seen = current
                if index < participants, let work = job { work(index) }
                pending.subtract(1, ordering: .releasing)
            }
        }
    }
#endif
