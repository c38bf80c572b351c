import StudyKit

/// What `studyserver serve` prints once it listens: where participants and the researcher go, and what the
/// study's settings leave undone.
public enum ServeBanner {
    /// `adminToken` is printed only when it was generated (nil: given by the researcher, not repeated).
    public static func lines(manifest: Manifest, base: String, databasePath: String, generatedAdminToken: String?) -> [String] {
        var lines = [
            "Serving study '\(manifest.definition.name)' (\(manifest.design.sequences.count) sequences)",
            "  database:     \(databasePath)",
            "  participants: \(base)/   (add ?pid=<id> or Prolific's ?PROLIFIC_PID=...&STUDY_ID=...&SESSION_ID=...)",
            "  dashboard:    \(base)/admin.html   (live progress, flags and fool rates; asks for the admin token)",
            "  researcher:   \(base)/api/admin/progress  and  \(base)/api/admin/export?format=csv",
        ]
        lines.append(
            generatedAdminToken.map { "  admin token:  \($0)   (generated; send 'Authorization: Bearer <token>')" }
                ?? "  admin token:  as given (--admin-token / STUDY_ADMIN_TOKEN)")
        lines += warnings(manifest.definition).map { "  warning: \($0)" }
        lines.append("Press Ctrl-C to stop.")
        return lines
    }

    static func warnings(_ definition: StudyDefinition) -> [String] {
        var found: [String] = []
        if definition.completion.code == nil {
            found.append(
                "no completion code is set (completion.code): each participant gets a generated code, which a Prolific study "
                    + "cannot check; set the study's Prolific completion code and completion.redirect_url before recruiting there")
        }
        return found
    }
}
