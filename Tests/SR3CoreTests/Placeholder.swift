import XCTest
final class SR3CoreTestsPlaceholder: XCTestCase { func testBuilds() {} }
