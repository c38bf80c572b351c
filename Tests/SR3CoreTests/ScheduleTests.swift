import SR3Core
import XCTest

final class ScheduleTests: XCTestCase {
    func testDefaultInferenceScheduleIsLinearToTwentyOverN() {
        let hundred = SamplingSettings().baseSchedule
        XCTAssertEqual(hundred.steps, 100)
        XCTAssertEqual(hundred.betas.first ?? 0, 1e-4, accuracy: 1e-12)
        XCTAssertEqual(hundred.betas.last ?? 0, 0.2, accuracy: 1e-12)
        XCTAssertEqual(hundred, NoiseSchedule.defaultInference(steps: 100))
        // Few steps cap the last beta at 0.999.
        XCTAssertEqual(SamplingSettings(steps: 10).baseSchedule.betas.last ?? 0, 0.999, accuracy: 1e-12)
        XCTAssertEqual(SamplingSettings(steps: 50, betaEnd: 0.3).baseSchedule.betas.last ?? 0, 0.3, accuracy: 1e-12)
    }

    func testGammasAreCumulativeProducts() {
        let schedule = NoiseSchedule(betas: [0.1, 0.2, 0.5])
        XCTAssertEqual(schedule.gammas.count, 4)
        XCTAssertEqual(schedule.gammas[0], 1)
        XCTAssertEqual(schedule.gammas[3], 0.9 * 0.8 * 0.5, accuracy: 1e-15)
    }

    func testRespacingKeepsTheChosenGammas() {
        let base = NoiseSchedule.defaultInference(steps: 100)
        let kept = base.evenlySpacedTimesteps(10)
        XCTAssertEqual(kept.count, 10)
        XCTAssertEqual(kept.first, 1)
        XCTAssertEqual(kept.last, 100)
        let respaced = base.respaced(keeping: kept)
        for (i, t) in kept.enumerated() {
            XCTAssertEqual(respaced.gammas[i + 1], base.gammas[t], accuracy: 1e-12)
        }
    }

    func testSamplersStepFromNoisiestToCleanest() {
        var ddim = DDIMSampler(schedule: .defaultInference(steps: 100))
        ddim.setTimesteps(8)
        XCTAssertEqual(ddim.timesteps, Array((1...8).reversed()))
        XCTAssertFalse(ddim.needsNoise(at: 8))
        let ddpm = SamplingSettings(steps: 20).makeSampler()
        XCTAssertEqual(ddpm.timesteps.count, 20)
        XCTAssertTrue(ddpm.needsNoise(at: 2))
        XCTAssertFalse(ddpm.needsNoise(at: 1))
        XCTAssertGreaterThan(ddpm.noiseLevel(at: 1), ddpm.noiseLevel(at: 20))
    }

    func testDDIMWithPerfectNoisePredictionRecoversTheImage() {
        // y_t = sqrt(g) x + sqrt(1-g) e with the true e: every DDIM step stays on x's trajectory.
        var sampler = DDIMSampler(schedule: .defaultInference(steps: 100))
        sampler.setTimesteps(5)
        var rng = NormalRNG(seed: 5)
        let x = rng.normals(64).map { max(-1, min(1, $0 * 0.3)) }
        let e = rng.normals(64)
        let top = sampler.schedule.gammas[5]
        var y = zip(x, e).map { Float(top.squareRoot()) * $0 + Float((1 - top).squareRoot()) * $1 }
        for t in sampler.timesteps {
            y = sampler.step(modelOutput: e, timestep: t, sample: y, noise: nil, correction: nil)
        }
        XCTAssertLessThan(maxAbsDifference(y, x), 1e-4)
    }

    func testNormalRNGIsSeededAndStandard() {
        var a = NormalRNG(seed: 42)
        var b = NormalRNG(seed: 42)
        var c = NormalRNG(seed: 43)
        let first = a.normals(20_000)
        XCTAssertEqual(first, b.normals(20_000))
        XCTAssertNotEqual(Array(first.prefix(10)), c.normals(10))
        let mean = first.reduce(0, +) / Float(first.count)
        let variance = first.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(first.count)
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
    }
}
