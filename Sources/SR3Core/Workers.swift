import Dispatch
import Foundation

/// Runs a body on `count` threads at once (the calling thread included) and waits for all of them.
struct Workers: Sendable {
    let count: Int

    init(_ count: Int) { self.count = max(1, count) }

    func run(_ body: @Sendable (_ worker: Int) -> Void) {
        if count == 1 {
            body(0)
            return
        }
        #if os(Linux)
            if ThreadTeam.shared.run(workers: count, body) { return }
        #endif
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }

    /// Calls `body` once for every item in 0..<items. Items are handed out one at a time to whichever
    /// worker is free (so a thread slowed by other load takes fewer); what an item computes never
    /// depends on the worker that runs it, only its scratch buffer (`worker`) does.
    func forEach(_ items: Int, _ body: @Sendable (_ item: Int, _ worker: Int) -> Void) {
        if count == 1 || items <= 1 {
            for item in 0..<items { body(item, 0) }
            return
        }
        let tickets = Tickets(end: items)
        let work: @Sendable (Int) -> Void = { worker in
            while let item = tickets.next() { body(item, worker) }
        }
        #if os(Linux)
            if ThreadTeam.shared.run(workers: min(count, items), work) { return }
        #endif
        DispatchQueue.concurrentPerform(iterations: min(count, items), execute: work)
    }
}

/// Hands out 0, 1, 2, ... up to `end` to concurrent takers.
final class Tickets: @unchecked Sendable {
    private let lock = NSLock()
    private var issued = 0
    private let end: Int

    init(end: Int) { self.end = end }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard issued < end else { return nil }
        issued += 1
        return issued - 1
    }
}

/// A raw float pointer that may cross into worker closures. Workers only touch disjoint ranges.
struct SharedFloats: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>

    init(_ base: UnsafeMutablePointer<Float>) { self.base = base }

    @inline(__always) subscript(_ offset: Int) -> UnsafeMutablePointer<Float> { base + offset }
}

/// A read-only float pointer that may cross into worker closures.
struct SharedConstFloats: @unchecked Sendable {
    let base: UnsafePointer<Float>

    init(_ base: UnsafePointer<Float>) { self.base = base }
    init(_ base: UnsafeMutablePointer<Float>) { self.base = UnsafePointer(base) }

    @inline(__always) subscript(_ offset: Int) -> UnsafePointer<Float> { base + offset }
}
