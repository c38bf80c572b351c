import Foundation
import Logging
import XCTest

@testable import StudyBuilder

/// Without a terminal, progress is logged as lines with the percentage, the passes and an ETA.
final class BuildProgressTests: XCTestCase {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        var all: [String] { lock.withLock { stored } }
        func append(_ line: String) { lock.withLock { stored.append(line) } }
    }

    struct CapturingHandler: LogHandler {
        let lines: Lines
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            lines.append(event.message.description)
        }
    }

    func testLogLinesCarryProgressAndETA() {
        let lines = Lines()
        let progress = BuildProgress(logger: Logger(label: "test") { _ in CapturingHandler(lines: lines) }, bar: false)
        progress.start(total: 20)
        progress.setLabel("sr3: images 1-4 of 4")
        progress.update(done: 1)  // under 10% since the last line: not logged
        progress.update(done: 10)
        progress.update(done: 9)  // never goes backwards
        progress.finish()
        XCTAssertEqual(lines.all.count, 2, "\(lines.all)")
        XCTAssertTrue(lines.all[0].hasPrefix("50% (10/20 network passes) sr3: images 1-4 of 4, elapsed "), lines.all[0])
        XCTAssertTrue(lines.all[0].contains("ETA 0s"), lines.all[0])
        XCTAssertTrue(lines.all[1].hasPrefix("100% (20/20 network passes)"), lines.all[1])
    }

    func testDurationsReadAsSecondsMinutesHours() {
        XCTAssertEqual(BuildProgress.duration(4.4), "4s")
        XCTAssertEqual(BuildProgress.duration(125), "2m05s")
        XCTAssertEqual(BuildProgress.duration(7_380), "2h03m")
    }
}
