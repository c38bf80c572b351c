import Foundation

/// Problems with a study database, each naming the file and what to do about it.
public enum StudyStoreError: Error, CustomStringConvertible, Equatable {
    case missingDatabase(path: String)
    case notAStudyDatabase(path: String, reason: String)
    case newerSchema(path: String, unknownMigrations: [String])
    /// The database holds hand-outs of a sequence whose trials differ in the manifest now being used.
    case planChanged(path: String, sequence: String)
    /// An answer refers to a sequence or trial the manifest does not have.
    case answerOutsideManifest(path: String, session: String, sequence: String, trialIndex: Int)
    case invalidParticipantID(String)
    /// A session was requested but the manifest's design has no sequences to hand out.
    case noSequences

    public var description: String {
        switch self {
        case .missingDatabase(let path):
            return "no study database at \(path): serve the study first (`studyserver serve`) or pass the right --db"
        case .notAStudyDatabase(let path, let reason):
            return "\(path) is not a study database (\(reason)); pass another --db file or move this one away"
        case .newerSchema(let path, let unknown):
            return "\(path) was written by a newer studyserver (unknown migrations: \(unknown.joined(separator: ", "))); update studyserver"
        case .planChanged(let path, let sequence):
            return "\(path) recorded hand-outs of sequence \(sequence), whose trials differ in this build of the study; "
                + "serve this build with a fresh --db, or rebuild the study with the same design"
        case .answerOutsideManifest(let path, let session, let sequence, let index):
            return "\(path): session \(session) answered trial \(index) of sequence \(sequence), which this manifest does not have; "
                + "use the build the answers were recorded against"
        case .noSequences:
            return "the study's design has no sequences to hand out; check participants_per_task and rebuild the study"
        case .invalidParticipantID(let id):
            return "participant id '\(id.prefix(80))' is not allowed: use 1-128 printable characters"
        }
    }
}
