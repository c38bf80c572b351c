import Foundation
import StudyKit

/// A build is written into `build.tmp-<id>` next to `build/` and swapped in only when complete,
/// so a failed or interrupted build leaves the previous build as it was.
struct BuildFolder {
    let target: URL
    let temporary: URL

    init(target: URL) throws {
        self.target = target
        temporary = target.deletingLastPathComponent().appendingPathComponent("\(target.lastPathComponent).tmp-\(UUID().uuidString.prefix(8))")
        do { try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true) } catch {
            throw StudyError(
                file: temporary, problem: "cannot create the build folder (\(error.localizedDescription))",
                fix: "check the permissions and free space of \(StudyError.displayPath(target.deletingLastPathComponent()))")
        }
    }

    /// Replaces `target` with the finished temporary folder.
    func commit() throws {
        let fm = FileManager.default
        let old = target.deletingLastPathComponent().appendingPathComponent("\(target.lastPathComponent).tmp-old-\(UUID().uuidString.prefix(8))")
        do {
            if fm.fileExists(atPath: target.path) { try fm.moveItem(at: target, to: old) }
            do { try fm.moveItem(at: temporary, to: target) } catch {
                if fm.fileExists(atPath: old.path) { try? fm.moveItem(at: old, to: target) }
                throw error
            }
        } catch {
            throw StudyError(
                file: target, problem: "cannot move the new build into place (\(error.localizedDescription))",
                fix: "check the permissions of \(StudyError.displayPath(target.deletingLastPathComponent())); the previous build is unchanged")
        }
        try? fm.removeItem(at: old)
    }

    func discard() { try? FileManager.default.removeItem(at: temporary) }
}
