import SR3Core
import XCTest

/// Winograd (the default) and im2col (selectable with SR3CORE_CONV=im2col) both reproduce the reference
/// U-Net, each bit-identically for any thread count and batch composition.
final class ConvolutionAlgorithmTests: XCTestCase {
    func testBothAlgorithmsMatchTheReferenceAndDoNotDependOnThreadsOrBatch() throws {
        XCTAssertEqual(ConvolutionAlgorithm.standard, .winograd, "run the tests without SR3CORE_CONV")
        let checkpoint = try Checkpoint(contentsOf: Fixtures.url("parity-model.safetensors"))
        let io = try Fixtures.load("parity-io.safetensors")
        let input = try Fixtures.tensor(io, "input")
        let levels = try Fixtures.tensor(io, "noise_level")
        let expected = try Fixtures.tensor(io, "output")
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let imageFloats = 6 * h * w
        var results: [ConvolutionAlgorithm: [Float]] = [:]
        for algorithm in ConvolutionAlgorithm.allCases {
            let one = try checkpoint.unet.forward(
                input.values, levels: levels.values, batch: n, height: h, width: w, threads: 1, algorithm: algorithm)
            let two = try checkpoint.unet.forward(
                input.values, levels: levels.values, batch: n, height: h, width: w, threads: 2, algorithm: algorithm)
            XCTAssertLessThan(maxAbsDifference(one, expected.values), 1e-4, "\(algorithm)")
            XCTAssertEqual(one, two, "\(algorithm): 1 and 2 threads")
            let alone = try checkpoint.unet.forward(
                Array(input.values[imageFloats...]), levels: [levels.values[1]], batch: 1,
                height: h, width: w, threads: 2, algorithm: algorithm)
            XCTAssertEqual(Array(one[(3 * h * w)...]), alone, "\(algorithm): alone and in a batch")
            results[algorithm] = one
        }
        // Different arithmetic, same function: the two paths agree to float rounding.
        XCTAssertLessThan(maxAbsDifference(results[.winograd] ?? [], results[.im2col] ?? []), 1e-4)
    }
}
