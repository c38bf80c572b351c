import XCTest

/// A test case with a fresh study and a real server on loopback for every test.
class ServerTestCase: XCTestCase {
    var study: TestStudy!
    var server: RunningServer!

    override func setUp() async throws {
        study = try TestStudy()
        server = try await RunningServer.start(study)
    }

    override func tearDown() async throws {
        try await server.stop()
        study.remove()
    }
}
