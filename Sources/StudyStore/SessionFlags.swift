import Foundation
import GRDB
import StudyKit

extension StudyDatabase {
    /// Replaces the session's participant flags with `flags` (flag -> what raised it), keeping when each
    /// flag was first raised; called inside the completion's transaction.
    static func replaceFlags(_ db: Database, token: String, flags: [ParticipantFlag: String], now: Date) throws {
        let kept = try SessionFlagRecord.filter(SessionFlagRecord.Columns.session == token).fetchAll(db)
        var raisedAt: [String: Date] = [:]
        for record in kept { raisedAt[record.flag] = record.raisedAt }
        try SessionFlagRecord.filter(SessionFlagRecord.Columns.session == token).deleteAll(db)
        for (flag, detail) in flags.sorted(by: { $0.key < $1.key }) {
            try SessionFlagRecord(
                session: token, flag: flag.rawValue, detail: detail,
                raisedAt: raisedAt[flag.rawValue] ?? now
            ).insert(db)
        }
    }

    public func sessionFlags(token: String? = nil) async throws -> [SessionFlagRecord] {
        try await pool.read { db in
            var request = SessionFlagRecord.order(SessionFlagRecord.Columns.session, SessionFlagRecord.Columns.flag)
            if let token { request = request.filter(SessionFlagRecord.Columns.session == token) }
            return try request.fetchAll(db)
        }
    }
}
