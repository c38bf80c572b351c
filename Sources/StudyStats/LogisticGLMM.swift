import Foundation

/// The fixed-effects design of the mixed model: ONE declared matrix, a named column per coefficient.
/// `fooled ~ 0 + model` is `indicators(...)`; a covariate (duration, position) is one more column.
public struct FixedEffectsDesign: Sendable, Equatable {
    public private(set) var names: [String] = []
    /// Column-major: `columns[c][row]`.
    public private(set) var columns: [[Double]] = []
    public let rows: Int

    public init(rows: Int) { self.rows = max(rows, 0) }

    /// One 0/1 column per level in `levels` (in that order): row r has a 1 in the column of `rowLevels[r]`.
    public static func indicators(levels: [String], rowLevels: [String]) -> FixedEffectsDesign {
        var design = FixedEffectsDesign(rows: rowLevels.count)
        for level in levels {
            design.names.append(level)
            design.columns.append(rowLevels.map { $0 == level ? 1 : 0 })
        }
        return design
    }

    public enum DesignError: Error, Equatable, CustomStringConvertible {
        case rowCount(column: String, expected: Int, got: Int)
        case duplicateName(String)
        case notFinite(column: String)

        public var description: String {
            switch self {
            case .rowCount(let column, let expected, let got): return "design column \(column) has \(got) rows, expected \(expected)"
            case .duplicateName(let name): return "design column \(name) declared twice"
            case .notFinite(let column): return "design column \(column) has a value that is not a finite number"
            }
        }
    }

    /// Adds a covariate column (e.g. centred response time) to the declared matrix.
    public mutating func addColumn(_ name: String, values: [Double]) throws {
        guard values.count == rows else { throw DesignError.rowCount(column: name, expected: rows, got: values.count) }
        guard !names.contains(name) else { throw DesignError.duplicateName(name) }
        guard values.allSatisfy(\.isFinite) else { throw DesignError.notFinite(column: name) }
        names.append(name)
        columns.append(values)
    }

    /// A 0/1 column: the rows where it is 1 form a group whose coefficient separation can send to infinity.
    func isIndicator(_ c: Int) -> Bool { columns[c].allSatisfy { $0 == 0 || $0 == 1 } }
}

/// Binary answers with two crossed grouping factors (participants and images) and a fixed-effects design.
public struct CrossedBinaryData: Sendable, Equatable {
    public var fooled: [Bool]
    /// 0..<participantCount per row.
    public var participant: [Int]
    /// 0..<imageCount per row.
    public var image: [Int]
    public var participantCount: Int
    public var imageCount: Int
    public var design: FixedEffectsDesign

    public init(fooled: [Bool], participant: [Int], image: [Int], participantCount: Int, imageCount: Int, design: FixedEffectsDesign) {
        self.fooled = fooled
        self.participant = participant
        self.image = image
        self.participantCount = participantCount
        self.imageCount = imageCount
        self.design = design
    }

    /// Consistent sizes and indices in range.
    var isWellFormed: Bool {
        let n = fooled.count
        return participant.count == n && image.count == n && design.rows == n
            && participant.allSatisfy { $0 >= 0 && $0 < participantCount } && image.allSatisfy { $0 >= 0 && $0 < imageCount }
    }
}

/// One fixed-effect coefficient of a fitted model.
public struct GLMMCoefficient: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case estimated
        /// Every row of this indicator column has the same answer: the estimate is -inf (`fooled == false`)
        /// or +inf; the column's rows are left out of the fit, which is the limit of the likelihood.
        case separated(allFooled: Bool, trials: Int)
        /// Nothing left to estimate it from after the separated rows were set aside.
        case notEstimable
    }

    public var name: String
    public var status: Status
    /// Logit scale; nil unless `status == .estimated`.
    public var estimate: Double?
    public var standardError: Double?
}

/// A logistic mixed model `y ~ 0 + X + (1 | participant) + (1 | image)` fitted as lme4's `glmer` does
/// with `nAGQ = 1` (the Laplace approximation).
public struct LogisticGLMMFit: Sendable, Equatable {
    public enum CovarianceSource: String, Sendable, Equatable, Codable {
        /// 2 H^-1 over (theta, beta), H the finite-difference Hessian of the deviance: lme4's default for glmer.
        case hessian = "finite_difference_hessian"
        /// The fixed-effects block of the penalised least-squares system at the modes (lme4's fallback, "RX").
        case conditional = "conditional_at_modes"
    }

