import Foundation
import Logging
import ServiceLifecycle
import StudyStore

/// Keeps the database's WAL small while the server runs: a truncating checkpoint every `interval` seconds
/// (`StudyDatabase.truncateWAL`). A reader holding an old snapshot (a researcher's sqlite3) delays the
/// truncation to the first checkpoint after it finishes; nothing waits for it.
struct StorageMaintenance: Service {
    let database: StudyDatabase
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(nanoseconds: UInt64(max(0.01, interval) * 1e9))
                } catch {
                    return
                }
                do {
                    try await database.truncateWAL()
                } catch {
                    logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
