import GRDB

/// An answer's flags (StudyKit's `AnswerFlag` names, and `interrupted_<reason>`), in the order they were
/// raised. The `flags` column stores them joined by commas, empty when there are none.
public struct AnswerFlags: Sendable, Equatable, Codable, DatabaseValueConvertible {
    public var names: [String]

    public init(_ names: [String] = []) { self.names = names }

    /// The column's form of the flags; the database and Codable both read and write only this.
    var stored: String { names.joined(separator: ",") }

    init(stored: String) { names = stored.split(separator: ",").map(String.init) }

    public var databaseValue: DatabaseValue { stored.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> AnswerFlags? {
        String.fromDatabaseValue(dbValue).map(AnswerFlags.init(stored:))
    }

    public init(from decoder: any Decoder) throws {
        self.init(stored: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(stored)
    }
}