    public var coefficients: [GLMMCoefficient]
    /// Standard deviations of the participant and image intercepts (logit scale).
    public var participantSD: Double
    public var imageSD: Double
    /// The Laplace deviance at the optimum: sum of binomial deviance residuals + |u|^2 + log det(L)^2.
    public var deviance: Double
    public var logLikelihood: Double { -deviance / 2 }
    /// Rows used (separated rows set aside are not counted).
    public var trials: Int
    public var converged: Bool
    /// Largest |H^-1 g| over (theta, beta) at the optimum (lme4's scaled-gradient check; 0.002 passes).
    public var scaledGradient: Double?
    public var evaluations: Int
    public var covarianceSource: CovarianceSource
    /// Covariance of (theta_participant, theta_image, estimated betas...) from 2 H^-1; nil when H is not
    /// positive definite.
    public var parameterCovariance: [[Double]]?
    /// Covariance of the estimated betas (in coefficient order, estimated ones only).
    public var betaCovariance: [[Double]]
    public var singularParticipant: Bool
    public var singularImage: Bool
    /// Plain-words notes: singular fit, separation, non-convergence, covariance fallback.
    public var notes: [String]

    /// Index among the estimated coefficients (the order of `betaCovariance`), nil when not estimated.
    public func estimatedIndex(_ name: String) -> Int? {
        coefficients.filter { $0.status == .estimated }.firstIndex { $0.name == name }
    }
}

public enum LogisticGLMM {
    /// lme4's singularity tolerance (`isSingular`, tol = 1e-4 on theta).
    static let singularTolerance = 1e-4
    /// lme4's `check.conv.grad` tolerance on the scaled gradient.
    static let gradientTolerance = 0.002
    /// lme4's `deriv12` step.
    static let hessianStep = 1e-4

    public enum FitError: Error, Equatable, CustomStringConvertible {
        case malformed
        case tooFewLevels(participants: Int, images: Int)
        case nothingToEstimate
        case noFiniteOptimum

        public var description: String {
            switch self {
            case .malformed: return "inconsistent data for the mixed model"
            case .tooFewLevels(let p, let i):
                return "the mixed model needs at least 2 participants and 2 images (have \(p) and \(i))"
            case .nothingToEstimate: return "every model fooled nobody or everybody: no mixed model left to fit"
            case .noFiniteOptimum: return "the mixed model found no finite optimum for these trials"
            }
        }
    }

