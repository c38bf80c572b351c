/// A failure reading the study or database, or writing the output: printed as `Error: <message>` without
/// the usage text, since the arguments themselves were fine.
struct ServerCommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
