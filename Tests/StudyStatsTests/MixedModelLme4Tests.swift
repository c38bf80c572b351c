import Foundation
import StudyKit
import StudyStats
import XCTest

/// The mixed model against lme4 1.1-31's glmer on this project's own exports (Fixtures/lme4, made by
/// tools/make_lme4_fixtures.R; R is not needed to run these tests).
final class MixedModelLme4Tests: XCTestCase {
    /// The committed CSVs are this project's export of the synthetic crowds; LME4_FIXTURES_WRITE=1 rewrites them.
    func testFixtureInputsAreTheProjectsExportOfTheSyntheticCrowds() throws {
        let write = ProcessInfo.processInfo.environment["LME4_FIXTURES_WRITE"] == "1"
        for input in MixedModelFixtureInputs.all {
            let url = MixedModelFixtureInputs.directory.appendingPathComponent("\(input.name).csv")
            let csv = try MixedModelFixtureInputs.csv(input)
            if write { try Data(csv.utf8).write(to: url) }
            XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), csv, "\(input.name).csv is not the export of its crowd")
        }
    }

    struct Lme4File: Decodable {
        struct Fit: Decodable {
            struct Effect: Decodable {
                var estimateLogit: Double
                var stdError: Double
                var trials: Int
                var fooled: Int

                enum CodingKeys: String, CodingKey {
                    case trials, fooled
                    case estimateLogit = "estimate_logit"
                    case stdError = "std_error"
                }
            }
            var task: String
            var trials: Int
            var participants: Int
            var images: Int
            var fixedEffects: [String: Effect]
            var participantSD: Double
            var imageSD: Double
            var logLikelihood: Double
            var singular: Bool
            var messages: [String]

            enum CodingKeys: String, CodingKey {
                case task, trials, participants, images, singular, messages
                case fixedEffects = "fixed_effects"
                case participantSD = "participant_sd"
                case imageSD = "image_sd"
                case logLikelihood = "log_likelihood"
            }
        }
        var lme4Version: String
        var fits: [Fit]

        enum CodingKeys: String, CodingKey {
            case fits
            case lme4Version = "lme4_version"
        }
    }

    /// The report's `mixed_model` for every fixture crowd against lme4: fixed effects within 0.01 (logit),
    /// standard deviations within 0.02, log-likelihood not below lme4's by more than 0.01; standard errors
    /// within 3% where lme4 used its finite-difference Hessian; singular and separated cases in words.
    func testReportMixedModelMatchesLme4() async throws {
        var checkedFits = 0
        var checkedEffects = 0
        var sawSingular = false
        var sawSeparated = false
        var worst = (estimate: 0.0, sd: 0.0, seRelative: 0.0, logLikelihoodLow: Double.infinity, logLikelihoodHigh: -Double.infinity)
        for input in MixedModelFixtureInputs.all {
            let url = MixedModelFixtureInputs.directory.appendingPathComponent("\(input.name).lme4.json")
            let lme4 = try JSONDecoder().decode(Lme4File.self, from: Data(contentsOf: url))
            XCTAssertEqual(lme4.lme4Version, "1.1.31")
            let manifest = try input.study.manifest(name: input.name)
            let report = await FoolRateAnalysis.report(
                trials: input.study.trials(seed: input.seed), manifest: manifest,
                settings: ReportSettings(bootstrapSamples: 20, seed: 1))
            let json = try ReportJSON.render(report)
            XCTAssertFalse(json.contains("nan"), "\(input.name): NaN in the JSON report")
            XCTAssertFalse(json.contains("inf\""), "\(input.name): infinity in the JSON report")
            for reference in lme4.fits {
                let what = "\(input.name) \(reference.task)"
                let fit = try XCTUnwrap(report.mixedModel.first { $0.task == reference.task }, what)
                XCTAssertTrue(fit.fitted, what)
                XCTAssertEqual(fit.trials, reference.trials, what)
                XCTAssertEqual(fit.participants, reference.participants, what)
                XCTAssertEqual(fit.images, reference.images, what)
                let participantSD = try XCTUnwrap(fit.participantSD)
                let imageSD = try XCTUnwrap(fit.imageSD)
                XCTAssertEqual(participantSD, reference.participantSD, accuracy: 0.02, "\(what) participant_sd")
                XCTAssertEqual(imageSD, reference.imageSD, accuracy: 0.02, "\(what) image_sd")
                let logLikelihood = try XCTUnwrap(fit.logLikelihood)
                XCTAssertGreaterThanOrEqual(logLikelihood, reference.logLikelihood - 0.01, "\(what) log-likelihood")
                worst.sd = max(worst.sd, abs(participantSD - reference.participantSD), abs(imageSD - reference.imageSD))
                worst.logLikelihoodLow = min(worst.logLikelihoodLow, logLikelihood - reference.logLikelihood)
                worst.logLikelihoodHigh = max(worst.logLikelihoodHigh, logLikelihood - reference.logLikelihood)
                XCTAssertEqual(fit.singular, reference.singular, "\(what) singular")
                XCTAssertTrue(fit.converged, what)
                if reference.singular {
                    sawSingular = true
                    XCTAssertTrue(fit.notes.contains { $0.contains("singular fit") && $0.contains("estimated at 0") }, "\(what): \(fit.notes)")
                }
                let lme4UsedHessian = !reference.messages.contains { $0.contains("falling back to var-cov estimated from RX") }
                for (model, expected) in reference.fixedEffects {
                    let effect = try XCTUnwrap(fit.fixedEffects[model], "\(what) \(model)")
                    XCTAssertEqual(effect.trials, expected.trials, "\(what) \(model)")
                    XCTAssertEqual(effect.fooled, expected.fooled, "\(what) \(model)")
                    if expected.fooled == 0 || expected.fooled == expected.trials {
                        // lme4 creeps towards -inf (here about -19 with a standard error in the hundreds).
                        sawSeparated = true
                        XCTAssertNil(effect.estimateLogit, "\(what) \(model)")
                        XCTAssertNil(effect.stdError, "\(what) \(model)")
                        XCTAssertTrue(effect.note?.contains("fooled nobody") == true, "\(what) \(model): \(effect.note ?? "no note")")
                        XCTAssertTrue(fit.notes.contains { $0.contains("\(model) fooled nobody") }, "\(what): \(fit.notes)")
                        continue
                    }
                    let estimate = try XCTUnwrap(effect.estimateLogit, "\(what) \(model)")
                    XCTAssertEqual(estimate, expected.estimateLogit, accuracy: 0.01, "\(what) \(model) estimate")
                    worst.estimate = max(worst.estimate, abs(estimate - expected.estimateLogit))
                    let se = try XCTUnwrap(effect.stdError, "\(what) \(model)")
                    if lme4UsedHessian {
                        XCTAssertEqual(se / expected.stdError, 1, accuracy: 0.03, "\(what) \(model) standard error")
                        worst.seRelative = max(worst.seRelative, abs(se / expected.stdError - 1))
                    }
                    let typical = try XCTUnwrap(effect.typicalFoolRate)
                    let averaged = try XCTUnwrap(effect.populationAveragedFoolRate)
                    XCTAssertTrue(try XCTUnwrap(effect.typicalFoolRateCI).contains(typical), "\(what) \(model)")
                    XCTAssertTrue(try XCTUnwrap(effect.populationAveragedFoolRateCI).contains(averaged), "\(what) \(model)")
                    // Averaging over the random effects pulls the rate towards 50%.
                    XCTAssertLessThanOrEqual(abs(averaged - 0.5), abs(typical - 0.5) + 1e-12, "\(what) \(model)")
                    checkedEffects += 1
                }
                checkedFits += 1
            }
        }
        XCTAssertEqual(checkedFits, 5)
        // The margins BENCHMARKS.md quotes.
        print(
            String(
                format: "against lme4: |estimate| <= %.4f, |sd| <= %.4f, standard error within %.2f%%, log-likelihood %+.4f to %+.4f",
                worst.estimate, worst.sd, 100 * worst.seRelative, worst.logLikelihoodLow, worst.logLikelihoodHigh))
        XCTAssertGreaterThanOrEqual(checkedEffects, 14)
        XCTAssertTrue(sawSingular, "no singular case among the fixtures")
        XCTAssertTrue(sawSeparated, "no separated case among the fixtures")
    }
}
