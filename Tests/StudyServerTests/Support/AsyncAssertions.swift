import XCTest

/// XCTAssertThrowsError / XCTAssertNoThrow for async expressions (the store's calls are all async).
func assertThrowsAsync<T>(
    _ expression: @autoclosure () async throws -> T, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line, _ handler: (any Error) -> Void = { _ in }
) async {
    do {
        _ = try await expression()
        XCTFail("XCTAssertThrowsError failed: did not throw an error" + (message.isEmpty ? "" : " - \(message)"), file: file, line: line)
    } catch {
        handler(error)
    }
}

func assertNoThrowAsync<T>(_ expression: @autoclosure () async throws -> T, file: StaticString = #filePath, line: UInt = #line) async {
    do { _ = try await expression() } catch { XCTFail("XCTAssertNoThrow failed: threw error \"\(error)\"", file: file, line: line) }
}
