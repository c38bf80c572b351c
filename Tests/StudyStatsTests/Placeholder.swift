import XCTest
final class StudyStatsTestsPlaceholder: XCTestCase { func testBuilds() {} }
