import SeededRandom
import StudyKit
import XCTest

@testable import StudyStats

final class SimulationTests: XCTestCase {
    func testMarginalFoolRateIsNotLogisticOfIntercept() {
        // With effects, the mean of logistic(mu + u + v) is pulled toward 50% relative to logistic(mu).
        let mu = -1.5
        let marginal = MarginalFoolRate.mean(intercept: mu, sd: 1.2)
        XCTAssertGreaterThan(marginal, Logistic.value(mu) + 0.02)
        XCTAssertEqual(MarginalFoolRate.mean(intercept: mu, sd: 0), Logistic.value(mu), accuracy: 1e-15)
        // Monte Carlo agrees with the quadrature.
        var rng = SeededGenerator(seed: 5)
        var sum = 0.0
        let n = 200_000
        for _ in 0..<n { sum += Logistic.value(mu + 1.2 * rng.standardNormal()) }
        XCTAssertEqual(sum / Double(n), marginal, accuracy: 0.002)
        XCTAssertEqual(MarginalFoolRate.mean(intercept: MarginalFoolRate.intercept(forMean: 0.3, sd: 1.2), sd: 1.2), 0.3, accuracy: 1e-9)
    }

    func testSimulatedDesignIsBalanced() {
        let setting = SimulationSetting.standard[2]
        var rng = SeededGenerator(seed: 1)
        let counts = CrossedSimulation.simulateStudy(setting, intercept: setting.intercept, using: &rng)
        XCTAssertEqual(counts.totalTrials[0], Double(setting.participants * setting.imagesPerParticipant))
        XCTAssertEqual(counts.imagesSeen(series: 0), setting.images)
        XCTAssertEqual(counts.cellCount, setting.participants * setting.imagesPerParticipant)
    }

    /// A small version of `studyserver simulate` (the benchmark runs 1000 studies per setting): under
    /// strong crossed effects the naive interval undercovers badly and the primary is near nominal.
    func testPrimaryCoversAndNaiveDoesNotUnderStrongEffects() async {
        let setting = SimulationSetting.standard[3]
        let result = await CrossedSimulation.run(setting, studies: 160, bootstrapSamples: 200, seed: 11)
        func coverage(_ m: IntervalMethod) -> Double { result.methods.first { $0.method == m }?.coverage ?? .nan }
        XCTAssertLessThan(coverage(.wilsonNaive), 0.8)
        XCTAssertGreaterThan(coverage(.crossedCombined), 0.89)
        XCTAssertLessThan(coverage(.crossedCombined), 0.995)
        let pigeonholeWidth = result.methods.first { $0.method == .bootstrapPigeonhole }?.meanWidth ?? 0
        let primaryWidth = result.methods.first { $0.method == .crossedCombined }?.meanWidth ?? .infinity
        XCTAssertLessThan(primaryWidth, pigeonholeWidth)
        let again = await CrossedSimulation.run(setting, studies: 20, bootstrapSamples: 50, seed: 11)
        let twice = await CrossedSimulation.run(setting, studies: 20, bootstrapSamples: 50, seed: 11)
        XCTAssertEqual(again, twice)
    }

    func testPlannerNeedsMoreParticipantsForNarrowerIntervalsAndSeesTheImageFloor() async {
        let scenario = PlanScenario(foolRate: 0.4, sdParticipant: 0.5, sdImage: 0.3, images: 40, imagesPerParticipant: 20)
        let loose = await SamplePlanner.plan(scenario, targetHalfWidth: 0.1, studies: 20, bootstrapSamples: 60, maxParticipants: 400)
        let tight = await SamplePlanner.plan(scenario, targetHalfWidth: 0.06, studies: 20, bootstrapSamples: 60, maxParticipants: 400)
        let looseNeeded = try? XCTUnwrap(loose.participantsNeeded)
        let tightNeeded = try? XCTUnwrap(tight.participantsNeeded)
        XCTAssertLessThan(looseNeeded ?? .max, tightNeeded ?? 0)
        // With strong image effects and 40 images, +-2 points cannot be reached by adding participants.
        let floor = PlanScenario(foolRate: 0.4, sdParticipant: 0.2, sdImage: 1.2, images: 40, imagesPerParticipant: 20)
        let unreachable = await SamplePlanner.plan(floor, targetHalfWidth: 0.02, studies: 10, bootstrapSamples: 40, maxParticipants: 64)
        XCTAssertNil(unreachable.participantsNeeded)
    }

    func testPilotEstimateSeesTheVarianceComponentsAndRefusesUselessPilots() throws {
        func pilot(sdParticipant: Double, sdImage: Double) -> [AnsweredTrial] {
            let study = SyntheticStudy(
                tasks: ["task2"], models: [("sr3", 0.4)], participantsPerTask: 60, images: 60,
                imagesPerParticipant: 60, sdParticipant: sdParticipant, sdImage: sdImage)
            return study.trials(seed: 3).filter { $0.kind == .main }
        }
        let flat = try XCTUnwrap(PlanScenario.estimate(fromPilot: pilot(sdParticipant: 0, sdImage: 0), images: 60, imagesPerParticipant: 60))
        XCTAssertEqual(flat.foolRate, 0.4, accuracy: 0.03)
        XCTAssertLessThan(flat.sdParticipant, 0.3)
        XCTAssertLessThan(flat.sdImage, 0.3)
        let strong = try XCTUnwrap(PlanScenario.estimate(fromPilot: pilot(sdParticipant: 0.2, sdImage: 1.2), images: 60, imagesPerParticipant: 60))
        XCTAssertGreaterThan(strong.sdImage, 0.7)
        XCTAssertGreaterThan(strong.sdImage, strong.sdParticipant + 0.3, "image effects dominate, as simulated")
        XCTAssertEqual(strong.images, 60)
        XCTAssertEqual(strong.imagesPerParticipant, 60)

        XCTAssertNil(PlanScenario.estimate(fromPilot: [], images: 60, imagesPerParticipant: 60), "no pilot trials")
        let allFooled = pilot(sdParticipant: 0, sdImage: 0).map { trial -> AnsweredTrial in
            var fooled = trial
            fooled.choice = trial.modelSide
            return fooled
        }
        XCTAssertNil(PlanScenario.estimate(fromPilot: allFooled, images: 60, imagesPerParticipant: 60), "a rate of 100% has no logit")
    }
}
