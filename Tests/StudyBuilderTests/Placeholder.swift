import XCTest
final class StudyBuilderTestsPlaceholder: XCTestCase { func testBuilds() {} }
