import Foundation
import GRDB
import XCTest

@testable import StudyServerCore
@testable import StudyStore

#if canImport(Glibc)
    import Glibc
#endif

/// Bounded storage: small events, a WAL that shrinks once readers let it, and a full disk answered with a
/// distinct 507 that the server recovers from without a restart.
final class StorageTests: XCTestCase {
    func testEventBytesPerSessionAreCapped() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let server = try await RunningServer.start(study)
        let participant = try await Participant.start(server.client)
        let detail = ["text": String(repeating: "x", count: 4000)]
        var statuses: [Int: Int] = [:]
        for _ in 0..<40 {
            let reply = try await server.client.post("/api/sessions/\(participant.token)/events", json: ["kind": "note", "detail": detail])
            statuses[reply.status, default: 0] += 1
        }
        XCTAssertEqual(statuses[204], 16, "\(statuses)")
        XCTAssertEqual(statuses[429], 24)
        let events = try await server.server.database.events(token: participant.token)
        let bytes = events.map { $0.kind.utf8.count + ($0.detail?.utf8.count ?? 0) }.reduce(0, +)
        XCTAssertLessThanOrEqual(bytes, StudyDatabase.maxEventBytesPerSession)
        // Small events still go in up to the count limit's share of the bytes.
        let other = try await Participant.start(server.client)
        let small = try await server.client.post("/api/sessions/\(other.token)/events", json: ["kind": "blur"])
        XCTAssertEqual(small.status, 204)
        try await server.stop()
    }

    func testTheWALShrinksOnceALongReaderFinishesWithoutARestart() async throws {
        let study = try TestStudy(sequencesPerTask: 3)
        defer { study.remove() }
        let server = try await RunningServer.start(study) { $0.checkpointInterval = 0.2 }
        var participants: [Participant] = []
        for _ in 0..<6 { participants.append(try await Participant.start(server.client)) }
        // A researcher's sqlite3 holds one snapshot open while answers and events arrive.
        let reader = LongReader(path: study.databasePath)
        try reader.start()
        let detail = ["text": String(repeating: "y", count: 3000)]
        for participant in participants {
            for _ in 0..<15 {
                let reply = try await server.client.post("/api/sessions/\(participant.token)/events", json: ["kind": "note", "detail": detail])
                XCTAssertEqual(reply.status, 204)
            }
            try await participant.answerAll()
        }
        try await Task.sleep(nanoseconds: 500_000_000)  // checkpoints run meanwhile, and cannot truncate
        let grown = server.server.database.storageStatus().walBytes
        XCTAssertGreaterThan(grown, 200_000, "the reader's snapshot keeps the WAL")
        reader.finish()
        // Once the reader is done, a periodic checkpoint truncates the WAL (bounded wait, no restart).
        var wal = grown
        for _ in 0..<100 where wal > 0 {
            try await Task.sleep(nanoseconds: 100_000_000)
            wal = server.server.database.storageStatus().walBytes
        }
        XCTAssertEqual(wal, 0, "the WAL is truncated after the reader finished")
        let value1 = try await server.server.database.answerCount()
        XCTAssertEqual(value1, 6 * TestStudy.trialsPerSequence)
        try await server.stop()
    }

    func testAFullDiskIsA507ThatTheServerRecoversFromWithoutARestart() async throws {
        let study = try TestStudy()
        defer { study.remove() }
        let volume = study.root.appendingPathComponent("small-volume")
        try FileManager.default.createDirectory(at: volume, withIntermediateDirectories: true)
        guard SmallVolume.mount(volume, bytes: 3 * 1024 * 1024) else {
            // No tmpfs here (not root): the mapping from SQLite's "disk full" to the 507 is tested directly.
            XCTAssertNotEqual(getuid(), 0, "as root, the small volume must mount")
            XCTAssertTrue(StudyDatabase.isStorageFull(DatabaseError(resultCode: .SQLITE_FULL)))
            XCTAssertFalse(StudyDatabase.isStorageFull(DatabaseError(resultCode: .SQLITE_BUSY)))
            XCTAssertEqual(APIError.storageFull.status.code, 507)
            XCTAssertEqual(APIError.storageFull.reason, "storage_full")
            XCTAssertEqual(APIError.storageLow.reason, "storage_low")
            return
        }
        defer { SmallVolume.unmount(volume) }
        let server = try await RunningServer.start(study) {
            $0.databasePath = volume.appendingPathComponent("responses.sqlite").path
            $0.minFreeBytesForNewSessions = 512 * 1024
        }
        let participant = try await Participant.start(server.client)
        try await participant.show(0)
        let value2 = try await participant.answer(0).status
        XCTAssertEqual(value2, 200)
        let live = try await server.client.get("/api/admin/live", headers: ["Authorization": "Bearer \(RunningServer.adminToken)"])
        let storage = try XCTUnwrap(live.json()["storage"] as? [String: Any])
        XCTAssertGreaterThan(storage["free_bytes"] as? Int ?? 0, 0, "free space is on the dashboard")
        XCTAssertGreaterThan(storage["database_bytes"] as? Int ?? 0, 0)

        // The disk fills up (another process's file): new sessions are refused first, then answers.
        try await participant.show(1)
        try await server.server.database.truncateWAL()
        let filler = volume.appendingPathComponent("filler")
        SmallVolume.fill(filler)
        let newSession = try await server.client.post("/api/sessions", json: [:])
        XCTAssertEqual(newSession.status, 507, newSession.text)
        XCTAssertEqual(try newSession.json()["reason"] as? String, "storage_low")
        let answerKey = "k-full-\(participant.token.prefix(8))"
        let full = try await participant.answer(1, key: answerKey)
        XCTAssertEqual(full.status, 507, full.text)
        XCTAssertEqual(try full.json()["reason"] as? String, "storage_full")
        XCTAssertNotNil(full.headers["retry-after"])
        // Every image serve is recorded, so an image is a 507 too (the page retries it), never a 500.
        let image = try XCTUnwrap(participant.imageURLs(2).first)
        let refusedImage = try await server.client.get(image)
        XCTAssertEqual(refusedImage.status, 507, refusedImage.text)
        let value3 = try await server.server.database.answerCount()
        XCTAssertEqual(value3, 1, "nothing half-recorded")

        // Space returns: the same answer (the page retries it) is recorded, and new sessions start again.
        try FileManager.default.removeItem(at: filler)
        let retried = try await participant.answer(1, key: answerKey)
        XCTAssertEqual(retried.status, 200, retried.text)
        let servedImage = try await server.client.get(image)
        XCTAssertEqual(servedImage.status, 200)
        let value4 = try await server.client.post("/api/sessions", json: [:]).status
        XCTAssertEqual(value4, 201)
        let value5 = try await server.server.database.answerCount()
        XCTAssertEqual(value5, 2)
        try await server.stop()
    }
}

