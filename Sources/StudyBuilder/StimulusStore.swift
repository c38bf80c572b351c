import Foundation
import Imaging
import StudyKit

/// Writes stimuli into `<build>/stimuli/<sha256 of the bytes>.png`. Every stimulus goes through the same
/// PNG encoder (8-bit RGB, no text or time chunks), so neither its name, its name's length nor its
/// metadata says which image or model it came from, and the same pixels always get the same name.
struct StimulusStore {
    static let folderName = "stimuli"

    let buildFolder: URL
    private var written: Set<String> = []

    init(buildFolder: URL) throws {
        self.buildFolder = buildFolder
        let folder = buildFolder.appendingPathComponent(StimulusStore.folderName)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw StudyError(
                file: folder, problem: "cannot create the stimuli folder (\(error.localizedDescription))",
                fix: "check the permissions and free space of the study folder")
        }
    }

    var count: Int { written.count }

    static func encode(_ image: RGBImage) throws -> Data {
        do { return try PNG.encode(image) } catch {
            throw StudyError(
                file: URL(fileURLWithPath: "stimuli"), problem: "cannot encode a \(image.width)x\(image.height) stimulus (\(error))",
                fix: "this is a bug; please report it with the study definition")
        }
    }

    mutating func add(_ image: RGBImage) throws -> StimulusRef { try add(png: StimulusStore.encode(image)) }

    /// `png` must come from `PNG.encode` (e.g. read back from the output cache).
    mutating func add(png: Data) throws -> StimulusRef {
        let sha = ContentHash.sha256Hex(png)
        let file = "\(StimulusStore.folderName)/\(sha).png"
        if written.insert(sha).inserted {
            let url = buildFolder.appendingPathComponent(file)
            do { try png.write(to: url) } catch {
                throw StudyError(
                    file: url, problem: "cannot write the stimulus (\(error.localizedDescription))",
                    fix: "check the permissions and free space of the study folder")
            }
        }
        return StimulusRef(file: file, sha256: sha)
    }
}
