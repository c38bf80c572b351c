import XCTest
final class StudyKitTestsPlaceholder: XCTestCase { func testBuilds() {} }