    /// Fits the model. Throws only for data the model cannot be fitted to (explained in words).
    public static func fit(_ data: CrossedBinaryData) throws -> LogisticGLMMFit {
        guard data.isWellFormed else { throw FitError.malformed }
        let design = data.design
        // Separation: an indicator column whose rows all have one answer has its estimate at +-inf; those
        // rows then contribute nothing (their deviance residuals and weights vanish), so leaving them out
        // is the limit lme4's optimiser creeps towards.
        var keep = [Bool](repeating: true, count: data.fooled.count)
        var statuses = [GLMMCoefficient.Status](repeating: .estimated, count: design.names.count)
        for c in design.names.indices where design.isIndicator(c) {
            let rows = design.columns[c].indices.filter { design.columns[c][$0] == 1 }
            guard let first = rows.first.map({ data.fooled[$0] }), rows.allSatisfy({ data.fooled[$0] == first }) else { continue }
            statuses[c] = .separated(allFooled: first, trials: rows.count)
            for r in rows { keep[r] = false }
        }
        let rows = keep.indices.filter { keep[$0] }
        for c in design.names.indices where statuses[c] == .estimated && !rows.contains(where: { design.columns[c][$0] != 0 }) {
            statuses[c] = .notEstimable
        }
        let estimated = design.names.indices.filter { statuses[$0] == .estimated }
        guard !estimated.isEmpty, !rows.isEmpty else { throw FitError.nothingToEstimate }
        let participants = Set(rows.map { data.participant[$0] }).count
        let images = Set(rows.map { data.image[$0] }).count
        guard participants >= 2, images >= 2 else { throw FitError.tooFewLevels(participants: participants, images: images) }

        var deviance = LaplaceDeviance(data: data, rows: rows, columns: estimated)
        let k = estimated.count

        // Stage 1 (lme4's nAGQ = 0 start): beta inside PIRLS with the modes, the two thetas outside. Only a
        // starting point, so a loose tolerance.
        var stage1Beta = [Double](repeating: 0, count: k)
        let stage1 = NelderMead.minimize(
            start: [1, 1], steps: [0.2, 0.2], valueTolerance: 1e-4, pointTolerance: 1e-3, maxEvaluations: 2000
        ) { theta in
            let result = deviance.evaluate(theta: theta, beta: stage1Beta, joint: true)
            stage1Beta = result.beta
            return result.deviance
        }
        let stage1Final = deviance.evaluate(theta: stage1.point, beta: stage1Beta, joint: true)
        let start = stage1.point.map(abs) + stage1Final.beta

        // Stage 2 (nAGQ = 1): the Laplace deviance over (theta, beta) together, PIRLS for the modes only.
        // The deviance is even in each theta, so the optimisation runs unbounded and |theta| is reported.
        func laplace(_ x: [Double]) -> Double {
            deviance.evaluate(theta: Array(x[0..<2]), beta: Array(x[2...]), joint: false).deviance
        }
        // lme4's deriv12(devfun, c(theta, beta)) (central differences, step 1e-4) is needed at the optimum
        // anyway; Newton steps on it (with step halving) reach the optimum from the first stage's point in a
        // few Hessians. Where they stall (a Hessian not positive definite, no decrease), Nelder-Mead takes
        // over, as in glmer, and Newton steps polish its answer.
        var optimum = start
        var value = laplace(optimum)
        var (gradient, hessian) = finiteDifferenceDerivatives(laplace, at: optimum, center: value, step: hessianStep)
        func newton(maxSteps: Int) -> Bool {
            for _ in 0..<maxSteps {
                guard let inverse = Matrix.inverseSymmetricPositiveDefinite(hessian) else { return false }
                let step = optimum.indices.map { i in -(0..<optimum.count).reduce(0) { $0 + inverse[i][$1] * gradient[$1] } }
                let decrement = -zip(gradient, step).reduce(0) { $0 + $1.0 * $1.1 }
                if decrement < 1e-8 { return true }
                var fraction = 1.0
                var moved = false
                for _ in 0..<12 {
                    var candidate = optimum.indices.map { optimum[$0] + fraction * step[$0] }
                    candidate[0] = abs(candidate[0])
                    candidate[1] = abs(candidate[1])
                    let candidateValue = laplace(candidate)
                    if candidateValue < value {
                        optimum = candidate
                        value = candidateValue
                        moved = true
                        break
                    }
                    fraction /= 2
                }
                guard moved else { return false }
                (gradient, hessian) = finiteDifferenceDerivatives(laplace, at: optimum, center: value, step: hessianStep)
            }
            return false
        }
        var optimizerConverged = newton(maxSteps: 6)
        if !optimizerConverged {
            let steps = [0.1, 0.1] + [Double](repeating: 0.1, count: k)
            let simplex = NelderMead.minimize(
                start: optimum, steps: steps, valueTolerance: 1e-8, pointTolerance: 1e-5, maxEvaluations: 20_000, laplace)
            if simplex.value < value {
                optimum = simplex.point
                optimum[0] = abs(optimum[0])
                optimum[1] = abs(optimum[1])
                value = laplace(optimum)
                (gradient, hessian) = finiteDifferenceDerivatives(laplace, at: optimum, center: value, step: hessianStep)
            }
            optimizerConverged = simplex.converged
            _ = newton(maxSteps: 3)
        }
        guard value.isFinite, optimum.allSatisfy(\.isFinite) else { throw FitError.noFiniteOptimum }
        _ = laplace(optimum)
        let pirlsConverged = deviance.lastConverged
        let conditional = deviance.conditionalBetaCovariance(theta: Array(optimum[0..<2]), beta: Array(optimum[2...]))
        let inverse = Matrix.inverse(hessian)
        var notes: [String] = []
        let singularP = optimum[0] < singularTolerance
        let singularI = optimum[1] < singularTolerance
        // lme4's checkConv: max over components of min(|R^-1 g|, |g|), H = R'R; skipped for singular fits.
        let scaledGradient = Matrix.scaledGradient(hessian: hessian, gradient: gradient)
        var converged = optimizerConverged && pirlsConverged && value.isFinite
        if !(singularP || singularI), (scaledGradient ?? .infinity) > gradientTolerance { converged = false }
        if !converged {
            var why: [String] = []
            if !optimizerConverged { why.append("the optimiser stopped at its evaluation limit") }
            if !pirlsConverged { why.append("the random-effect modes did not settle") }
            if !(singularP || singularI) {
                if let g = scaledGradient, g > gradientTolerance {
                    why.append(String(format: "the scaled gradient is %.2g where lme4 accepts 0.002", g))
                } else if scaledGradient == nil {
                    why.append("the scaled gradient cannot be evaluated (the Hessian is not positive definite)")
                }
            }
            notes.append(
                "the mixed model did not converge (\(why.isEmpty ? "no finite optimum" : why.joined(separator: "; "))): treat its numbers with caution"
            )
        }

        let betaCovariance: [[Double]]
        let source: LogisticGLMMFit.CovarianceSource
        var parameterCovariance: [[Double]]?
        // lme4's vcov.merMod: (H^-1 + H^-T) restricted to beta, used when positive definite.
        let hessianBlock = inverse.map { inv -> [[Double]] in
            (0..<k).map { i -> [Double] in (0..<k).map { j -> Double in inv[2 + i][2 + j] + inv[2 + j][2 + i] } }
        }
        if let hessianBlock, Matrix.inverseSymmetricPositiveDefinite(hessianBlock) != nil {
            betaCovariance = hessianBlock
            source = .hessian
            if let inverse, Matrix.inverseSymmetricPositiveDefinite(hessian) != nil {
                parameterCovariance = inverse.indices.map { i -> [Double] in inverse.indices.map { j -> Double in inverse[i][j] + inverse[j][i] } }
            }
        } else {
            betaCovariance = conditional ?? [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
            source = .conditional
            notes.append(
                "the finite-difference Hessian is not positive definite, so standard errors come from the fit at the modes "
                    + "(treating the standard deviations as known), as lme4 falls back to")
        }
        if singularP {
            notes.append(
                "singular fit: the participant standard deviation is estimated at 0 (no detectable differences between participants "
                    + "beyond chance)")
        }
        if singularI {
            notes.append("singular fit: the image standard deviation is estimated at 0 (no detectable differences between images beyond chance)")
        }

        var coefficients: [GLMMCoefficient] = []
        for (c, name) in design.names.enumerated() {
            var coefficient = GLMMCoefficient(name: name, status: statuses[c], estimate: nil, standardError: nil)
            switch statuses[c] {
            case .estimated:
                if let i = estimated.firstIndex(of: c) {
                    coefficient.estimate = optimum[2 + i]
                    let variance = betaCovariance[i][i]
                    coefficient.standardError = variance > 0 && variance.isFinite ? variance.squareRoot() : nil
                }
            case .separated(let allFooled, let trials):
                notes.append(separationWords(name, allFooled: allFooled, trials: trials) + "; its trials are left out of the fit")
            case .notEstimable:
                notes.append("\(name) cannot be estimated from the trials left after setting aside the separated ones")
            }
            coefficients.append(coefficient)
        }
        return LogisticGLMMFit(
            coefficients: coefficients, participantSD: optimum[0], imageSD: optimum[1], deviance: value, trials: rows.count,
            converged: converged, scaledGradient: scaledGradient, evaluations: deviance.count,
            covarianceSource: source, parameterCovariance: parameterCovariance, betaCovariance: betaCovariance,
            singularParticipant: singularP, singularImage: singularI, notes: notes)
    }

    /// The words for a separated model, in the fit's notes and beside the model.
    static func separationWords(_ name: String, allFooled: Bool, trials: Int) -> String {
        "\(name) fooled \(allFooled ? "participants in every one" : "nobody in any") of its \(trials) trials (separation): "
            + "its logit estimate is \(allFooled ? "+" : "-")infinity, so there is no finite estimate"
    }

    /// Central-difference gradient and Hessian, as lme4's `deriv12`.
    static func finiteDifferenceDerivatives(
        _ f: ([Double]) -> Double, at x: [Double], center: Double, step: Double
    ) -> (gradient: [Double], hessian: [[Double]]) {
        let d = x.count
        var gradient = [Double](repeating: 0, count: d)
        var hessian = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        func at(_ moves: [(Int, Double)]) -> Double {
            var p = x
            for (i, delta) in moves { p[i] += delta }
            return f(p)
        }
        for i in 0..<d {
            let plus = at([(i, step)])
            let minus = at([(i, -step)])
            gradient[i] = (plus - minus) / (2 * step)
            hessian[i][i] = (plus - 2 * center + minus) / (step * step)
            for j in 0..<i {
                let value =
                    (at([(i, step), (j, step)]) - at([(i, step), (j, -step)]) - at([(i, -step), (j, step)])
                        + at([(i, -step), (j, -step)])) / (4 * step * step)
                hessian[i][j] = value
                hessian[j][i] = value
            }
        }
        return (gradient, hessian)
    }
}

/// Small dense symmetric matrices for the fitter.
enum Matrix {
    /// In-place lower Cholesky factor of the row-major m x m matrix `a` (upper triangle ignored);
    /// false when it is not positive definite.
    static func cholesky(_ a: UnsafeMutablePointer<Double>, _ m: Int) -> Bool {
        for j in 0..<m {
            var diagonal = a[j * m + j]
            for k in 0..<j { diagonal -= a[j * m + k] * a[j * m + k] }
            guard diagonal > 0, diagonal.isFinite else { return false }
            let l = diagonal.squareRoot()
            a[j * m + j] = l
            for i in (j + 1)..<max(m, j + 1) {
                var s = a[i * m + j]
                for k in 0..<j { s -= a[i * m + k] * a[j * m + k] }
                a[i * m + j] = s / l
            }
        }
        return true
    }

