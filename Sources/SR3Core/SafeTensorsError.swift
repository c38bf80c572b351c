import Foundation

/// A safetensors file that cannot be read: names the file and the problem.
public struct SafeTensorsError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}

extension SafeTensorsError: LocalizedError {
    public var errorDescription: String? { description }
}
