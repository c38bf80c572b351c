import SeededRandom
import XCTest

@testable import StudyStats

final class BootstrapTests: XCTestCase {
    /// 4 participants x 3 images, one trial each, with participant 0 always fooled.
    func makeCounts() -> CrossedCounts {
        var observations: [CrossedCounts.Observation] = []
        for p in 0..<4 {
            for i in 0..<3 {
                observations.append(.init(participant: p, image: i, fooled: p == 0 || (p + i) % 3 == 0))
            }
        }
        return CrossedCounts(participantCount: 4, imageCount: 3, observations: observations)
    }

    func testCountsSumByParticipantImageAndCell() {
        let counts = makeCounts()
        XCTAssertEqual(counts.totalTrials, [12])
        XCTAssertEqual(counts.totalFooled, [3 + 1 + 1 + 1])
        XCTAssertEqual(counts.cellCount, 12)
        XCTAssertEqual(counts.participantsSeen(series: 0), 4)
        XCTAssertEqual(counts.imagesSeen(series: 0), 3)
        XCTAssertEqual(counts.estimates[0], 0.5, accuracy: 1e-12)
    }

    func testSameSeedSameReplicates() {
        let counts = makeCounts()
        for scheme in CrossedBootstrap.Scheme.allCases {
            var a = SeededGenerator(seed: 42)
            var b = SeededGenerator(seed: 42)
            var c = SeededGenerator(seed: 43)
            let ra = CrossedBootstrap.replicates(counts, scheme: scheme, samples: 50, using: &a)
            let rb = CrossedBootstrap.replicates(counts, scheme: scheme, samples: 50, using: &b)
            let rc = CrossedBootstrap.replicates(counts, scheme: scheme, samples: 50, using: &c)
            XCTAssertEqual(ra, rb, "\(scheme)")
            // Every image has the same rate in this table, so only the other schemes vary between seeds.
            if scheme != .images { XCTAssertNotEqual(ra, rc, "\(scheme)") }
        }
    }

    /// The participant bootstrap's variance converges to the plug-in cluster variance
    /// sum_p (F_p - rate N_p)^2 / N^2, which here is computable by hand.
    func testParticipantBootstrapVarianceMatchesClusterFormula() {
        let counts = makeCounts()
        var rng = SeededGenerator(seed: 1)
        let values = CrossedBootstrap.replicates(counts, scheme: .participants, samples: 40_000, using: &rng)
        let summary = ReplicateSummary(values: values, level: 0.95)
        // Participant sums: F = [3, 1, 1, 1], N = 3 each, rate 0.5: residuals 1.5, -0.5, -0.5, -0.5.
        let expected = (1.5 * 1.5 + 3 * 0.25) / 144.0
        XCTAssertNotNil(summary)
        // The ratio statistic adds a small nonlinearity; 5% covers it and Monte Carlo error.
        XCTAssertEqual(summary?.variance ?? 0, expected, accuracy: expected * 0.05)
    }

    func testImagesOnlyBootstrapOfOneImageHasNoSpread() throws {
        let counts = CrossedCounts(
            participantCount: 3, imageCount: 1,
            observations: (0..<3).map { .init(participant: $0, image: 0, fooled: $0 == 0) })
        var rng = SeededGenerator(seed: 3)
        let values = CrossedBootstrap.replicates(counts, scheme: .images, samples: 20, using: &rng)
        XCTAssertTrue(values.allSatisfy { abs($0 - 1.0 / 3.0) < 1e-12 })
    }

    func testPairedSeriesShareWeights() {
        // Two series with identical answers: every replicate difference must be exactly 0.
        var observations: [CrossedCounts.Observation] = []
        for p in 0..<5 {
            for i in 0..<4 {
                for s in 0..<2 {
                    observations.append(.init(participant: p, image: i, series: s, fooled: (p * i) % 3 == 1))
                }
            }
        }
        let counts = CrossedCounts(participantCount: 5, imageCount: 4, seriesCount: 2, observations: observations)
        var rng = SeededGenerator(seed: 9)
        for scheme in CrossedBootstrap.Scheme.allCases {
            let values = CrossedBootstrap.replicates(counts, scheme: scheme, samples: 100, using: &rng)
            for b in 0..<100 where values[2 * b].isFinite {
                XCTAssertEqual(values[2 * b], values[2 * b + 1], "\(scheme)")
            }
        }
    }

    func testCombinedVarianceIsFlooredAtTheNaiveVariance() {
        let v = CrossedVariance(participants: 1.0e-4, images: 0.5e-4, naive: 2.0e-4)
        XCTAssertTrue(v.floored)
        XCTAssertEqual(v.combined, 2.0e-4)
        let w = CrossedVariance(participants: 3.0e-4, images: 2.0e-4, naive: 1.0e-4)
        XCTAssertFalse(w.floored)
        XCTAssertEqual(w.combined, 4.0e-4, accuracy: 1e-15)
        let corrected = CrossedVariance(participants: 3.0e-4, images: 2.0e-4, naive: 1.0e-4, participantUnits: 31, imageUnits: 11)
        XCTAssertEqual(corrected.participants, 3.0e-4 * 31 / 30, accuracy: 1e-15)
        XCTAssertEqual(corrected.images, 2.0e-4 * 11 / 10, accuracy: 1e-15)
        XCTAssertEqual(corrected.degreesOfFreedom, 20.0 / 3, accuracy: 1e-12, "2/3 (min(31, 11) - 1)")
    }

    func testPrimaryIntervalIsInsideUnitIntervalAndAroundRate() throws {
        let v = CrossedVariance(participants: 4e-3, images: 4e-3, naive: 1e-3, participantUnits: 10, imageUnits: 10)
        let ci = try XCTUnwrap(v.primaryInterval(rate: 0.05, level: 0.95))
        XCTAssertGreaterThan(ci.low, 0)
        XCTAssertLessThan(ci.low, 0.05)
        XCTAssertGreaterThan(ci.high, 0.05)
        XCTAssertNil(v.primaryInterval(rate: 0, level: 0.95))
    }
}