    /// Solves L L' x = b in place, L from `cholesky`.
    static func solve(_ l: UnsafePointer<Double>, _ m: Int, _ b: UnsafeMutablePointer<Double>) {
        for i in 0..<m {
            var s = b[i]
            for k in 0..<i { s -= l[i * m + k] * b[k] }
            b[i] = s / l[i * m + i]
        }
        for i in stride(from: m - 1, through: 0, by: -1) {
            var s = b[i]
            for k in (i + 1)..<max(m, i + 1) { s -= l[k * m + i] * b[k] }
            b[i] = s / l[i * m + i]
        }
    }

    /// The inverse of a square matrix by Gauss-Jordan elimination with partial pivoting; nil when singular.
    static func inverse(_ a: [[Double]]) -> [[Double]]? {
        let m = a.count
        guard m > 0, a.allSatisfy({ $0.count == m }), a.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { return nil }
        var left = a
        var right = (0..<m).map { i in (0..<m).map { $0 == i ? 1.0 : 0.0 } }
        let scale = a.flatMap { $0 }.map(abs).max() ?? 0
        for column in 0..<m {
            guard let pivot = (column..<m).max(by: { abs(left[$0][column]) < abs(left[$1][column]) }),
                abs(left[pivot][column]) > 1e-14 * scale
            else { return nil }
            left.swapAt(column, pivot)
            right.swapAt(column, pivot)
            let p = left[column][column]
            for j in 0..<m {
                left[column][j] /= p
                right[column][j] /= p
            }
            for i in 0..<m where i != column {
                let f = left[i][column]
                if f == 0 { continue }
                for j in 0..<m {
                    left[i][j] -= f * left[column][j]
                    right[i][j] -= f * right[column][j]
                }
            }
        }
        return right
    }

