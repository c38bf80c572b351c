import Foundation
import SR3Core
import XCTest

/// `studygen import` against checkpoints written by real torch (tools/make_torch_fixtures.py).
final class TorchImportTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("torch-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    private func importFixture(
        _ source: URL, config: URL = Fixtures.url("torch-sr3-small.json"),
        options: SR3Import.Options = .init()
    ) throws -> (Checkpoint, [String]) {
        let output = scratch.appendingPathComponent("imported.safetensors")
        let report = try SR3Import.importFile(source: source, config: config, output: output, options: options, sha256: { _ in "feed" })
        return (try Checkpoint(contentsOf: output), report)
    }

    private func assertRefused(
        _ source: URL, config: URL = Fixtures.url("torch-sr3-small.json"), mentions expected: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let output = scratch.appendingPathComponent("refused.safetensors")
        XCTAssertThrowsError(
            try SR3Import.importFile(source: source, config: config, output: output, options: .init(), sha256: { _ in "x" }),
            file: file, line: line
        ) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), "one line: \(text)", file: file, line: line)
            for piece in expected { XCTAssertTrue(text.contains(piece), "\(text) should mention \(piece)", file: file, line: line) }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "nothing is written", file: file, line: line)
    }

    private func unetOutput(_ checkpoint: Checkpoint, _ io: SafeTensors) throws -> [Float] {
        let input = try Fixtures.tensor(io, "input")
        let level = try Fixtures.tensor(io, "noise_level")
        return try checkpoint.unet.forward(input.values, levels: level.values, batch: 1, height: 16, width: 16)
    }

    func testTrainerCheckpointImportsAndMatchesPyTorch() throws {
        let (checkpoint, report) = try importFixture(Fixtures.url("torch-sr3-small.pth"))
        let io = try Fixtures.load("torch-sr3-small-io.safetensors")
        let difference = maxAbsDifference(try unetOutput(checkpoint, io), try Fixtures.tensor(io, "output").values)
        XCTAssertLessThan(difference, 1e-4, "imported U-Net vs the PyTorch module")
        XCTAssertEqual(checkpoint.kind, .sr3)
        XCTAssertEqual(checkpoint.lrSize, 4)
        XCTAssertEqual(checkpoint.hrSize, 16)
        XCTAssertEqual(checkpoint.conditioning, .pilBicubic)
        XCTAssertEqual(checkpoint.inferenceSchedule, BetaSchedule(kind: .linear, steps: 2000, start: 1e-6, end: 1e-2))
        XCTAssertEqual(checkpoint.metadata["source_file"], "torch-sr3-small.pth")
        XCTAssertEqual(checkpoint.metadata["source_sha256"], "feed")
        XCTAssertNotNil(checkpoint.metadata["train_schedule"])
        let text = report.joined(separator: "\n")
        XCTAssertTrue(text.contains("stripped the prefix 'denoise_fn.'"), text)
        XCTAssertTrue(text.contains("dropped 12 schedule buffer(s)"), text)
        XCTAssertTrue(text.contains("match the config's train schedule"), text)
        XCTAssertTrue(text.contains("converted 4 float16/bfloat16"), text)
    }

    func testNestedStateDictIsFoundAndReported() throws {
        let (checkpoint, report) = try importFixture(Fixtures.url("torch-sr3-small-nested.pth"))
        let io = try Fixtures.load("torch-sr3-small-io.safetensors")
        XCTAssertLessThan(maxAbsDifference(try unetOutput(checkpoint, io), try Fixtures.tensor(io, "output_nested").values), 1e-4)
        XCTAssertTrue(report.contains { $0.contains("under the key 'ema'") && $0.contains("'epoch'") }, "\(report)")
    }

    func testSafeTensorsWithThePrefixImport() throws {
        let state = try TorchStateDict.read(Fixtures.url("torch-sr3-small.pth"))
        let source = scratch.appendingPathComponent("exported.safetensors")
        try SafeTensors(tensors: state.tensors).write(to: source)
        let (checkpoint, _) = try importFixture(source)
        let io = try Fixtures.load("torch-sr3-small-io.safetensors")
        XCTAssertLessThan(maxAbsDifference(try unetOutput(checkpoint, io), try Fixtures.tensor(io, "output").values), 1e-4)
    }

    func testViewsKeepTheirStridesAndOffsets() throws {
        let views = try TorchStateDict.read(Fixtures.url("torch-sr3-small.pth")).tensors
        let plain = try TorchStateDict.read(Fixtures.url("torch-sr3-small-nested.pth")).tensors
        for name in ["denoise_fn.downs.0.weight", "denoise_fn.downs.0.bias", "denoise_fn.final_conv.block.3.bias"] {
            let a = try XCTUnwrap(views[name])
            let b = try XCTUnwrap(plain[name])
            XCTAssertEqual(a.shape, b.shape, name)
            // The nested file holds the same values rounded to float16.
            XCTAssertLessThan(maxAbsDifference(a.values, b.values), 2e-3, name)
        }
        XCTAssertEqual(views["denoise_fn.downs.0.weight"]?.shape, [8, 6, 3, 3])
    }

    func testMaliciousPickleIsRefusedNamingTheGlobal() {
        let marker = URL(fileURLWithPath: "/tmp/sr3-pwned")
        try? FileManager.default.removeItem(at: marker)
        assertRefused(Fixtures.url("torch-malicious.pth"), mentions: ["posix.system", "nothing was executed"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path))
    }

    func testTruncatedZipIsRefused() throws {
        let data = try Data(contentsOf: Fixtures.url("torch-sr3-small.pth"))
        for length in [data.count / 2, data.count - 10, 100] {
            let truncated = scratch.appendingPathComponent("truncated-\(length).pth")
            try data.prefix(length).write(to: truncated)
            assertRefused(truncated, mentions: ["truncated"])
        }
    }

    func testWrongShapeIsNamed() throws {
        let text = try String(contentsOf: Fixtures.url("torch-sr3-small.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"channel_multiplier\": [1, 2]", with: "\"channel_multiplier\": [1, 3]")
        let config = scratch.appendingPathComponent("wrong.json")
        try text.write(to: config, atomically: true, encoding: .utf8)
        assertRefused(Fixtures.url("torch-sr3-small.pth"), config: config, mentions: ["has shape", "the config needs"])
    }

    func testUnknownNameIsNamed() throws {
        var state = try TorchStateDict.read(Fixtures.url("torch-sr3-small.pth")).tensors
        state["denoise_fn.extra_head.weight"] = NamedTensor(shape: [2], values: [1, 2])
        let source = scratch.appendingPathComponent("extra.safetensors")
        try SafeTensors(tensors: state).write(to: source)
        assertRefused(source, mentions: ["extra_head.weight", "not part of the U-Net"])
    }

    func testMissingTensorIsNamed() throws {
        var state = try TorchStateDict.read(Fixtures.url("torch-sr3-small.pth")).tensors
        state["denoise_fn.mid.0.attn.qkv.weight"] = nil
        let source = scratch.appendingPathComponent("missing.safetensors")
        try SafeTensors(tensors: state).write(to: source)
        assertRefused(source, mentions: ["mid.0.attn.qkv.weight", "missing"])
    }

    func testDeflatedAndLegacyFilesGetTheirFix() {
        assertRefused(Fixtures.url("torch-deflated.pth"), mentions: ["deflate", "torch.save("])
        assertRefused(Fixtures.url("torch-legacy.pth"), mentions: ["pre-1.6", "torch.save(torch.load('OLD.pth', weights_only=True), 'NEW.pth')"])
    }

    func testScheduleBuffersThatDisagreeAreReported() throws {
        let text = try String(contentsOf: Fixtures.url("torch-sr3-small.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"n_timestep\": 2000, \"linear_start\": 1e-6", with: "\"n_timestep\": 1000, \"linear_start\": 1e-6")
        let config = scratch.appendingPathComponent("other-schedule.json")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let (checkpoint, report) = try importFixture(Fixtures.url("torch-sr3-small.pth"), config: config)
        XCTAssertTrue(report.contains { $0.hasPrefix("warning: the saved schedule buffers") }, "\(report)")
        XCTAssertEqual(checkpoint.inferenceSchedule?.steps, 1000)
    }

    func testOptionsOverrideKindConditioningAndKey() throws {
        let options = SR3Import.Options(conditioning: .torchBicubic, key: "ema")
        let (checkpoint, report) = try importFixture(Fixtures.url("torch-sr3-small-nested.pth"), options: options)
        XCTAssertEqual(checkpoint.conditioning, .torchBicubic)
        XCTAssertTrue(report.contains("used the state dict under the key 'ema'"))
        let output = scratch.appendingPathComponent("nokey.safetensors")
        XCTAssertThrowsError(
            try SR3Import.importFile(
                source: Fixtures.url("torch-sr3-small-nested.pth"), config: Fixtures.url("torch-sr3-small.json"),
                output: output, options: .init(key: "model"), sha256: { _ in "" })
        ) { error in
            XCTAssertTrue("\(error)".contains("no state dict under the key 'model'; state dicts are under 'ema'"), "\(error)")
        }
        XCTAssertThrowsError(
            try SR3Import.importFile(
                source: Fixtures.url("torch-sr3-small.pth"), config: Fixtures.url("torch-sr3-small.json"),
                output: output, options: .init(kind: .regression), sha256: { _ in "" })
        ) { error in
            XCTAssertTrue("\(error)".contains("a regression model takes 3 input channels"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }
}

/// An imported model sampled end to end (its own schedule from the config, PIL conditioning, DDPM)
/// against the public code's sampling loop run by PyTorch with the same noises.
final class ImportedSamplingParityTests: XCTestCase {
    func testOwnScheduleAndConditioningReproducePyTorchSampling() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("torch-sampling-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let text = try String(contentsOf: Fixtures.url("torch-sr3-small.json"), encoding: .utf8).replacingOccurrences(
            of: #""val": { "schedule": "linear", "n_timestep": 2000, "linear_start": 1e-6, "linear_end": 1e-2 }"#,
            with: #""val": { "schedule": "linear", "n_timestep": 5, "linear_start": 1e-3, "linear_end": 0.5 }"#)
        let config = scratch.appendingPathComponent("five-steps.json")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let output = scratch.appendingPathComponent("imported.safetensors")
        _ = try SR3Import.importFile(
            source: Fixtures.url("torch-sr3-small.pth"), config: config, output: output, options: .init(), sha256: { _ in "" })
        let checkpoint = try Checkpoint(contentsOf: output)

        let io = try Fixtures.load("torch-sr3-small-sampling.safetensors")
        let lr = try Fixtures.tensor(io, "lr").values.map { $0 / 255 }
        let condition = Conditioning.condition(
            lr: lr, count: 1, channels: 3, height: 4, width: 4, toHeight: 16, toWidth: 16,
            upsampler: checkpoint.conditioning)
        let settings = try SamplingSettings.resolved(
            sampler: .ddpm, steps: nil, projection: false, source: nil, betaStart: nil, betaEnd: nil,
            checkpointSchedule: checkpoint.inferenceSchedule)
        XCTAssertEqual(settings.steps, 5)
        let noises = try Fixtures.tensor(io, "noises").values
        let plane = 3 * 16 * 16
        let result = try ImageSampling.sample(
            unet: checkpoint.unet, condition: condition, height: 16, width: 16,
            initial: try Fixtures.tensor(io, "initial").values, sampler: settings.makeSampler(),
            projection: nil, noise: { t in Array(noises[((5 - t) * plane)..<((6 - t) * plane)]) })
        XCTAssertLessThan(maxAbsDifference(result, try Fixtures.tensor(io, "output").values), 1e-4)
    }
}

/// Hostile pickles that are not about globals: deep nesting, recursion, truncation, bad memo.
final class HostilePickleTests: XCTestCase {
    private func refuse(_ pickle: [UInt8], mentions expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pickle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("hostile.pth")
        try StoredZip.write(["archive/data.pkl": Data(pickle), "archive/byteorder": Data("little".utf8)], to: url)
        XCTAssertThrowsError(try TorchStateDict.read(url), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(expected), "\(error)", file: file, line: line)
        }
    }

    func testDeepNestingIsRefused() throws {
        // 100,000 nested one-tuples: without a cap, releasing them would overflow the stack.
        try refuse([0x80, 0x02, 0x4E] + [UInt8](repeating: 0x85, count: 100_000) + [0x2E], mentions: "deeper than 64")
        // A list appended into itself, again and again.
        let appendItself: [UInt8] = [0x68, 0x00, 0x61]  // BINGET 0, APPEND
        try refuse([0x80, 0x02, 0x5D, 0x71, 0x00] + Array(Array(repeating: appendItself, count: 100).joined()) + [0x2E], mentions: "deeper than 64")
    }

    func testMalformedPicklesAreRefused() throws {
        try refuse([0x80, 0x02, 0x7D], mentions: "truncated")  // no STOP
        try refuse([0x80, 0x02, 0x68, 0x05, 0x2E], mentions: "memo entry 5")  // BINGET of nothing
        try refuse([0x80, 0x02, 0x52, 0x2E], mentions: "pops more")  // REDUCE on an empty stack
        try refuse([0x80, 0x02, 0x69, 0x2E], mentions: "opcode 0x69")  // INST: not a state dict's
        try refuse([0x80, 0x02] + Array("cbuiltins\neval\n.".utf8), mentions: "builtins.eval")
        try refuse([0x80, 0x02, 0x7D, 0x2E], mentions: "no tensors")  // an empty dict
    }
}

/// Writes a zip of stored entries (enough for hostile-pickle tests).
enum StoredZip {
    static func write(_ entries: [String: Data], to url: URL) throws {
        var out = Data()
        var directory = Data()
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
        for (name, data) in entries.sorted(by: { $0.key < $1.key }) {
            let offset = UInt32(out.count)
            let crc = crc32(data)
            let name8 = Array(name.utf8)
            let common =
                le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(name8.count)
                + le16(0)
            out.append(contentsOf: le32(0x0403_4B50) + common + name8)
            out.append(data)
            directory.append(contentsOf: le32(0x0201_4B50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + name8)
        }
        let directoryOffset = UInt32(out.count)
        out.append(directory)
        out.append(
            contentsOf: le32(0x0605_4B50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count)
                + le32(UInt32(directory.count)) + le32(directoryOffset) + le16(0))
        try out.write(to: url)
    }

    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
