import Foundation
import SR3Core
import XCTest

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func load(_ name: String) throws -> SafeTensors { try SafeTensors.read(url(name)) }

    static func tensor(_ file: SafeTensors, _ name: String, file path: StaticString = #filePath, line: UInt = #line) throws -> NamedTensor {
        try XCTUnwrap(file.tensors[name], "fixture tensor \(name) missing", file: path, line: line)
    }
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var worst: Float = 0
    for i in a.indices { worst = max(worst, abs(a[i] - b[i])) }
    return worst
}
