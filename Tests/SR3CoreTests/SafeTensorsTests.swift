import Foundation
import SR3Core
import XCTest

final class SafeTensorsTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sr3core-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Round trips

    func testFloat32RoundTripIsExact() throws {
        let values: [Float] = [0, -0.0, 1, -1.5, .pi, 1e-38, 3e38, .infinity, 1.0 / 3]
        let file = SafeTensors(
            tensors: ["a": NamedTensor(shape: [3, 3], values: values), "b": NamedTensor(shape: [0], values: [])],
            metadata: ["kind": "test"])
        let url = directory.appendingPathComponent("f32.safetensors")
        try file.write(to: url)
        let back = try SafeTensors.read(url)
        XCTAssertEqual(back.metadata, ["kind": "test"])
        XCTAssertEqual(back.tensors["a"], file.tensors["a"])
        XCTAssertEqual(back.tensors["b"]?.shape, [0])
    }

    func testFloat16RoundTripRoundsToNearestEven() throws {
        // Exactly representable values survive; others round to the nearest half.
        let values: [Float] = [0, 1, -2, 0.5, 65504, 6.103515625e-05, 5.960464477539063e-08, 1.0 / 3, 70000, -1e-9]
        let expected: [Float] = [0, 1, -2, 0.5, 65504, 6.103515625e-05, 5.960464477539063e-08, 0.333251953125, .infinity, -0.0]
        let back = try roundTrip(values, as: .f16)
        XCTAssertEqual(back, expected)
        XCTAssertEqual(back.last?.sign, .minus)
    }

    func testBFloat16RoundTripKeepsUpperBits() throws {
        let values: [Float] = [0, 1, -2, 0.5, 3e38, 1.0 / 3, 1.00390625, 1.01171875]
        // 1/3 = 0x3EAAAAAB -> 0x3EAB; 1 + 2^-8 is a tie -> even (1.0); 1 + 3 * 2^-8 is a tie -> even (1 + 2^-6).
        let expected: [Float] = [0, 1, -2, 0.5, Float(bitPattern: 0x7F62_0000), Float(bitPattern: 0x3EAB_0000), 1, 1.015625]
        XCTAssertEqual(try roundTrip(values, as: .bf16), expected)
    }

    func testHalfPrecisionCheckpointLoadsAndRuns() throws {
        let original = try Fixtures.load("parity-model.safetensors")
        for dtype in [DType.f16, .bf16] {
            let url = directory.appendingPathComponent("parity-\(dtype.rawValue).safetensors")
            try original.write(to: url, as: dtype)
            let checkpoint = try Checkpoint(contentsOf: url)
            let io = try Fixtures.load("parity-io.safetensors")
            let input = try Fixtures.tensor(io, "input")
            let out = try checkpoint.unet.forward(
                input.values, levels: try Fixtures.tensor(io, "noise_level").values,
                batch: 2, height: 32, width: 32)
            let error = maxAbsDifference(out, try Fixtures.tensor(io, "output").values)
            // Rounded weights move the output a little, not a lot.
            XCTAssertLessThan(error, dtype == .f16 ? 0.02 : 0.2, "\(dtype): \(error)")
        }
    }

    private func roundTrip(_ values: [Float], as dtype: DType) throws -> [Float] {
        let url = directory.appendingPathComponent("rt-\(dtype.rawValue).safetensors")
        try SafeTensors(tensors: ["x": NamedTensor(shape: [values.count], values: values)]).write(to: url, as: dtype)
        let data = try Data(contentsOf: url)
        XCTAssertEqual(data.count, try headerEnd(data) + values.count * dtype.byteSize)
        return try XCTUnwrap(SafeTensors.read(url).tensors["x"]).values
    }

    func testWriterRejectsValuesThatDoNotFillTheShape() throws {
        let url = directory.appendingPathComponent("inconsistent.safetensors")
        let file = SafeTensors(tensors: ["x": NamedTensor(shape: [2, 3], values: [1, 2, 3])])
        XCTAssertThrowsError(try file.write(to: url)) { error in
            XCTAssertTrue("\(error)".contains(url.path) && "\(error)".contains("shape [2, 3] but 3 values"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    // MARK: Malformed files

    func testRejectsFileShorterThanHeaderLength() throws {
        try expectRejection(Data([1, 2, 3]), mentions: "shorter than the 8-byte header length")
    }

    func testRejectsHeaderLengthPastEndOfFile() throws {
        try expectRejection(littleEndian(1000) + Data("{}".utf8), mentions: "does not fit")
    }

    func testRejectsHugeHeaderLength() throws {
        try expectRejection(littleEndian(UInt64.max) + Data("{}".utf8), mentions: "implausibly large")
    }

    func testRejectsInvalidJSON() throws {
        try expectRejection(file(header: "{not json", data: Data()), mentions: "not valid JSON")
    }

    func testRejectsOffsetsPastTheBuffer() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        try expectRejection(file(header: header, data: Data(count: 4)), mentions: "past the 4-byte data buffer")
    }

    func testRejectsOverlappingTensors() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        try expectRejection(file(header: header, data: Data(count: 12)), mentions: "overlap")
    }

    func testRejectsHolesAndTrailingBytes() throws {
        let hole = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        try expectRejection(file(header: hole, data: Data(count: 8)), mentions: "belong to no tensor")
        let trailing = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        try expectRejection(file(header: trailing, data: Data(count: 8)), mentions: "trailing bytes")
    }

    func testRejectsShapeThatDisagreesWithOffsets() throws {
        let header = #"{"a":{"dtype":"F16","shape":[3],"data_offsets":[0,4]}}"#
        try expectRejection(file(header: header, data: Data(count: 4)), mentions: "needs 6 bytes but data_offsets span 4")
    }

    func testRejectsUnsupportedDType() throws {
        let header = #"{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#
        try expectRejection(file(header: header, data: Data(count: 8)), mentions: "unsupported dtype I64")
    }

    func testRejectsTruncatedCheckpoint() throws {
        let data = try Data(contentsOf: Fixtures.url("parity-model.safetensors"))
        let url = directory.appendingPathComponent("truncated.safetensors")
        try data.prefix(data.count - 100).write(to: url)
        XCTAssertThrowsError(try Checkpoint(contentsOf: url)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(url.path) && text.contains("truncated"), text)
        }
    }

    // MARK: Checkpoints that do not match their config

    func testRejectsMissingExtraAndMisshapenTensors() throws {
        let original = try Fixtures.load("parity-model.safetensors")
        var missing = original
        missing.tensors["ups.0.attn.qkv.weight"] = nil
        missing.tensors["mid.1.res_block.block2.block.3.bias"] = nil
        try expectCheckpointRejection(missing, mentions: ["2 tensor(s) the config needs are missing", "mid.1.res_block.block2.block.3.bias"])

        var extra = original
        extra.tensors["downs.9.conv.weight"] = NamedTensor(shape: [1], values: [0])
        try expectCheckpointRejection(extra, mentions: ["not part of this config's U-Net", "downs.9.conv.weight"])

        var misshapen = original
        misshapen.tensors["downs.0.weight"] = NamedTensor(shape: [16, 3, 3, 3], values: [Float](repeating: 0, count: 432))
        try expectCheckpointRejection(misshapen, mentions: ["downs.0.weight has shape [16, 3, 3, 3], the config needs [16, 6, 3, 3]"])

        var badKind = original
        badKind.metadata["kind"] = "gan"
        try expectCheckpointRejection(badKind, mentions: ["'kind' is \"gan\""])

        var noConfig = original
        noConfig.metadata["config"] = nil
        try expectCheckpointRejection(noConfig, mentions: ["no 'config'"])

        var badConfig = original
        badConfig.metadata["config"] =
            #"{"in_channel": 6, "inner_channel": 16, "norm_groups": 5, "channel_mults": [1, 2, 2], "attn_res": [8], "res_blocks": 1, "image_size": 32}"#
        try expectCheckpointRejection(badConfig, mentions: ["not divisible by norm_groups 5"])
    }

    func testSuperResolutionModelNeedsSizes() throws {
        // The parity fixture has no lr_size / hr_size: fine for the U-Net, not for super-resolution.
        XCTAssertThrowsError(try SuperResolutionModel(checkpoint: Fixtures.url("parity-model.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("lr_size"), "\(error)")
        }
    }

    // MARK: Helpers

    private func expectCheckpointRejection(_ contents: SafeTensors, mentions: [String], line: UInt = #line) throws {
        let url = directory.appendingPathComponent("bad-\(line).safetensors")
        try contents.write(to: url)
        XCTAssertThrowsError(try Checkpoint(contentsOf: url), line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(url.path), "error does not name the file: \(text)", line: line)
            for fragment in mentions { XCTAssertTrue(text.contains(fragment), "'\(fragment)' not in: \(text)", line: line) }
        }
    }

    private func expectRejection(_ data: Data, mentions fragment: String, line: UInt = #line) throws {
        let url = directory.appendingPathComponent("malformed-\(line).safetensors")
        try data.write(to: url)
        XCTAssertThrowsError(try SafeTensors.read(url), line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(url.path), "error does not name the file: \(text)", line: line)
            XCTAssertTrue(text.contains(fragment), "'\(fragment)' not in: \(text)", line: line)
        }
    }

    private func file(header: String, data: Data) -> Data {
        let json = Data(header.utf8)
        return littleEndian(UInt64(json.count)) + json + data
    }

    private func littleEndian(_ value: UInt64) -> Data {
        withUnsafeBytes(of: value.littleEndian) { Data($0) }
    }

    private func headerEnd(_ data: Data) throws -> Int {
        8 + Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    }
}
