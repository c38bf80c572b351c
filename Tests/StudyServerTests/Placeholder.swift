import XCTest
final class StudyServerTestsPlaceholder: XCTestCase { func testBuilds() {} }
