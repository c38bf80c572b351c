/// Derivative-free minimisation by the Nelder-Mead simplex (standard coefficients: reflection 1,
/// expansion 2, contraction 1/2, shrink 1/2), restarted from its best point until a restart no longer
/// improves: a collapsed simplex is the method's known way of stopping early. Unbounded: callers map
/// bounds away (the mixed model's deviance is even in each relative standard deviation).
enum NelderMead {
    struct Result: Sendable, Equatable {
        var point: [Double]
        var value: Double
        var evaluations: Int
        /// The tolerances were met (not stopped by `maxEvaluations`) and the value is finite.
        var converged: Bool
    }

    /// Minimises `f` from `start`, with the first simplex `steps` away along each axis. Stops when the
    /// values across the simplex differ by at most `valueTolerance` and every vertex is within
    /// `pointTolerance` of the best in every coordinate.
    static func minimize(
        start: [Double], steps: [Double], valueTolerance: Double, pointTolerance: Double, maxEvaluations: Int,
        maxRestarts: Int = 4, _ f: ([Double]) -> Double
    ) -> Result {
        var evaluations = 0
        var best = simplexRun(
            start: start, steps: steps, valueTolerance: valueTolerance, pointTolerance: pointTolerance,
            budget: maxEvaluations, evaluations: &evaluations, f)
        var restarts = 0
        while best.converged, restarts < maxRestarts, evaluations < maxEvaluations {
            restarts += 1
            let again = simplexRun(
                start: best.point, steps: steps.map { $0 / 2 }, valueTolerance: valueTolerance, pointTolerance: pointTolerance,
                budget: maxEvaluations - evaluations, evaluations: &evaluations, f)
            let improved = again.value < best.value - valueTolerance
            if again.value < best.value { best = Result(point: again.point, value: again.value, evaluations: 0, converged: again.converged) }
            if !improved { break }
        }
        best.evaluations = evaluations
        return best
    }

    private static func simplexRun(
        start: [Double], steps: [Double], valueTolerance: Double, pointTolerance: Double, budget: Int,
        evaluations: inout Int, _ f: ([Double]) -> Double
    ) -> Result {
        let d = start.count
        var used = 0
        guard d > 0 else {
            evaluations += 1
            return Result(point: start, value: f(start), evaluations: 1, converged: true)
        }
        func value(_ x: [Double]) -> Double {
            used += 1
            evaluations += 1
            let v = f(x)
            return v.isNaN ? .infinity : v
        }
        var points = [start]
        for i in 0..<d {
            var p = start
            p[i] += steps[i] == 0 ? 0.1 : steps[i]
            points.append(p)
        }
        var values = points.map(value)
        func centroid(excluding worst: Int) -> [Double] {
            var c = [Double](repeating: 0, count: d)
            for (k, p) in points.enumerated() where k != worst { for i in 0..<d { c[i] += p[i] } }
            return c.map { $0 / Double(d) }
        }
        func along(_ c: [Double], _ p: [Double], _ t: Double) -> [Double] { (0..<d).map { c[$0] + t * (p[$0] - c[$0]) } }

        while true {
            let order = values.indices.sorted { values[$0] < values[$1] }
            points = order.map { points[$0] }
            values = order.map { values[$0] }
            let spreadValue = values[d] - values[0]
            let spreadPoint = points.dropFirst().map { p in (0..<d).map { abs(p[$0] - points[0][$0]) }.max() ?? 0 }.max() ?? 0
            if spreadValue <= valueTolerance && spreadPoint <= pointTolerance {
                return Result(point: points[0], value: values[0], evaluations: used, converged: values[0].isFinite)
            }
            if used >= budget { return Result(point: points[0], value: values[0], evaluations: used, converged: false) }
            let c = centroid(excluding: d)
            let reflected = along(c, points[d], -1)
            let fr = value(reflected)
            if fr < values[0] {
                let expanded = along(c, points[d], -2)
                let fe = value(expanded)
                if fe < fr {
                    points[d] = expanded
                    values[d] = fe
                } else {
                    points[d] = reflected
                    values[d] = fr
                }
            } else if fr < values[d - 1] {
                points[d] = reflected
                values[d] = fr
            } else {
                let outside = fr < values[d]
                let contracted = along(c, points[d], outside ? -0.5 : 0.5)
                let fc = value(contracted)
                if fc < (outside ? fr : values[d]) {
                    points[d] = contracted
                    values[d] = fc
                } else {
                    for k in 1...d {
                        points[k] = along(points[0], points[k], 0.5)
                        values[k] = value(points[k])
                    }
                }
            }
        }
    }
}
