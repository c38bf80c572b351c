import Foundation

/// Distribution functions the intervals need, written out so StudyStats stays dependency-free.
public enum SpecialFunctions {
    /// Standard normal CDF.
    public static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Upper tail 1 - Phi(x), accurate far into the tail.
    public static func normalSurvival(_ x: Double) -> Double { 0.5 * erfc(x / 2.0.squareRoot()) }

    /// Standard normal quantile (Wichura 1988, AS 241, relative accuracy about 1e-16).
    public static func normalQuantile(_ p: Double) -> Double {
        guard p > 0 else { return -.infinity }
        guard p < 1 else { return .infinity }
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let num =
                (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r
                    + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                    + 133.14166789178437745) * r + 3.387132872796366608)
            let den =
                (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r
                    + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                    + 42.313330701600911252) * r + 1.0)
            return q * num / den
        }
        var r = (-log(q < 0 ? p : 1 - p)).squareRoot()
        let value: Double
        if r <= 5 {
            r -= 1.6
            let num =
                (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                    + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                    + 4.6303378461565452959) * r + 1.42343711074968357734)
            let den =
                (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                    + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                    + 2.05319162663775882187) * r + 1.0)
            value = num / den
        } else {
            r -= 5
            let num =
                (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                    + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                    + 5.4637849111641143699) * r + 6.6579046435011037772)
            let den =
                (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                    + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                    + 0.59983220655588793769) * r + 1.0)
            value = num / den
        }
        return q < 0 ? -value : value
    }

    /// The two-sided critical value z with P(|Z| <= z) = level.
    public static func twoSidedCritical(level: Double) -> Double { normalQuantile(1 - (1 - level) / 2) }

    /// Student's t quantile with `df` degrees of freedom, from the incomplete beta inverse:
    /// P(|T| > t) = I_{df/(df+t^2)}(df/2, 1/2).
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        guard p > 0 else { return -.infinity }
        guard p < 1 else { return .infinity }
        guard df.isFinite else { return normalQuantile(p) }
        if p == 0.5 { return 0 }
        let tail = 2 * min(p, 1 - p)
        let x = inverseRegularizedIncompleteBeta(tail, a: df / 2, b: 0.5)
        let t = (df * (1 - x) / x).squareRoot()
        return p < 0.5 ? -t : t
    }

    /// Student's t CDF with `df` degrees of freedom (normal when df is infinite).
    public static func studentTCDF(_ t: Double, df: Double) -> Double {
        guard df.isFinite else { return normalCDF(t) }
        guard t.isFinite else { return t > 0 ? 1 : 0 }
        let tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
        return t > 0 ? 1 - tail : tail
    }

    /// log B(a, b).
    public static func logBeta(_ a: Double, _ b: Double) -> Double { lgamma(a) + lgamma(b) - lgamma(a + b) }

    /// The regularized incomplete beta function I_x(a, b) (a, b > 0), by the continued fraction
    /// evaluated with the modified Lentz method, on the side of x where it converges fast.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        guard x > 0 else { return 0 }
        guard x < 1 else { return 1 }
        let logFront = a * log(x) + b * log1p(-x) - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, a: b, b: a) / b
    }

    /// The x in [0, 1] with I_x(a, b) = p: bisection on the monotone CDF, finished by safeguarded
    /// Newton steps (a step leaving the bracket bisects instead), to a relative error of about 1e-15 in x.
    public static func inverseRegularizedIncompleteBeta(_ p: Double, a: Double, b: Double) -> Double {
        guard p > 0 else { return 0 }
        guard p < 1 else { return 1 }
        var low = 0.0
        var high = 1.0
        for _ in 0..<30 {
            let mid = 0.5 * (low + high)
            if regularizedIncompleteBeta(mid, a: a, b: b) < p { low = mid } else { high = mid }
        }
        var x = 0.5 * (low + high)
        let logNorm = logBeta(a, b)
        for _ in 0..<400 {
            let f = regularizedIncompleteBeta(x, a: a, b: b) - p
            if f == 0 { return x }
            if f < 0 { low = x } else { high = x }
            let density = exp((a - 1) * log(x) + (b - 1) * log1p(-x) - logNorm)
            var next = density > 0 && density.isFinite ? x - f / density : 0.5 * (low + high)
            if !(next > low && next < high) { next = 0.5 * (low + high) }
            let converged = abs(next - x) <= 1e-15 * x || high - low <= 1e-15 * high
            x = next
            if converged { break }
        }
        return x
    }

    private static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for step in 1...100_000 {
            let m = Double(step)
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }
}
