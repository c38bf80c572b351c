import Foundation
import SR3Core
import XCTest

/// The training-config reader, the PIL conditioning upsampler and the checkpoint's own schedule.
final class ImportSettingsTests: XCTestCase {
    func testConfigWithCommentsAndDefaultNormGroups() throws {
        let text = """
            { "name": "x // not a comment", // a comment
              "datasets": { "val": { "l_resolution": 16, "r_resolution": 128 } },
              "model": { "unet": { "in_channel": 6, "out_channel": 3, "inner_channel": 64, "norm_groups": null,
                                   "channel_multiplier": [1, 2, 4, 8, 8], "attn_res": [16], "res_blocks": 2, "dropout": 0.2 },
                         // "beta_schedule": { "train": {} },
                         "beta_schedule": { "val": { "schedule": "linear", "n_timestep": 2000, "linear_start": 1e-6, "linear_end": 1e-2 } },
                         "diffusion": { "image_size": 128 } } }
            """
        let config = try SR3TrainingConfig.parse(text)
        XCTAssertEqual(config.unet.normGroups, 32)
        XCTAssertEqual(config.unet.channelMults, [1, 2, 4, 8, 8])
        XCTAssertEqual(config.unet.imageSize, 128)
        XCTAssertEqual(config.lrSize, 16)
        XCTAssertEqual(config.hrSize, 128)
        XCTAssertNil(config.trainSchedule)
        XCTAssertEqual(config.valSchedule, BetaSchedule(steps: 2000, start: 1e-6, end: 1e-2))
        // The released face model: about 97 M parameters.
        let parameters = UNet.expectedTensorShapes(for: config.unet).values.reduce(0) { $0 + $1.reduce(1, *) }
        XCTAssertEqual(Double(parameters) / 1e6, 97, accuracy: 1.5)
        XCTAssertThrowsError(try SR3TrainingConfig.parse(text.replacingOccurrences(of: "\"linear\"", with: "\"cosine\""))) { error in
            XCTAssertTrue("\(error)".contains("model.beta_schedule.val.schedule is \"cosine\""), "\(error)")
        }
    }

    /// PIL's uint8 bicubic (fixed point, clipped to uint8 between its passes), bit for bit.
    func testPILBicubicConditioningMatchesPIL() throws {
        let file = try Fixtures.load("torch-pil-bicubic.safetensors")
        for (lrName, upName) in [("lr", "up"), ("lr_odd", "up_odd")] {
            let lr = try Fixtures.tensor(file, lrName)
            let up = try Fixtures.tensor(file, upName)
            let ours = Conditioning.bicubicBaseline(
                lr: lr.values.map { $0 / 255 }, count: 1, channels: 3, height: lr.shape[1], width: lr.shape[2],
                toHeight: up.shape[1], toWidth: up.shape[2], upsampler: .pilBicubic)
            let differences = zip(ours, up.values).map { abs($0 * 255 - $1) }
            XCTAssertLessThan(differences.max() ?? 0, 0.01, "\(upName) equals PIL's")
            let torch = Conditioning.bicubicBaseline(
                lr: lr.values.map { $0 / 255 }, count: 1, channels: 3, height: lr.shape[1], width: lr.shape[2],
                toHeight: up.shape[1], toWidth: up.shape[2])
            XCTAssertGreaterThan(zip(torch, up.values).map { abs($0 * 255 - $1) }.max() ?? 0, 2, "the torch upsampler is really different")
        }
    }

    func testCheckpointScheduleIsTheDefaultAndRespaces() throws {
        let own = BetaSchedule(steps: 2000, start: 1e-6, end: 1e-2)
        let full = try SamplingSettings.resolved(
            sampler: .ddpm, steps: nil, projection: false, source: nil, betaStart: nil, betaEnd: nil,
            checkpointSchedule: own)
        XCTAssertEqual(full.steps, 2000)
        let sampler = full.makeSampler()
        XCTAssertEqual(sampler.timesteps.count, 2000)
        XCTAssertEqual(sampler.schedule.betas.first ?? 0, 1e-6, accuracy: 1e-15)
        XCTAssertEqual(sampler.schedule.betas.last ?? 0, 1e-2, accuracy: 1e-15)

        let ddim = try SamplingSettings.resolved(
            sampler: .ddim, steps: 50, projection: false, source: .checkpoint, betaStart: nil, betaEnd: nil,
            checkpointSchedule: own)
        let respaced = ddim.makeSampler()
        XCTAssertEqual(respaced.timesteps.count, 50)
        // The respaced schedule keeps the base schedule's noise levels at the kept timesteps, including the noisiest.
        XCTAssertEqual(respaced.schedule.gammas.last ?? 0, own.noiseSchedule.gammas.last ?? 1, accuracy: 1e-12)
        XCTAssertTrue(ddim.scheduleSummary.contains("respaced to 50"))

        let linear = try SamplingSettings.resolved(
            sampler: .ddpm, steps: nil, projection: false, source: nil, betaStart: 1e-4, betaEnd: 0.02,
            checkpointSchedule: own)
        XCTAssertNil(linear.schedule)
        XCTAssertEqual(linear.steps, 100)
        let legacy = try SamplingSettings.resolved(
            sampler: .ddpm, steps: nil, projection: true, source: nil, betaStart: nil, betaEnd: nil,
            checkpointSchedule: nil)
        XCTAssertEqual(legacy, SamplingSettings(sampler: .ddpm, steps: 100, projection: true), "checkpoints without a schedule keep today's default")

        XCTAssertThrowsError(
            try SamplingSettings.resolved(
                sampler: .ddpm, steps: 3000, projection: false, source: .checkpoint, betaStart: nil,
                betaEnd: nil, checkpointSchedule: own))
        XCTAssertThrowsError(
            try SamplingSettings.resolved(
                sampler: .ddpm, steps: nil, projection: false, source: .checkpoint, betaStart: nil,
                betaEnd: nil, checkpointSchedule: nil))
        XCTAssertThrowsError(
            try SamplingSettings.resolved(
                sampler: .ddpm, steps: nil, projection: false, source: .checkpoint, betaStart: 1e-4,
                betaEnd: nil, checkpointSchedule: own))
    }