/// A read transaction held open on its own connection, like a researcher's `sqlite3` session.
final class LongReader: @unchecked Sendable {
    let path: String
    private let release = DispatchSemaphore(value: 0)
    private let started = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(path: String) { self.path = path }

    func start() throws {
        let queue = try DatabaseQueue(path: path)
        Thread.detachNewThread { [self] in
            try? queue.inDatabase { db in
                try db.execute(sql: "BEGIN")
                _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM answer")
                started.signal()
                release.wait()
                try db.execute(sql: "COMMIT")
            }
            try? queue.close()
            done.signal()
        }
        started.wait()
    }

    func finish() {
        release.signal()
        done.wait()
    }
}

/// A small tmpfs, for a disk that really fills up (needs root; `mount` refuses otherwise).
enum SmallVolume {
    static func mount(_ folder: URL, bytes: Int) -> Bool {
        run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", folder.path])
    }

    static func unmount(_ folder: URL) {
        _ = run("/bin/umount", [folder.path])
    }

    /// Writes `file` until the volume is full.
    static func fill(_ file: URL) {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else { return }
        guard let handle = try? FileHandle(forWritingTo: file) else { return }
        defer { try? handle.close() }
        let chunk = Data(repeating: 0x55, count: 4096)
        for _ in 0..<100_000 {
            do { try handle.write(contentsOf: chunk) } catch { return }
        }
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        } catch {
            return false
        }
    }
}
