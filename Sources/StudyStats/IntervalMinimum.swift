/// The fewest participants and images an interval that accounts for both is computed from. Below either,
/// the report says "too few" instead of a number: the crossed variance then rests on a handful of units and
/// its t critical value on fewer than 3 degrees of freedom (4.3 at 4 participants, 12.7 at 2), which gave
/// pilot differences such as [-2199%, 2199%].
public enum IntervalMinimum {
    public static let participants = 5
    public static let images = 5

    /// Words for why an interval is missing, nil when `participants` and `images` suffice.
    public static func shortfall(participants: Int, images: Int) -> String? {
        var missing: [String] = []
        if participants < Self.participants { missing.append("\(participants) participants") }
        if images < Self.images { missing.append("\(images) images") }
        guard !missing.isEmpty else { return nil }
        return "too few for an interval (\(missing.joined(separator: ", ")); "
            + "it needs at least \(Self.participants) participants and \(Self.images) images)"
    }

    /// What a table shows in place of a missing interval.
    public static let tooFewLabel = "too few"
}

extension ConfidenceInterval {
    /// The interval cut to what the quantity can be: [0, 1] for rates, [-1, 1] for differences of rates.
    func clamped(to range: ClosedRange<Double>) -> ConfidenceInterval {
        var c = self
        c.low = min(max(low, range.lowerBound), range.upperBound)
        c.high = min(max(high, range.lowerBound), range.upperBound)
        return c
    }
}
