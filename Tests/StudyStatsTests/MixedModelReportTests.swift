import Foundation
import SeededRandom
import StudyKit
import XCTest

@testable import StudyStats

/// The mixed model in the reports: JSON contract, plain words in text and HTML, edge cases in words.
final class MixedModelReportTests: XCTestCase {
    let settings = ReportSettings(level: 0.95, bootstrapSamples: 50, seed: 3, equivalenceMargin: 0.1)

    func crowdReport() async throws -> (FoolRateReport, Manifest) {
        let study = SyntheticStudy(
            tasks: ["task1"], models: [("sr3", 0.45), ("regression", 0.25), ("bicubic", 0.1)], participantsPerTask: 16,
            images: 24, imagesPerParticipant: 12, sdParticipant: 0.5, sdImage: 0.9, catchTrials: 4)
        let manifest = try study.manifest()
        return (await FoolRateAnalysis.report(trials: study.trials(seed: 9), manifest: manifest, settings: settings), manifest)
    }

    func testJSONHasAMixedModelPerTaskWithTheContractKeys() async throws {
        let (report, _) = try await crowdReport()
        let json = try ReportJSON.render(report)
        XCTAssertFalse(json.contains("nan"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let tasks = try XCTUnwrap(object["mixed_model"] as? [[String: Any]])
        XCTAssertEqual(tasks.count, 1)
        let task = tasks[0]
        XCTAssertEqual(task["task"] as? String, "task1")
        for key in ["participant_sd", "image_sd", "log_likelihood", "trials", "converged", "singular", "variance_shares", "pairwise", "notes"] {
            XCTAssertNotNil(task[key], key)
        }
        XCTAssertEqual(task["converged"] as? Bool, true)
        let effects = try XCTUnwrap(task["fixed_effects"] as? [String: [String: Any]])
        XCTAssertEqual(Set(effects.keys), ["sr3", "regression", "bicubic"])
        for (model, effect) in effects {
            for key in [
                "estimate_logit", "std_error", "ci_logit", "typical_fool_rate", "typical_fool_rate_ci", "population_averaged_fool_rate",
                "population_averaged_fool_rate_ci",
            ] {
                XCTAssertTrue(effect.keys.contains(key), "\(model) \(key)")
            }
            XCTAssertNotNil(effect["estimate_logit"] as? Double, model)
            XCTAssertGreaterThan(try XCTUnwrap(effect["std_error"] as? Double), 0, model)
        }
        // The ordering SR3 > regression > bicubic comes through on the logit scale.
        let fit = try XCTUnwrap(report.mixedModel.first)
        let sr3 = try XCTUnwrap(fit.fixedEffects["sr3"]?.estimateLogit)
        let bicubic = try XCTUnwrap(fit.fixedEffects["bicubic"]?.estimateLogit)
        XCTAssertGreaterThan(sr3, bicubic)
        // Pairwise: 3 pairs, Holm from the one Holm.
        XCTAssertEqual(fit.pairwise.count, 3)
        XCTAssertEqual(fit.pairwise.compactMap(\.pHolm), MultipleComparisons.holm(fit.pairwise.map(\.pValue)))
        let shares = try XCTUnwrap(fit.varianceShares)
        XCTAssertEqual(shares.participants + shares.images, 1, accuracy: 1e-12)
        XCTAssertEqual(shares.participantsLatent + shares.imagesLatent + shares.trialNoiseLatent, 1, accuracy: 1e-12)
    }

    func testTextAndHTMLShowEstimatesAndVarianceComponentsInPlainWords() async throws {
        let (report, manifest) = try await crowdReport()
        let text = ReportText.render(report)
        XCTAssertTrue(text.contains("Mixed model (fooled ~ 0 + model + (1 | participant) + (1 | image)"), text)
        XCTAssertTrue(text.contains("Typical participant & image"))
        XCTAssertTrue(text.contains("Population-averaged"))
        XCTAssertTrue(text.contains("is people and"))
        XCTAssertTrue(text.contains("is images"))
        XCTAssertTrue(text.contains("Neither is the observed rate"))
        XCTAssertTrue(text.contains("Mixed-model differences"))
        XCTAssertFalse(text.contains("nan"))
        let html = ReportHTML.render(report, manifest: manifest) { _ in nil }
        XCTAssertTrue(html.contains("<h4>Mixed model</h4>"))
        XCTAssertTrue(html.contains("<table class=\"mixed\">"))
        XCTAssertTrue(html.contains("is people and"))
        XCTAssertTrue(html.contains("Population-averaged"))
        XCTAssertFalse(html.contains("nan"))
    }

    func testEdgeCasesAreReportedInWordsNeverNaN() async throws {
        let manifest = try TestStudy.manifest(models: ["m1", "m2"], images: 6)
        // No trials at all.
        let empty = await FoolRateAnalysis.report(trials: [], manifest: manifest, settings: settings)
        XCTAssertTrue(empty.mixedModel.allSatisfy { !$0.fitted && $0.notes.contains { $0.contains("no trials count") } })
        // One participant: no participant variance to estimate.
        let solo = (0..<6).map { TestStudy.trial("solo", image: SyntheticStudy.imageID($0), fooled: $0 % 2 == 0, index: $0) }
        let one = await FoolRateAnalysis.report(trials: solo, manifest: manifest, settings: settings)
        let oneFit = try XCTUnwrap(one.mixedModel.first { $0.task == "task1" })
        XCTAssertFalse(oneFit.fitted)
        XCTAssertTrue(oneFit.notes.contains { $0.contains("at least 2 participants and 2 images") }, "\(oneFit.notes)")
        // Every model fooled nobody: separation everywhere.
        var nobody: [AnsweredTrial] = []
        for p in 0..<4 {
            for i in 0..<6 {
                for model in ["m1", "m2"] {
                    nobody.append(TestStudy.trial("p\(p)", image: SyntheticStudy.imageID(i), model: model, fooled: false, index: i))
                }
            }
        }
        let noneFit = MixedModelAnalysis.task("task1", trials: nobody, models: ["m1", "m2"], level: 0.95)
        XCTAssertFalse(noneFit.fitted, "\(noneFit)")
        XCTAssertTrue(noneFit.notes.contains { $0.contains("every model fooled nobody or everybody") }, "\(noneFit.notes)")
        XCTAssertTrue(noneFit.fixedEffects["m1"]?.note?.contains("fooled nobody") == true)
        var none = empty
        none.mixedModel = [noneFit]
        for report in [empty, one, none] {
            let json = try ReportJSON.render(report)
            XCTAssertFalse(json.contains("nan"))
            XCTAssertFalse(ReportText.render(report).contains("nan"))
        }
        XCTAssertTrue(ReportText.render(none).contains("every model fooled nobody or everybody"))
    }

    func testFitOfAKnownCrowdRecoversItsParametersAndCoversTheTruth() throws {
        // A large crowd: estimates near the truth (logit -0.5 and 1.0; sds 0.6 and 0.9).
        var fooled: [Bool] = []
        var participant: [Int] = []
        var image: [Int] = []
        var model: [String] = []
        var rng = SeededGenerator(seed: 42)
        let u = (0..<30).map { _ in 0.6 * rng.standardNormal() }
        let v = (0..<40).map { _ in 0.9 * rng.standardNormal() }
        for p in 0..<30 {
            for k in 0..<20 {
                let i = (p * 20 + k) % 40
                for (name, beta) in [("a", -0.5), ("b", 1.0)] {
                    fooled.append(rng.unitInterval() < Logistic.value(beta + u[p] + v[i]))
                    participant.append(p)
                    image.append(i)
                    model.append(name)
                }
            }
        }
        var design = FixedEffectsDesign.indicators(levels: ["a", "b"], rowLevels: model)
        XCTAssertThrowsError(try design.addColumn("short", values: [1]))
        let data = CrossedBinaryData(
            fooled: fooled, participant: participant, image: image, participantCount: 30, imageCount: 40, design: design)
        let fit = try LogisticGLMM.fit(data)
        XCTAssertTrue(fit.converged, "\(fit.notes)")
        XCTAssertEqual(fit.covarianceSource, .hessian)
        let a = try XCTUnwrap(fit.coefficients[0].estimate)
        let b = try XCTUnwrap(fit.coefficients[1].estimate)
        let seA = try XCTUnwrap(fit.coefficients[0].standardError)
        XCTAssertEqual(a, -0.5, accuracy: 3 * seA)
        XCTAssertEqual(b, 1.0, accuracy: 3 * seA)
        XCTAssertEqual(fit.participantSD, 0.6, accuracy: 0.2)
        XCTAssertEqual(fit.imageSD, 0.9, accuracy: 0.25)
        // A covariate column goes through the same fitter: a pure-noise covariate has a small slope.
        var noise = SeededGenerator(seed: 7)
        try design.addColumn("noise", values: fooled.map { _ in noise.standardNormal() })
        let withCovariate = try LogisticGLMM.fit(
            CrossedBinaryData(fooled: fooled, participant: participant, image: image, participantCount: 30, imageCount: 40, design: design))
        let slope = try XCTUnwrap(withCovariate.coefficients[2].estimate)
        let slopeSE = try XCTUnwrap(withCovariate.coefficients[2].standardError)
        XCTAssertLessThan(abs(slope), 4 * slopeSE)
        XCTAssertEqual(try XCTUnwrap(withCovariate.coefficients[0].estimate), a, accuracy: 0.05)
    }
}

final class MixedModelSimulationTests: XCTestCase {
    func testSimulationReportsMixedModelCoverageBesideTheBootstrapOnTheSameStudies() async throws {
        let setting = SimulationSetting(
            name: "tiny", participants: 16, images: 20, imagesPerParticipant: 10, sdParticipant: 0.5, sdImage: 0.8,
            populationFoolRate: 0.35)
        let without = await CrossedSimulation.run(setting, studies: 6, bootstrapSamples: 50, seed: 4)
        let with = await CrossedSimulation.run(setting, studies: 6, bootstrapSamples: 50, seed: 4, mixedModel: true)
        XCTAssertNil(without.mixedModel)
        XCTAssertEqual(with.methods, without.methods, "the mixed model draws no random numbers")
        let glmm = try XCTUnwrap(with.mixedModel)
        XCTAssertEqual(glmm.map(\.name), ["glmm_population_averaged", "glmm_typical"])
        XCTAssertEqual(glmm[0].target, 0.35)
        XCTAssertEqual(glmm[1].target, Logistic.value(setting.intercept), accuracy: 1e-12)
        XCTAssertLessThan(glmm[1].target, glmm[0].target, "below 50%, the typical rate is further from 50% than the average")
        for m in glmm {
            XCTAssertEqual(m.intervals, 6)
            XCTAssertEqual(m.covered + m.missedLow + m.missedHigh, m.intervals)
            XCTAssertGreaterThan(try XCTUnwrap(m.meanWidth), 0)
        }
        let json = try JSONEncoder().encode(with)
        XCTAssertEqual(try JSONDecoder().decode(SimulationResult.self, from: json).mixedModel, glmm)
    }
}
