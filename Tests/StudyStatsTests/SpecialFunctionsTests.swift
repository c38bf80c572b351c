import Foundation
import XCTest

@testable import StudyStats

/// Agreement with statsmodels / scipy on fixtures written by tools/make_ci_fixtures.py.
final class SpecialFunctionsTests: XCTestCase {
    struct Fixture: Decodable {
        struct Interval: Decodable {
            var successes: Int
            var trials: Int
            var level: Double
            var wilson: [Double]
            var clopper_pearson: [Double]
        }
        struct Quantile: Decodable {
            var p: Double
            var z: Double
        }
        struct TQuantile: Decodable {
            var p: Double
            var df: Double
            var t: Double
        }
        struct Beta: Decodable {
            var x: Double
            var a: Double
            var b: Double
            var value: Double
        }
        var intervals: [Interval]
        var normal_quantiles: [Quantile]
        var t_quantiles: [TQuantile]
        var incomplete_beta: [Beta]
    }

    func loadFixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/binomial-intervals.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func testWilsonAndClopperPearsonMatchStatsmodels() throws {
        let fixture = try loadFixture()
        XCTAssertGreaterThan(fixture.intervals.count, 90)
        for c in fixture.intervals {
            let what = "\(c.successes)/\(c.trials) at \(c.level)"
            let wilson = try XCTUnwrap(BinomialIntervals.wilson(successes: c.successes, trials: c.trials, level: c.level))
            XCTAssertEqual(wilson.low, c.wilson[0], accuracy: 1e-9, "Wilson low \(what)")
            XCTAssertEqual(wilson.high, c.wilson[1], accuracy: 1e-9, "Wilson high \(what)")
            let exact = try XCTUnwrap(BinomialIntervals.clopperPearson(successes: c.successes, trials: c.trials, level: c.level))
            XCTAssertEqual(exact.low, c.clopper_pearson[0], accuracy: 1e-9, "Clopper-Pearson low \(what)")
            XCTAssertEqual(exact.high, c.clopper_pearson[1], accuracy: 1e-9, "Clopper-Pearson high \(what)")
        }
    }

    func testNormalAndTQuantilesAndIncompleteBetaMatchScipy() throws {
        let fixture = try loadFixture()
        for q in fixture.normal_quantiles {
            XCTAssertEqual(SpecialFunctions.normalQuantile(q.p), q.z, accuracy: 1e-9 * max(1, abs(q.z)), "z(\(q.p))")
        }
        for q in fixture.t_quantiles {
            XCTAssertEqual(SpecialFunctions.studentTQuantile(q.p, df: q.df), q.t, accuracy: 1e-8 * max(1, abs(q.t)), "t(\(q.p), \(q.df))")
            XCTAssertEqual(SpecialFunctions.studentTCDF(q.t, df: q.df), q.p, accuracy: 1e-10, "T cdf at \(q.t), df \(q.df)")
        }
        for b in fixture.incomplete_beta {
            XCTAssertEqual(
                SpecialFunctions.regularizedIncompleteBeta(b.x, a: b.a, b: b.b), b.value, accuracy: 1e-11,
                "I_\(b.x)(\(b.a), \(b.b))")
        }
    }

    func testInverseIncompleteBetaRoundTrips() {
        for (a, b) in [(0.5, 0.5), (1.0, 30.0), (47.0, 54.0), (1180.0, 1321.0)] {
            for p in [1e-8, 0.025, 0.5, 0.975, 1 - 1e-4] {  // near 1, x itself cannot resolve finer
                let x = SpecialFunctions.inverseRegularizedIncompleteBeta(p, a: a, b: b)
                XCTAssertEqual(SpecialFunctions.regularizedIncompleteBeta(x, a: a, b: b), p, accuracy: 1e-12, "a \(a) b \(b) p \(p)")
            }
        }
    }

    func testNoIntervalWithoutTrials() {
        XCTAssertNil(BinomialIntervals.wilson(successes: 0, trials: 0, level: 0.95))
        XCTAssertNil(BinomialIntervals.clopperPearson(successes: 0, trials: 0, level: 0.95))
        XCTAssertNil(BinomialIntervals.wilson(successes: 3, trials: 2, level: 0.95))
    }
}
