import Foundation
import StudyKit

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
    /// The participant id already has a session, and the request did not carry that session's token.
    case participantHasSession
    case backupExists(path: String)
    case backupFailed(path: String, reason: String)
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
        case .invalidParticipantID:
            return "the participant id is not allowed: use \(ParticipantIdentifier.ruleDescription)"
        case .backupExists(let path):
            return "\(path) already exists; choose a new backup file name (a backup never overwrites)"
        case .backupFailed(let path, let reason):
            return "the backup to \(path) failed (\(reason)); nothing was written there"
        case .participantHasSession:
            return "this participant id already started the study in another browser or window; "
                + "continue there, or contact the researcher"
        }
    }
}
