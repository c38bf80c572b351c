import Foundation
import StudyKit
import XCTest

@testable import StudyServerCore

/// The serve banner names the dashboard and warns when a Prolific study could not check completion codes.
final class ServeBannerTests: XCTestCase {
    func testBannerNamesTheDashboardAndWarnsWithoutACompletionCode() throws {
        let study = try TestStudy()
        defer { study.remove() }
        var manifest = study.manifest
        manifest.definition.completion = CompletionSpec(redirectURL: nil, code: nil)
        let lines = ServeBanner.lines(manifest: manifest, base: "http://127.0.0.1:8080", databasePath: "db.sqlite", generatedAdminToken: "t0k")
        XCTAssertTrue(lines.contains { $0.contains("http://127.0.0.1:8080/admin.html") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("admin token:  t0k") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("  warning: no completion code is set") }, "\(lines)")

        manifest.definition.completion = CompletionSpec(redirectURL: "https://example.org/done?cc=C1A2B3C4", code: "C1A2B3C4")
        let configured = ServeBanner.lines(manifest: manifest, base: "http://x", databasePath: "db", generatedAdminToken: nil)
        XCTAssertFalse(configured.contains { $0.contains("warning") }, "\(configured)")
        XCTAssertFalse(configured.joined().contains("t0k"))
    }
}
