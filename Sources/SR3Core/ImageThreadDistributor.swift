import Foundation

/// Spreads images over threads: whole rounds of `threads` images run one image per thread (no barrier
/// between the threads, so a thread slowed by other load holds up nobody), and the last images share the
/// threads inside each pass. On the shared 2-core machine this built faces16to128 1.4-1.8x faster than
/// running the images one after another with both threads in every pass (BENCHMARKS.md), at the cost of
/// one workspace per thread; `SR3CORE_IMAGES=sequential` restores that mode. Each image is computed by the
/// same code in every case, so results do not depend on the batch or the mode.
struct ImageThreadDistributor {
    let threads: Int

    func run(images: Int, _ body: @Sendable (_ image: Int, _ innerThreads: Int, _ workspaces: WorkspaceCache) -> Void) {
        if threads <= 1 || ProcessInfo.processInfo.environment["SR3CORE_IMAGES"] == "sequential" {
            let cache = WorkspaceCache()
            for image in 0..<images { body(image, threads, cache) }
            return
        }
        let fullRounds = images / threads
        let parallelImages = fullRounds * threads
        if parallelImages > 0 {
            let next = Tickets(end: parallelImages)
            Workers(threads).run { _ in
                let cache = WorkspaceCache()
                while let image = next.next() { body(image, 1, cache) }
            }
        }
        let remaining = images - parallelImages
        if remaining > 0 {
            let inner = max(1, threads / remaining)
            Workers(remaining).run { worker in
                body(parallelImages + worker, inner, WorkspaceCache())
            }
        }
    }
}

/// One worker's workspace, kept across the images it processes.
final class WorkspaceCache: @unchecked Sendable {
    private var cached: UNetWorkspace?

    func workspace(unet: UNet, height: Int, width: Int, threads: Int) -> UNetWorkspace {
        if let w = cached, w.height == height, w.width == width, w.threads == threads { return w }
        let w = UNetWorkspace(unet: unet, height: height, width: width, threads: threads)
        cached = w
        return w
    }
}
