/// Ids of models, tasks and images appear in URLs, database rows and file names: a safe alphabet.
public enum StudyIdentifiers {
    /// 1-64 characters from letters, digits, `_`, `-` and `.`.
    public static func isSafe(_ id: String) -> Bool { DefinitionValidation.isSafeID(id) }
}
