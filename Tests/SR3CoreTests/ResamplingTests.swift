import Foundation
import XCTest

@testable import Resampling

/// Both bicubic resamplers against the reference fixture (docs/SR3-ARCHITECTURE.md section 5), within 1e-5.
final class ResamplingTests: XCTestCase {
    private static let fixtureURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/resample-io.safetensors")

    private func fixture() throws -> FixtureTensors {
        try FixtureTensors(url: Self.fixtureURL)
    }

    func testAntialiasedDownsampleMatchesReference128To16() throws {
        let tensors = try fixture()
        let hr = try tensors.tensor("hr")
        let expected = try tensors.tensor("down16")
        XCTAssertEqual(hr.shape, [2, 3, 128, 128])
        XCTAssertEqual(expected.shape, [2, 3, 16, 16])
        let got = Bicubic.downsampleAntialiased(
            hr.values, count: 6, height: 128, width: 128, toHeight: 16, toWidth: 16)
        assertClose(got, expected.values, tolerance: 1e-5)
    }

    func testAntialiasedDownsampleMatchesReferenceOddSize() throws {
        let tensors = try fixture()
        let hr = try tensors.tensor("hr")
        let expected = try tensors.tensor("odd_down_37x53")
        XCTAssertEqual(expected.shape, [2, 3, 37, 53])
        let got = Bicubic.downsampleAntialiased(
            hr.values, count: 6, height: 128, width: 128, toHeight: 37, toWidth: 53)
        assertClose(got, expected.values, tolerance: 1e-5)
    }

    func testLRQuantizedIsDownsampleRoundedTo255ths() throws {
        let tensors = try fixture()
        let down = try tensors.tensor("down16")
        let lr = try tensors.tensor("lr_quantized")
        let rounded = down.values.map { ($0 * 255).rounded() / 255 }
        assertClose(rounded, lr.values, tolerance: 1e-6)
    }

    func testPlainUpsampleMatchesReference16To128() throws {
        let tensors = try fixture()
        let lr = try tensors.tensor("lr_quantized")
        let expected = try tensors.tensor("up128")
        let got = Bicubic.upsample(
            lr.values, count: 6, height: 16, width: 16, toHeight: 128, toWidth: 128)
        assertClose(got, expected.values, tolerance: 1e-5)
    }

    func testPlainUpsampleMatchesReferenceOddSize() throws {
        let tensors = try fixture()
        let source = try tensors.tensor("odd_up_src")
        let expected = try tensors.tensor("odd_up_47x71")
        XCTAssertEqual(source.shape, [2, 3, 20, 30])
        XCTAssertEqual(expected.shape, [2, 3, 47, 71])
        let got = Bicubic.upsample(
            source.values, count: 6, height: 20, width: 30, toHeight: 47, toWidth: 71)
        assertClose(got, expected.values, tolerance: 1e-5)
    }

    func testConstantPlaneStaysConstant() {
        let plane = [Float](repeating: 0.25, count: 9 * 13)
        for got in [
            Bicubic.downsampleAntialiased(plane, count: 1, height: 9, width: 13, toHeight: 4, toWidth: 5),
            Bicubic.upsample(plane, count: 1, height: 9, width: 13, toHeight: 20, toWidth: 31),
        ] {
            for value in got { XCTAssertEqual(value, 0.25, accuracy: 1e-6) }
        }
    }

    func testSameSizeAntialiasedIsIdentity() {
        let plane = (0..<(7 * 5)).map { Float($0) / 35 }
        let got = Bicubic.downsampleAntialiased(plane, count: 1, height: 7, width: 5, toHeight: 7, toWidth: 5)
        assertClose(got, plane, tolerance: 1e-6)
    }

    func testPlanesAreIndependent() {
        let a = (0..<64).map { Float($0 % 7) / 7 }
        let b = (0..<64).map { Float($0 % 5) / 5 }
        let both = Bicubic.upsample(a + b, count: 2, height: 8, width: 8, toHeight: 12, toWidth: 10)
        let first = Bicubic.upsample(a, count: 1, height: 8, width: 8, toHeight: 12, toWidth: 10)
        let second = Bicubic.upsample(b, count: 1, height: 8, width: 8, toHeight: 12, toWidth: 10)
        XCTAssertEqual(both, first + second)
    }

    func testMismatchedInputGivesEmptyResult() {
        XCTAssertEqual(Bicubic.upsample([1, 2, 3], count: 1, height: 2, width: 2, toHeight: 4, toWidth: 4), [])
        XCTAssertEqual(
            Bicubic.downsampleAntialiased([1, 2, 3, 4], count: 1, height: 2, width: 2, toHeight: 0, toWidth: 1), [])
    }

    private func assertClose(
        _ got: [Float], _ expected: [Float], tolerance: Float, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(got.count, expected.count, "element count", file: file, line: line)
        guard got.count == expected.count else { return }
        var worst: Float = 0
        var worstIndex = 0
        for index in got.indices {
            let difference = abs(got[index] - expected[index])
            if !(difference <= worst) {
                worst = difference
                worstIndex = index
            }
        }
        XCTAssertLessThanOrEqual(
            worst, tolerance, "max |difference| at flat index \(worstIndex)", file: file, line: line)
    }
}

/// A tiny float32-only safetensors reader, private to these tests so they do not depend on
/// SR3Core's own reader.
private struct FixtureTensors {
    struct Tensor {
        let shape: [Int]
        let values: [Float]
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let data: Data
    private let header: [String: Any]
    private let dataStart: Int

    init(url: URL) throws {
        data = try Data(contentsOf: url)
        guard data.count >= 8 else { throw Failure(description: "\(url.path): shorter than 8 bytes") }
        var headerLength = 0
        for (shift, byte) in data.prefix(8).enumerated() { headerLength |= Int(byte) << (8 * shift) }
        guard 8 + headerLength <= data.count,
            let json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength)))
                as? [String: Any]
        else { throw Failure(description: "\(url.path): bad header") }
        header = json
        dataStart = 8 + headerLength
    }

    func tensor(_ name: String) throws -> Tensor {
        guard let entry = header[name] as? [String: Any],
            entry["dtype"] as? String == "F32",
            let shape = entry["shape"] as? [Int],
            let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
        else { throw Failure(description: "fixture has no F32 tensor \(name)") }
        let begin = dataStart + offsets[0]
        let end = dataStart + offsets[1]
        let count = shape.reduce(1, *)
        guard end <= data.count, end - begin == count * 4 else {
            throw Failure(description: "tensor \(name): byte range does not match its shape")
        }
        var values = [Float](repeating: 0, count: count)
        data.subdata(in: begin..<end).withUnsafeBytes { raw in
            for index in 0..<count {
                values[index] = Float(
                    bitPattern: UInt32(
                        littleEndian: raw.loadUnaligned(
                            fromByteOffset: index * 4, as: UInt32.self)))
            }
        }
        return Tensor(shape: shape, values: values)
    }
}
