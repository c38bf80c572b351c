import StudyKit
import XCTest

@testable import StudyStats

/// A pilot of a few participants: every rate interval stays in [0, 1], every difference in [-1, 1], and
/// below IntervalMinimum the report says "too few" instead of a number.
final class PilotIntervalTests: XCTestCase {
    private func pilotReport(participants: Int, seed: UInt64) async throws -> (FoolRateReport, Manifest) {
        let study = SyntheticStudy(
            tasks: ["task1", "task2"], models: [("sr3", 0.45), ("regression", 0.2), ("bicubic", 0.1)],
            participantsPerTask: participants, images: 8, imagesPerParticipant: 4, sdParticipant: 1.0, catchTrials: 2)
        let manifest = try study.manifest()
        let report = await FoolRateAnalysis.report(
            trials: study.trials(seed: seed), manifest: manifest,
            settings: ReportSettings(bootstrapSamples: 200, seed: seed))
        return (report, manifest)
    }

    func testPilotIntervalsStayInsideWhatTheyEstimate() async throws {
        for participants in 2...10 {
            for seed in UInt64(1)...3 {
                let (report, _) = try await pilotReport(participants: participants, seed: seed)
                for row in report.foolRates {
                    for c in row.ci {
                        XCTAssertTrue(c.low >= 0 && c.high <= 1 && c.low <= c.high, "\(participants) participants: \(row.label) \(c)")
                    }
                }
                for pair in report.pairwise {
                    for c in pair.ci {
                        XCTAssertTrue(c.low >= -1 && c.high <= 1 && c.low <= c.high, "\(participants) participants: \(pair) \(c)")
                    }
                }
            }
        }
    }

    func testBelowTheMinimumTheReportSaysTooFew() async throws {
        let (report, manifest) = try await pilotReport(participants: IntervalMinimum.participants - 1, seed: 4)
        for row in report.foolRates where row.trials > 0 {
            XCTAssertNil(row.interval(.crossedCombined), "\(row.task) \(row.model)")
            XCTAssertNil(row.versusHalf)
            XCTAssertTrue(row.notes.contains { $0.contains("too few for an interval") }, "\(row.notes)")
        }
        for pair in report.pairwise {
            XCTAssertNil(pair.ci.first { $0.method == .crossedCombined })
            XCTAssertNil(pair.pValue)
            XCTAssertTrue(pair.tooFewForInterval)
        }
        let text = ReportText.render(report)
        XCTAssertTrue(text.contains(IntervalMinimum.tooFewLabel), text)
        XCTAssertFalse(text.contains("-2199"), text)
        let html = ReportHTML.render(report, manifest: manifest, stimulus: { _ in nil })
        XCTAssertTrue(html.contains("<td>\(IntervalMinimum.tooFewLabel)</td>"))

        let (enough, _) = try await pilotReport(participants: IntervalMinimum.participants + 1, seed: 4)
        XCTAssertTrue(enough.foolRates.contains { $0.interval(.crossedCombined) != nil })
    }
}
