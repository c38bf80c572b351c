import Foundation
import StudyBuilder
import StudyKit
import XCTest

/// `studygen build --shard K/N --cache DIR` then `--assemble-only`: the split, the shared cache and the
/// assembly, with the real tiny SR3 and Regression checkpoints (3 images, 2 DDIM steps).
final class ShardedBuildTests: XCTestCase {
    private static let yaml = """
        name: sharded
        seed: 5
        hr_size: 128
        lr_size: 16
        images:
          folder: images
        images_per_participant: 2
        participants_per_task: 2
        practice_trials: 1
        catch_rate: 0
        models:
          - id: sr3
            kind: sr3
            checkpoint: \(TestStudy.sr3Checkpoint)
            sampler: ddim
            steps: 2
          - id: regression
            kind: regression
            checkpoint: \(TestStudy.regressionCheckpoint)
          - id: bicubic
            kind: bicubic
        """

    private static let builtAt = Date(timeIntervalSince1970: 1_800_000_000)

    private func makeStudy() throws -> TestStudy { try TestStudy(images: 3, width: 128, height: 128, yaml: Self.yaml) }

    private func temporaryFolder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    }

    /// Every file of a build folder (manifest.json and stimuli/...) with its bytes.
    private func files(of build: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let root = build.standardizedFileURL.path
        let enumerator = FileManager.default.enumerator(at: build, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            out[String(url.standardizedFileURL.path.dropFirst(root.count))] = try Data(contentsOf: url)
        }
        return out
    }

    private func cacheEntries(_ cache: URL) throws -> [String: Data] {
        let folder = cache.appendingPathComponent("outputs")
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            out[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return out
    }

    func testTwoShardsAndAssemblyEqualOneBuildByteForByte() throws {
        let single = try makeStudy()
        defer { single.remove() }
        let options = BuildOptions(builtAt: Self.builtAt)
        let whole = try StudyBuild.build(single.paths, options: options)
        XCTAssertEqual(whole.manifest.outputs.count, 9)

        let sharded = try makeStudy()
        let cache = temporaryFolder("shared-cache")
        defer {
            sharded.remove()
            try? FileManager.default.removeItem(at: cache)
        }
        let shared = BuildOptions(cacheFolder: cache, builtAt: Self.builtAt)

        // Nothing computed yet: the assembly refuses and writes no build.
        XCTAssertThrowsError(try StudyBuild.build(sharded.paths, options: BuildOptions(cacheFolder: cache, assembleOnly: true))) { error in
            XCTAssertTrue("\(error)".contains("9 model output(s) are not in the cache"), "\(error)")
            XCTAssertTrue("\(error)".contains("--shard"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: sharded.paths.buildFolder.path))

        let reports = try [0, 1].map { try StudyBuild.buildShard(sharded.paths, shard: BuildShard(index: $0, count: 2), options: shared) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: sharded.paths.buildFolder.path), "a shard writes no build")
        XCTAssertFalse(FileManager.default.fileExists(atPath: sharded.paths.cacheFolder.path), "--cache replaces the study's .cache")
        // Outputs 0-8 (sr3 img0-2, regression img0-2, bicubic img0-2) alternate between the shards.
        XCTAssertEqual(reports[0].models.map(\.computed), [2, 1, 2])
        XCTAssertEqual(reports[1].models.map(\.computed), [1, 2, 1])
        XCTAssertEqual(reports[0].models.map(\.otherShards), [1, 2, 1])
        XCTAssertEqual(try cacheEntries(cache).count, 9)

        let assembled = try StudyBuild.build(sharded.paths, options: BuildOptions(cacheFolder: cache, assembleOnly: true, builtAt: Self.builtAt))
        XCTAssertEqual(assembled.models.map(\.computed), [0, 0, 0])
        XCTAssertEqual(assembled.models.map(\.reused), [3, 3, 3])
        let expected = try files(of: single.paths.buildFolder)
        XCTAssertEqual(expected.count, 1 + 3 * 3 + 9)  // manifest, HR/LR/foil per image, 9 outputs
        XCTAssertEqual(try files(of: sharded.paths.buildFolder), expected)
        XCTAssertEqual(try cacheEntries(cache), try cacheEntries(single.paths.cacheFolder))

        // A shard run again finds its share cached and computes nothing.
        let again = try StudyBuild.buildShard(sharded.paths, shard: BuildShard(index: 1, count: 2), options: shared)
        XCTAssertEqual(again.models.map(\.computed), [0, 0, 0])
        XCTAssertEqual(again.models.map(\.cached), [1, 2, 1])
    }

    func testShardsRacingOnTheSameOutputsAgree() throws {
        let study = try makeStudy()
        let cache = temporaryFolder("race-cache")
        defer {
            study.remove()
            try? FileManager.default.removeItem(at: cache)
        }
        let options = BuildOptions(cacheFolder: cache, builtAt: Self.builtAt)
        // Two processes given the same shard (a retried job next to the original) write the same entries at once.
        let errors = ErrorBox()
        let paths = study.paths
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            do { _ = try StudyBuild.buildShard(paths, shard: BuildShard(index: 0, count: 1), options: options) } catch { errors.add(error) }
        }
        XCTAssertEqual(errors.all.count, 0, "\(errors.all)")
        let entries = try cacheEntries(cache)
        XCTAssertEqual(entries.count, 9, "no temporary file is left: \(entries.keys.sorted())")

        let reference = try makeStudy()
        defer { reference.remove() }
        _ = try StudyBuild.build(reference.paths, options: BuildOptions(builtAt: Self.builtAt))
        XCTAssertEqual(entries, try cacheEntries(reference.paths.cacheFolder))
    }

    func testLeftoversOfAKilledShardAreNeverRead() throws {
        let study = try makeStudy()
        let cache = temporaryFolder("killed-cache")
        defer {
            study.remove()
            try? FileManager.default.removeItem(at: cache)
        }
        let outputs = cache.appendingPathComponent("outputs")
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
        // What a writer killed before its rename leaves behind: a partial temporary file.
        let first = try StudyBuild.buildShard(study.paths, shard: BuildShard(index: 0, count: 1), options: BuildOptions(cacheFolder: cache))
        let names = try FileManager.default.contentsOfDirectory(atPath: outputs.path).sorted()
        XCTAssertEqual(first.models.map(\.computed), [3, 3, 3])
        let victim = try XCTUnwrap(names.first)
        let bytes = try Data(contentsOf: outputs.appendingPathComponent(victim))
        try FileManager.default.removeItem(at: outputs.appendingPathComponent(victim))
        try bytes.prefix(bytes.count / 2).write(to: outputs.appendingPathComponent(".partial-\(victim.dropLast(4))-999-deadbeef"))

        // The assembly sees one output missing rather than a half-written one ...
        XCTAssertThrowsError(try StudyBuild.build(study.paths, options: BuildOptions(cacheFolder: cache, assembleOnly: true))) { error in
            XCTAssertTrue("\(error)".contains("1 model output(s) are not in the cache"), "\(error)")
        }
        // ... and the shard, run again, computes exactly that one.
        let rerun = try StudyBuild.buildShard(study.paths, shard: BuildShard(index: 0, count: 1), options: BuildOptions(cacheFolder: cache))
        XCTAssertEqual(rerun.models.map(\.computed).reduce(0, +), 1)
        XCTAssertEqual(try Data(contentsOf: outputs.appendingPathComponent(victim)), bytes)
        XCTAssertNoThrow(try StudyBuild.build(study.paths, options: BuildOptions(cacheFolder: cache, assembleOnly: true)))
    }

    func testShardArguments() throws {
        XCTAssertEqual(try BuildShard(parsing: "2/5"), try BuildShard(index: 2, count: 5))
        for bad in ["5/5", "-1/2", "1/0", "1", "a/b", "1/2/3", ""] {
            XCTAssertThrowsError(try BuildShard(parsing: bad), bad)
        }
        let shard = try BuildShard(index: 1, count: 3)
        XCTAssertEqual((0..<7).filter { shard.owns(position: $0) }, [1, 4])
        XCTAssertEqual(try BuildOptions.builtAt(environment: ["SOURCE_DATE_EPOCH": "1800000000"]), Self.builtAt)
        XCTAssertNil(try BuildOptions.builtAt(environment: [:]))
        XCTAssertThrowsError(try BuildOptions.builtAt(environment: ["SOURCE_DATE_EPOCH": "yesterday"]))
    }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []
    var all: [any Error] { lock.withLock { errors } }
    func add(_ error: any Error) { lock.withLock { errors.append(error) } }
}
