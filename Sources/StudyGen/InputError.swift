/// A problem with a file or value the user gave a command: printed as `Error: <message>`, without the usage text.
struct InputError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