    func testCheckpointMetadataForConditioningAndScheduleIsChecked() throws {
        let state = try TorchStateDict.read(Fixtures.url("torch-sr3-small.pth"))
        let config = try SR3TrainingConfig.read(Fixtures.url("torch-sr3-small.json"))
        var contents = try SR3Import.convert(stateDict: state, config: config, options: .init(), sourceName: "s", sourceSHA256: "h").checkpoint
        XCTAssertEqual(BetaSchedule.parse(json: contents.metadata["inference_schedule"] ?? ""), BetaSchedule(steps: 2000, start: 1e-6, end: 1e-2))
        contents.metadata["conditioning"] = "lanczos"
        XCTAssertThrowsError(try Checkpoint(contents, file: "c")) { XCTAssertTrue("\($0)".contains("'conditioning' is \"lanczos\"")) }
        contents.metadata["conditioning"] = nil
        contents.metadata["inference_schedule"] = "{\"kind\": \"linear\"}"
        XCTAssertThrowsError(try Checkpoint(contents, file: "c")) { XCTAssertTrue("\($0)".contains("'inference_schedule'")) }
        contents.metadata["inference_schedule"] = nil
        let plain = try Checkpoint(contents, file: "c")
        XCTAssertEqual(plain.conditioning, .torchBicubic)
        XCTAssertNil(plain.inferenceSchedule)
    }
}

/// Our DDPM step on the imported schedule against the public code's own float32 buffers, saved in the checkpoint.
final class CheckpointScheduleParityTests: XCTestCase {
    func testDDPMStepMatchesTheSavedPosteriorBuffers() throws {
        let buffers = try TorchStateDict.read(Fixtures.url("torch-sr3-small.pth")).tensors
        func buffer(_ name: String) throws -> [Float] { try XCTUnwrap(buffers[name], name).values }
        let settings = SamplingSettings(sampler: .ddpm, steps: 2000, schedule: BetaSchedule(steps: 2000, start: 1e-6, end: 1e-2))
        let sampler = settings.makeSampler()
        let sqrtGamma = try buffer("sqrt_alphas_cumprod")
        let coef1 = try buffer("posterior_mean_coef1")
        let coef2 = try buffer("posterior_mean_coef2")
        let recip = try buffer("sqrt_recip_alphas_cumprod")
        let recipm1 = try buffer("sqrt_recipm1_alphas_cumprod")
        let logVariance = try buffer("posterior_log_variance_clipped")
        var rng = NormalRNG(seed: 7)
        for t in [2000, 1999, 1500, 700, 100, 10, 2, 1] {
            // The public code conditions on sqrt_alphas_cumprod_prev[t] (its t = ours - 1), i.e. sqrt(gamma_t).
            XCTAssertEqual(sampler.noiseLevel(at: t), sqrtGamma[t - 1], accuracy: 1e-6, "level at t=\(t)")
            let y = rng.normals(12)
            let eps = rng.normals(12).map { $0 * 0.1 }
            let z = rng.normals(12)
            let ours = sampler.step(modelOutput: eps, timestep: t, sample: y, noise: z, correction: nil)
            for i in y.indices {
                let x0 = min(1, max(-1, recip[t - 1] * y[i] - recipm1[t - 1] * eps[i]))
                var expected = coef1[t - 1] * x0 + coef2[t - 1] * y[i]
                if t > 1 { expected += exp(0.5 * logVariance[t - 1]) * z[i] }
                XCTAssertEqual(ours[i], expected, accuracy: 1e-4 * max(1, abs(expected)), "t=\(t)")
            }
        }
    }
}