    /// lme4's convergence measure: max_i min(|(R^-1 g)_i|, |g_i|) with H = R'R; nil when H is not
    /// positive definite.
    static func scaledGradient(hessian: [[Double]], gradient: [Double]) -> Double? {
        let m = hessian.count
        guard m > 0, gradient.count == m, hessian.allSatisfy({ $0.count == m }) else { return nil }
        var flat = hessian.flatMap { $0 }
        return flat.withUnsafeMutableBufferPointer { buffer -> Double? in
            guard let l = buffer.baseAddress, cholesky(l, m) else { return nil }
            // R = L': solve L' x = g by back substitution.
            var x = gradient
            for i in stride(from: m - 1, through: 0, by: -1) {
                var s = x[i]
                for k in (i + 1)..<max(m, i + 1) { s -= l[k * m + i] * x[k] }
                x[i] = s / l[i * m + i]
            }
            return (0..<m).map { min(abs(x[$0]), abs(gradient[$0])) }.max()
        }
    }

    /// The inverse of a symmetric positive definite matrix; nil when it is not positive definite.
    static func inverseSymmetricPositiveDefinite(_ a: [[Double]]) -> [[Double]]? {
        let m = a.count
        guard m > 0, a.allSatisfy({ $0.count == m }) else { return nil }
        var flat = a.flatMap { $0 }
        guard flat.allSatisfy(\.isFinite) else { return nil }
        return flat.withUnsafeMutableBufferPointer { buffer -> [[Double]]? in
            guard let base = buffer.baseAddress, cholesky(base, m) else { return nil }
            var inverse = [[Double]]()
            for j in 0..<m {
                var e = [Double](repeating: 0, count: m)
                e[j] = 1
                e.withUnsafeMutableBufferPointer { column in
                    if let c = column.baseAddress { solve(base, m, c) }
                }
                inverse.append(e)
            }
            // Column j of the inverse is row j (symmetric).
            return inverse
        }
    }
}
