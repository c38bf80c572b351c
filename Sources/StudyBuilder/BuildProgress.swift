import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress of the model runs, in network passes. On a terminal (stderr is a TTY) a bar with the ETA is
/// redrawn in place; otherwise plain log lines at most every 10% or 30 s. Updated from SR3Core's threads.
public final class BuildProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let logger: Logger
    private let drawsBar: Bool
    private var total = 0
    private var done = 0
    private var label = ""
    private var started = Date()
    private var lastDraw = Date.distantPast
    private var lastLoggedFraction = 0.0
    private var lastLog = Date()

    /// `bar`: nil decides by whether stderr is a terminal.
    public init(logger: Logger, bar: Bool? = nil) {
        self.logger = logger
        drawsBar = bar ?? (isatty(STDERR_FILENO) == 1)
    }

    func start(total: Int) {
        lock.withLock {
            self.total = total
            done = 0
            started = Date()
            lastLog = started
            lastLoggedFraction = 0
        }
    }

    func setLabel(_ text: String) { lock.withLock { label = text } }

    /// `done` passes of all since `start`.
    func update(done newDone: Int) {
        lock.withLock {
            done = min(max(done, newDone), total)
            render(force: false)
        }
    }

    func finish() {
        lock.withLock {
            guard total > 0, drawsBar || lastLoggedFraction < 1 else { return }
            done = total
            render(force: true)
            if drawsBar { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }

    /// Call with the lock held.
    private func render(force: Bool) {
        guard total > 0 else { return }
        let now = Date()
        let fraction = Double(done) / Double(total)
        let elapsed = now.timeIntervalSince(started)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : nil
        if drawsBar {
            guard force || now.timeIntervalSince(lastDraw) >= 0.2 else { return }
            lastDraw = now
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line =
                "\r[\(bar)] \(Int(fraction * 100))% \(done)/\(total) passes  \(label)  "
                + "elapsed \(BuildProgress.duration(elapsed))  ETA \(eta.map(BuildProgress.duration) ?? "--")\u{1B}[K"
            FileHandle.standardError.write(Data(line.utf8))
        } else {
            guard force || fraction - lastLoggedFraction >= 0.1 || now.timeIntervalSince(lastLog) >= 30 else { return }
            lastLoggedFraction = fraction
            lastLog = now
            logger.info(
                "\(Int(fraction * 100))% (\(done)/\(total) network passes) \(label), elapsed \(BuildProgress.duration(elapsed)), ETA \(eta.map(BuildProgress.duration) ?? "--")"
            )
        }
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m"
    }
}
