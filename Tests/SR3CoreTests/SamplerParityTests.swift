import SR3Core
import XCTest

/// Five sampler steps with the parity model and fixed noises against the reference (sampler-io).
final class SamplerParityTests: XCTestCase {
    func testPlainSamplerMatchesReference() throws {
        try check(projected: false, expectedName: "out_plain")
    }

    func testProjectedSamplerMatchesReference() throws {
        try check(projected: true, expectedName: "out_projected")
    }

    private func check(projected: Bool, expectedName: String) throws {
        let checkpoint = try Checkpoint(contentsOf: Fixtures.url("parity-model.safetensors"))
        let io = try Fixtures.load("sampler-io.safetensors")
        let betas = try Fixtures.tensor(io, "betas").values.map(Double.init)
        let condition = try Fixtures.tensor(io, "cond_up")
        let lr = try Fixtures.tensor(io, "lr")
        let initial = try Fixtures.tensor(io, "y_N")
        let noises = try Fixtures.tensor(io, "z")
        let expected = try Fixtures.tensor(io, expectedName)
        let (n, c, h, w) = (condition.shape[0], condition.shape[1], condition.shape[2], condition.shape[3])
        let (lh, lw) = (lr.shape[2], lr.shape[3])
        let image = c * h * w
        let sampler = DDPMSampler(schedule: NoiseSchedule(betas: betas))
        XCTAssertEqual(sampler.timesteps, Array((1...betas.count).reversed()))
        for i in 0..<n {
            let projection =
                projected
                ? ConsistencyProjection(
                    lr: Array(lr.values[(i * c * lh * lw)..<((i + 1) * c * lh * lw)]), channels: c,
                    lrHeight: lh, lrWidth: lw, height: h, width: w) : nil
            let out = try ImageSampling.sample(
                unet: checkpoint.unet, condition: Array(condition.values[(i * image)..<((i + 1) * image)]), height: h, width: w,
                initial: Array(initial.values[(i * image)..<((i + 1) * image)]), sampler: sampler, projection: projection,
                threads: 2,
                noise: { t in
                    // z[t - 2] for image i; z is [steps - 1, batch, c, h, w].
                    let start = ((t - 2) * n + i) * image
                    return Array(noises.values[start..<(start + image)])
                })
            let error = maxAbsDifference(out, Array(expected.values[(i * image)..<((i + 1) * image)]))
            XCTAssertLessThan(error, 1e-4, "image \(i): max abs error \(error)")
        }
    }
}
