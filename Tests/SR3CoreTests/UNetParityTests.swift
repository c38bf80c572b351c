import SR3Core
import XCTest

/// The U-Net against the reference PyTorch implementation (spec "Fixtures").
final class UNetParityTests: XCTestCase {
    func testForwardMatchesReference() throws {
        let checkpoint = try Checkpoint(contentsOf: Fixtures.url("parity-model.safetensors"))
        let io = try Fixtures.load("parity-io.safetensors")
        let input = try Fixtures.tensor(io, "input")
        let levels = try Fixtures.tensor(io, "noise_level")
        let expected = try Fixtures.tensor(io, "output")
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        for threads in [1, 2] {
            let output = try checkpoint.unet.forward(input.values, levels: levels.values, batch: n, height: h, width: w, threads: threads)
            XCTAssertEqual(output.count, expected.values.count)
            let error = maxAbsDifference(output, expected.values)
            XCTAssertLessThan(error, 1e-4, "max abs error \(error) with \(threads) thread(s)")
        }
    }

    func testImageResultDoesNotDependOnBatchOrThreads() throws {
        let checkpoint = try Checkpoint(contentsOf: Fixtures.url("parity-model.safetensors"))
        let io = try Fixtures.load("parity-io.safetensors")
        let input = try Fixtures.tensor(io, "input")
        let levels = try Fixtures.tensor(io, "noise_level")
        let (h, w) = (input.shape[2], input.shape[3])
        let imageFloats = 6 * h * w
        let both = try checkpoint.unet.forward(input.values, levels: levels.values, batch: 2, height: h, width: w, threads: 2)
        let second = try checkpoint.unet.forward(
            Array(input.values[imageFloats...]), levels: [levels.values[1]], batch: 1, height: h, width: w, threads: 1)
        XCTAssertEqual(Array(both[(3 * h * w)...]), second)
    }

    func testNonSquareInputAndOtherConfigRun() throws {
        // A 32-configured model on a 32x48 input keeps its attention where the config put it.
        let checkpoint = try Checkpoint(contentsOf: Fixtures.url("parity-model.safetensors"))
        let (h, w) = (32, 48)
        var rng = NormalRNG(seed: 7)
        let out = try checkpoint.unet.forward(rng.normals(6 * h * w), levels: [0.3], batch: 1, height: h, width: w, threads: 2)
        XCTAssertEqual(out.count, 3 * h * w)
        XCTAssertTrue(out.allSatisfy { $0.isFinite })

        // Another config: other multipliers, two res blocks, attention at two resolutions, 5 input channels.
        let config = UNetConfig(
            inChannel: 5, outChannel: 2, innerChannel: 8, channelMults: [1, 3], resBlocks: 2,
            attnRes: [16, 8], normGroups: 2, imageSize: 16)
        let tensors = RandomWeights.tensors(for: config, seed: 3)
        let unet = try UNet(config: config, tensors: tensors)
        let y = try unet.forward(rng.normals(2 * 5 * 8 * 12), levels: [0.1, 0.9], batch: 2, height: 8, width: 12, threads: 2)
        XCTAssertEqual(y.count, 2 * 2 * 8 * 12)
        XCTAssertTrue(y.allSatisfy { $0.isFinite })
        XCTAssertThrowsError(try unet.forward(rng.normals(5 * 9 * 12), levels: [0.1], batch: 1, height: 9, width: 12)) { error in
            XCTAssertTrue("\(error)".contains("multiples of 2"), "\(error)")
        }
    }
}

/// The shipped 128x128 checkpoint (five levels, attention on 16x16 = 256 positions) against ONNX
/// Runtime running the same network exported from the reference.
final class ShippedModelParityTests: XCTestCase {
    func testShippedModelMatchesONNXRuntime() throws {
        let checkpoint = try Checkpoint(contentsOf: Fixtures.repository.appendingPathComponent("models/sr3-tiny-16to128.safetensors"))
        let expected = try Fixtures.tensor(try Fixtures.load("sr3-tiny-ort-output.safetensors"), "output")
        let input = (0..<(6 * 128 * 128)).map { k in Float(sin(Double(k) * 0.0137 + cos(Double(k) * 0.00071) * 3.0)) }
        let output = try checkpoint.unet.forward(input, levels: [0.3], batch: 1, height: 128, width: 128, threads: 2)
        let error = maxAbsDifference(output, expected.values)
        XCTAssertLessThan(error, 1e-4, "max abs error \(error)")
    }
}
