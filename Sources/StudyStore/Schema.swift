import GRDB
import StudyKit

/// The database schema, as migrations. Never edit a shipped migration; add a new one.
enum Schema {
    static let migrationIdentifiers = ["v1", "v2-server-timing", "v3-participant-key"]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "participant") { t in
                t.primaryKey("id", .text)
                t.column("source", .text).notNull()
                t.column("prolific_study_id", .text)
                t.column("prolific_session_id", .text)
                t.column("user_agent", .text)
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "plan_sequence") { t in
                t.primaryKey("id", .text)
                t.column("task", .text).notNull()
                t.column("position", .integer).notNull()
                t.column("trial_count", .integer).notNull()
                t.column("trials_json", .text).notNull()
                t.column("definition_sha256", .text).notNull()
                t.column("built_at", .text).notNull()
            }
            try db.create(table: "session") { t in
                t.primaryKey("token", .text)
                t.column("participant", .text).notNull().unique().references("participant")
                t.column("sequence", .text).notNull().references("plan_sequence")
                t.column("task", .text).notNull()
                t.column("started_at", .datetime).notNull()
                t.column("last_seen_at", .datetime).notNull()
                t.column("completed_at", .datetime)
                t.column("completion_code", .text)
                t.column("window_w", .integer)
                t.column("window_h", .integer)
                t.column("dpr", .double)
            }
            try db.create(index: "session_on_sequence", on: "session", columns: ["sequence"])
            try db.create(table: "handout") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("sequence", .text).notNull().references("plan_sequence")
                t.column("session", .text).notNull().references("session")
                t.column("handed_out_at", .datetime).notNull()
                t.column("earlier_handouts", .integer).notNull()
            }
            try db.create(table: "answer") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("session", .text).notNull().references("session")
                t.column("trial_index", .integer).notNull()
                t.column("key", .text).notNull().unique()
                t.column("choice", .text).notNull().check { ["left", "right"].contains($0) }
                t.column("response_ms", .double).notNull()
                t.column("exposure_ms", .double)
                t.column("frames", .integer)
                t.column("visibility_lost", .boolean).notNull()
                t.column("focus_lost", .boolean).notNull()
                t.column("window_w", .integer)
                t.column("window_h", .integer)
                t.column("dpr", .double)
                t.column("rendered_px", .double)
                t.column("flags", .text).notNull()
                t.column("client_time", .double)
                t.column("received_at", .datetime).notNull()
                t.uniqueKey(["session", "trial_index"])
            }
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("session", .text).notNull().references("session")
                t.column("kind", .text).notNull()
                t.column("detail", .text)
                t.column("received_at", .datetime).notNull()
            }
            try db.create(index: "event_on_session", on: "event", columns: ["session"])
        }
        migrator.registerMigration("v2-server-timing") { db in
            // The key a session's stimulus URLs are made from: not the session token, and never shared.
            try db.alter(table: "session") { t in
                t.add(column: "stimulus_key", .text)
                // A secret the browser made before it first asked for a session: it resumes even if the
                // answer carrying the session's token was lost.
                t.add(column: "browser_key", .text)
                // When the session last progressed: its latest answer (nil before the first).
                t.add(column: "last_answer_at", .datetime)
            }
            try db.execute(
                sql: """
                    UPDATE session SET last_answer_at = (SELECT MAX(received_at) FROM answer WHERE answer.session = session.token)
                    """)
            try db.execute(sql: "UPDATE session SET stimulus_key = lower(hex(randomblob(16))) WHERE stimulus_key IS NULL")
            try db.create(index: "session_on_stimulus_key", on: "session", columns: ["stimulus_key"], unique: true)
            try db.create(index: "handout_on_sequence", on: "handout", columns: ["sequence"])
            // When the server first served the trial's images, as the server's clock saw it.
            try db.alter(table: "answer") { t in t.add(column: "served_at", .datetime) }
            try db.create(table: "stimulus_serve") { t in
                t.column("session", .text).notNull().references("session")
                t.column("trial_index", .integer).notNull()
                t.column("slot", .text).notNull()
                t.column("first_served_at", .datetime).notNull()
                t.column("last_served_at", .datetime).notNull()
                t.column("serves", .integer).notNull()
                t.primaryKey(["session", "trial_index", "slot"])
            }
            try db.create(table: "session_flag") { t in
                t.column("session", .text).notNull().references("session")
                t.column("flag", .text).notNull()
                t.column("detail", .text).notNull()
                t.column("raised_at", .datetime).notNull()
                t.primaryKey(["session", "flag"])
            }
        }
        migrator.registerMigration("v3-participant-key") { db in
            // Participant ids compared as people read them (ParticipantIdentifier.comparisonKey). Not unique:
            // ids recorded before this migration may share a key; each keeps its session.
            try db.alter(table: "participant") { t in t.add(column: "comparison_key", .text) }
            for id in try String.fetchAll(db, sql: "SELECT id FROM participant") {
                try db.execute(
                    sql: "UPDATE participant SET comparison_key = ? WHERE id = ?",
                    arguments: [ParticipantIdentifier.comparisonKey(id), id])
            }
            try db.create(index: "participant_on_comparison_key", on: "participant", columns: ["comparison_key"])
            // A browser without a participant id resumes by its key too (`resumeSession`).
            try db.create(index: "session_on_browser_key", on: "session", columns: ["browser_key"])
        }
        return migrator
    }
}
