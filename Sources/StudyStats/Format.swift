import Foundation

/// Number formatting shared by the renderers (locale-independent).
enum Format {
    static func number(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "-" }
        return String(format: "%.\(digits)f", value)
    }

    static func percent(_ value: Double?, digits: Int = 1) -> String {
        guard let value, value.isFinite else { return "-" }
        return String(format: "%.\(digits)f%%", value * 100)
    }

    static func pValue(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        if value < 1e-4 { return "<0.0001" }
        return String(format: "%.4f", value)
    }
}
