import Foundation
import SR3Core
import XCTest

/// The high-level API on small models: determinism, batch independence, errors.
final class SuperResolutionModelTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sr3core-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The parity model as a 4 -> 32 SR3 checkpoint.
    private func smallModel() throws -> SuperResolutionModel {
        var contents = try Fixtures.load("parity-model.safetensors")
        contents.metadata["lr_size"] = "4"
        contents.metadata["hr_size"] = "32"
        let url = directory.appendingPathComponent("small-sr3.safetensors")
        try contents.write(to: url)
        return try SuperResolutionModel(checkpoint: url)
    }

    private func lrImages(_ count: Int, size: Int = 4) -> [Float] {
        var rng = NormalRNG(seed: 99)
        return rng.normals(count * 3 * size * size).map { (min(1, max(0, 0.5 + 0.2 * $0)) * 255).rounded() / 255 }
    }

    func testOutputDependsOnlyOnImageSeedAndSettings() throws {
        let model = try smallModel()
        let lr = lrImages(3)
        let settings = SamplingSettings(steps: 4, projection: true)
        let batch = try model.superResolve(lr: lr, count: 3, height: 4, width: 4, seeds: [1, 2, 3], settings: settings, progress: nil)
        XCTAssertEqual(batch.count, 3 * 3 * 32 * 32)
        XCTAssertTrue(batch.allSatisfy { $0 >= 0 && $0 <= 1 })
        let image = 3 * 32 * 32
        let alone = try model.superResolve(lr: Array(lr[(2 * 48)...]), count: 1, height: 4, width: 4, seeds: [3], settings: settings, progress: nil)
        XCTAssertEqual(Array(batch[(2 * image)...]), alone, "image 2 changed with its batch")
        let reordered = try model.superResolve(
            lr: Array(lr[48...]) + Array(lr[..<48]), count: 3, height: 4, width: 4,
            seeds: [2, 3, 1], settings: settings, progress: nil)
        XCTAssertEqual(Array(reordered[..<image]), Array(batch[image..<(2 * image)]))
        let reseeded = try model.superResolve(
            lr: Array(lr[(2 * 48)...]), count: 1, height: 4, width: 4, seeds: [4], settings: settings, progress: nil)
        XCTAssertNotEqual(reseeded, alone)
    }

    func testProgressCountsEveryNetworkPass() throws {
        let model = try smallModel()
        let seen = ProgressLog()
        _ = try model.superResolve(
            lr: lrImages(2), count: 2, height: 4, width: 4, seeds: [1, 2],
            settings: SamplingSettings(sampler: .ddim, steps: 3), progress: { done, total in seen.record(done, total) })
        XCTAssertEqual(seen.values.map(\.0).sorted(), Array(1...6))
        XCTAssertTrue(seen.values.allSatisfy { $0.1 == 6 })
    }

    func testNonSquareImagesAndBadInputs() throws {
        let model = try smallModel()
        let out = try model.superResolve(
            lr: lrImages(1, size: 4) + lrImages(1, size: 4).prefix(24), count: 1, height: 4, width: 6,
            seeds: [1], settings: SamplingSettings(sampler: .ddim, steps: 2), progress: nil)
        XCTAssertEqual(out.count, 3 * 32 * 48)
        // The shipped 16 -> 128 model has five levels: heights and widths must be multiples of 16 at 128.
        let shipped = try SuperResolutionModel(checkpoint: Fixtures.repository.appendingPathComponent("models/sr3-tiny-16to128.safetensors"))
        XCTAssertThrowsError(
            try shipped.superResolve(
                lr: lrImages(1, size: 15), count: 1, height: 15, width: 15, seeds: [1],
                settings: SamplingSettings(steps: 2), progress: nil)
        ) { error in
            XCTAssertTrue("\(error)".contains("120x120") && "\(error)".contains("multiples of 16"), "\(error)")
        }
        XCTAssertThrowsError(
            try model.superResolve(
                lr: lrImages(2), count: 2, height: 4, width: 4, seeds: [1],
                settings: SamplingSettings(steps: 2), progress: nil)
        ) { error in
            XCTAssertTrue("\(error)".contains("one seed per image"), "\(error)")
        }
        XCTAssertThrowsError(
            try model.superResolve(
                lr: lrImages(1), count: 2, height: 4, width: 4, seeds: [1, 2],
                settings: SamplingSettings(steps: 2), progress: nil))
        XCTAssertThrowsError(
            try model.superResolve(
                lr: lrImages(1), count: 1, height: 4, width: 4, seeds: [1],
                settings: SamplingSettings(steps: 0), progress: nil))
    }

    func testRegressionIsOnePassAndIgnoresSeeds() throws {
        let model = try SuperResolutionModel(checkpoint: Fixtures.repository.appendingPathComponent("models/regression-tiny-16to128.safetensors"))
        XCTAssertEqual(model.kind, .regression)
        let lr = lrImages(1, size: 16)
        let seen = ProgressLog()
        let a = try model.superResolve(
            lr: lr, count: 1, height: 16, width: 16, seeds: [1], settings: SamplingSettings(),
            progress: { seen.record($0, $1) })
        let b = try model.superResolve(lr: lr, count: 1, height: 16, width: 16, seeds: [], settings: SamplingSettings(steps: 7), progress: nil)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 3 * 128 * 128)
        XCTAssertTrue(a.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(seen.values.count, 1)
    }
}

final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var log: [(Int, Int)] = []

    func record(_ done: Int, _ total: Int) {
        lock.lock()
        log.append((done, total))
        lock.unlock()
    }

    var values: [(Int, Int)] {
        lock.lock()
        defer { lock.unlock() }
        return log
    }
}
