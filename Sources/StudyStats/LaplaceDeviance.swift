import Foundation

/// The Laplace-approximated deviance of `y ~ 0 + X beta + (1 | participant) + (1 | image)`, binomial
/// logit, as lme4 defines it for `glmer(nAGQ = 1)`: with spherical random effects u (b = Lambda u,
/// Lambda = diag(theta_P for participants, theta_I for images)) at their conditional modes, found by
/// penalised IRLS (Newton steps with step halving),
///
///     deviance(theta, beta) = sum of binomial deviance residuals + |u|^2 + log det(L)^2,
///     L L' = Lambda' Z' W Z Lambda + I,   W = diag(mu (1 - mu)).
///
/// The two grouping factors are crossed, so L L' has two diagonal blocks and a dense cross block: the
/// larger factor is eliminated (it is diagonal), leaving a dense Schur complement of the smaller one's
/// size (50 for the paper's 50 participants x 100 images), factored by Cholesky. With `joint`, beta is
/// updated inside PIRLS too (lme4's first, nAGQ = 0 stage). The modes carry over between evaluations
/// as the next starting point (the optimum is unique: the penalised deviance is strictly convex in u).
struct LaplaceDeviance {
    struct Evaluation {
        var deviance: Double
        var beta: [Double]
        var converged: Bool
    }

    let n: Int
    let k: Int
    private let y: [Double]
    /// Row-major n x k.
    private let x: [Double]
    /// Per row: level of the factor kept dense (the one with fewer levels) and of the eliminated one.
    private let denseLevel: [Int]
    private let diagLevel: [Int]
    private let denseCount: Int
    private let diagCount: Int
    private let denseIsParticipant: Bool
    /// Per level of the eliminated factor: the dense levels it meets, and those plus the beta columns its
    /// rows use (the nonzeros of the cross block, without and with beta).
    private let modePattern: [[Int]]
    private let jointPattern: [[Int]]
    /// Spherical modes: the eliminated factor's first, then the dense one's.
    private var u: [Double]
    private(set) var lastConverged = true
    /// PIRLS runs so far.
    private(set) var count = 0

    private var eta: [Double]
    private var mu: [Double]
    private var w: [Double]

    init(data: CrossedBinaryData, rows: [Int], columns: [Int]) {
        n = rows.count
        k = columns.count
        y = rows.map { data.fooled[$0] ? 1 : 0 }
        var flat = [Double](repeating: 0, count: n * k)
        for (r, row) in rows.enumerated() { for (c, column) in columns.enumerated() { flat[r * k + c] = data.design.columns[column][row] } }
        x = flat
        func compact(_ levels: [Int]) -> (levels: [Int], count: Int) {
            let index = Dictionary(uniqueKeysWithValues: Set(levels).sorted().enumerated().map { ($1, $0) })
            return (levels.map { index[$0] ?? 0 }, index.count)
        }
        let participants = compact(rows.map { data.participant[$0] })
        let images = compact(rows.map { data.image[$0] })
        denseIsParticipant = participants.count <= images.count
        (denseLevel, denseCount) = denseIsParticipant ? participants : images
        (diagLevel, diagCount) = denseIsParticipant ? images : participants
        u = [Double](repeating: 0, count: denseCount + diagCount)
        var meets = [Set<Int>](repeating: [], count: diagCount)
        var uses = [Set<Int>](repeating: [], count: diagCount)
        for j in 0..<n {
            meets[diagLevel[j]].insert(denseLevel[j])
            for c in 0..<k where flat[j * k + c] != 0 { uses[diagLevel[j]].insert(c) }
        }
        let dense = denseCount
        modePattern = meets.map { $0.sorted() }
        jointPattern = (0..<diagCount).map { b in meets[b].sorted() + uses[b].sorted().map { dense + $0 } }
        eta = [Double](repeating: 0, count: n)
        mu = eta
        w = eta
    }

    /// The deviance at theta = (participant, image) and beta; with `joint`, beta is the starting value
    /// and the returned beta is the one PIRLS settled on.
    mutating func evaluate(theta: [Double], beta: [Double], joint: Bool) -> Evaluation {
        count += 1
        var b = beta
        let result = pirls(theta: theta, beta: &b, joint: joint)
        lastConverged = result.converged
        return Evaluation(deviance: result.deviance, beta: b, converged: result.converged)
    }

    /// The covariance of beta at the modes for (theta, beta) with theta taken as known: the inverse of
    /// the fixed-effects block's Schur complement (lme4's RX fallback).
    mutating func conditionalBetaCovariance(theta: [Double], beta: [Double]) -> [[Double]]? {
        var b = beta
        _ = pirls(theta: theta, beta: &b, joint: false)
        let (sDense, sDiag) = scales(theta)
        _ = predictor(beta: b, sDense: sDense, sDiag: sDiag, u: u)
        var system = assemble(sDense: sDense, sDiag: sDiag, joint: true)
        let m = denseCount + k
        guard system.factor() else { return nil }
        var block = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for i in 0..<k {
            for j in 0...i {
                var s = 0.0
                for t in 0...j { s += system.s[(denseCount + i) * m + denseCount + t] * system.s[(denseCount + j) * m + denseCount + t] }
                block[i][j] = s
                block[j][i] = s
            }
        }
        return Matrix.inverseSymmetricPositiveDefinite(block)
    }

    private func scales(_ theta: [Double]) -> (dense: Double, diag: Double) {
        denseIsParticipant ? (theta[0], theta[1]) : (theta[1], theta[0])
    }

    /// Sets eta, mu, w for (beta, u) and returns the penalised deviance: sum of deviance residuals + |u|^2.
    private mutating func predictor(beta: [Double], sDense: Double, sDiag: Double, u z: [Double]) -> Double {
        let n = n
        let k = k
        let diagCount = diagCount
        let (x, y, denseLevel, diagLevel) = (x, y, denseLevel, diagLevel)
        var (eta, mu, w) = ([Double](), [Double](), [Double]())
        swap(&eta, &self.eta)
        swap(&mu, &self.mu)
        swap(&w, &self.w)
        defer {
            swap(&eta, &self.eta)
            swap(&mu, &self.mu)
            swap(&w, &self.w)
        }
        var total = 0.0
        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                denseLevel.withUnsafeBufferPointer { dense in
                    diagLevel.withUnsafeBufferPointer { diag in
                        z.withUnsafeBufferPointer { z in
                            beta.withUnsafeBufferPointer { beta in
                                eta.withUnsafeMutableBufferPointer { eta in
                                    mu.withUnsafeMutableBufferPointer { mu in
                                        w.withUnsafeMutableBufferPointer { w in
                                            for j in 0..<n {
                                                var e = sDiag * z[diag[j]] + sDense * z[diagCount + dense[j]]
                                                for c in 0..<k { e += x[j * k + c] * beta[c] }
                                                eta[j] = e
                                                let p = Logistic.value(e)
                                                mu[j] = p
                                                w[j] = p * (1 - p)
                                                // Binomial deviance residual of a 0/1 answer: -2 log P(y).
                                                total += 2 * softplus(y[j] == 1 ? -e : e)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for v in z { total += v * v }
        return total
    }

    private func softplus(_ t: Double) -> Double { t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)) }

    /// The Newton system at the current mu and w, for unknowns (u_diag, u_dense[, beta]).
    private struct System {
        var m: Int
        var diagCount: Int
        /// 1 + s^2 sum w for the eliminated factor.
        var hDiag: [Double]
        /// diagCount x m cross block, row-major.
        var e: [Double]
        /// m x m dense block (lower triangle), Schur complement after `factor`, then its Cholesky factor.
        var s: [Double]

        /// Columns of `e` that can be nonzero in each row (ascending): the crossing pattern, fixed per data set.
        var pattern: [[Int]]

        mutating func factor() -> Bool {
            let m = m
            for b in 0..<diagCount {
                let inverse = 1 / hDiag[b]
                let columns = pattern[b]
                e.withUnsafeBufferPointer { e in
                    s.withUnsafeMutableBufferPointer { s in
                        columns.withUnsafeBufferPointer { columns in
                            let row = b * m
                            for ii in 0..<columns.count {
                                let i = columns[ii]
                                let f = e[row + i] * inverse
                                if f == 0 { continue }
                                for jj in 0...ii {
                                    let j = columns[jj]
                                    s[i * m + j] -= f * e[row + j]
                                }
                            }
                        }
                    }
                }
            }
            return s.withUnsafeMutableBufferPointer { s in s.baseAddress.map { Matrix.cholesky($0, m) } ?? false }
        }

        /// log det of the random-effect block after `factor`: the eliminated diagonal and the leading
        /// (random-effect) part of the Cholesky factor.
        func logDet(diagCount: Int, denseCount: Int) -> Double {
            var total = 0.0
            for b in 0..<diagCount { total += log(hDiag[b]) }
            for a in 0..<denseCount { total += 2 * log(s[a * m + a]) }
            return total
        }
    }

    private func assemble(sDense: Double, sDiag: Double, joint: Bool) -> System {
        let m = denseCount + (joint ? k : 0)
        let n = n
        let k = k
        let denseCount = denseCount
        var hDiag = [Double](repeating: 0, count: diagCount)
        var e = [Double](repeating: 0, count: diagCount * m)
        var s = [Double](repeating: 0, count: m * m)
        x.withUnsafeBufferPointer { x in
            denseLevel.withUnsafeBufferPointer { dense in
                diagLevel.withUnsafeBufferPointer { diag in
                    w.withUnsafeBufferPointer { w in
                        hDiag.withUnsafeMutableBufferPointer { hDiag in
                            e.withUnsafeMutableBufferPointer { e in
                                s.withUnsafeMutableBufferPointer { s in
                                    for j in 0..<n {
                                        let a = dense[j]
                                        let b = diag[j]
                                        let wj = w[j]
                                        hDiag[b] += wj
                                        s[a * m + a] += wj
                                        e[b * m + a] += wj
                                        guard joint else { continue }
                                        for c in 0..<k {
                                            let xc = x[j * k + c]
                                            if xc == 0 { continue }
                                            let wx = wj * xc
                                            e[b * m + denseCount + c] += sDiag * wx
                                            s[(denseCount + c) * m + a] += sDense * wx
                                            for c2 in 0...c { s[(denseCount + c) * m + denseCount + c2] += wx * x[j * k + c2] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for b in 0..<diagCount {
            hDiag[b] = 1 + sDiag * sDiag * hDiag[b]
            for a in 0..<denseCount { e[b * m + a] *= sDiag * sDense }
        }
        for a in 0..<denseCount { s[a * m + a] = 1 + sDense * sDense * s[a * m + a] }
        return System(m: m, diagCount: diagCount, hDiag: hDiag, e: e, s: s, pattern: joint ? jointPattern : modePattern)
    }

    /// Penalised IRLS to the conditional modes; returns the Laplace deviance there.
    private mutating func pirls(theta: [Double], beta: inout [Double], joint: Bool) -> (deviance: Double, converged: Bool) {
        let (sDense, sDiag) = scales(theta)
        let m = denseCount + (joint ? k : 0)
        var pdev = predictor(beta: beta, sDense: sDense, sDiag: sDiag, u: u)
        guard pdev.isFinite else { return (.infinity, false) }
        for _ in 0..<60 {
            var system = assemble(sDense: sDense, sDiag: sDiag, joint: joint)
            // Half-gradient of the penalised deviance: Lambda Z'(mu - y) + u, and X'(mu - y) for beta.
            var gDiag = Array(u[0..<diagCount])
            var gDense = Array(u[diagCount...]) + [Double](repeating: 0, count: m - denseCount)
            for j in 0..<n {
                let r = mu[j] - y[j]
                gDiag[diagLevel[j]] += sDiag * r
                gDense[denseLevel[j]] += sDense * r
                if joint { for c in 0..<k { gDense[denseCount + c] += x[j * k + c] * r } }
            }
            guard system.factor() else { return (.infinity, false) }
            let logDet = system.logDet(diagCount: diagCount, denseCount: denseCount)
            // Newton step: H delta = -g by block elimination.
            var stepDense = gDense.map { -$0 }
            for b in 0..<diagCount {
                let t = gDiag[b] / system.hDiag[b]
                for i in 0..<m { stepDense[i] += system.e[b * m + i] * t }
            }
            system.s.withUnsafeBufferPointer { l in
                stepDense.withUnsafeMutableBufferPointer { v in
                    if let l = l.baseAddress, let v = v.baseAddress { Matrix.solve(l, m, v) }
                }
            }
            var stepDiag = [Double](repeating: 0, count: diagCount)
            var decrement = 0.0
            for b in 0..<diagCount {
                var t = -gDiag[b]
                for i in 0..<m { t -= system.e[b * m + i] * stepDense[i] }
                stepDiag[b] = t / system.hDiag[b]
                decrement -= gDiag[b] * stepDiag[b]
            }
            for i in 0..<m { decrement -= gDense[i] * stepDense[i] }
            guard decrement.isFinite else { return (pdev + logDet, false) }
            if decrement < 1e-10 {
                // Close enough for Newton's quadratic convergence: one last full step puts the modes within
                // ~1e-10 of the optimum. log det(L)^2 is not stationary at the modes, so its error is first
                // order in theirs, and the finite-difference Hessian (step 1e-4) divides it by 1e-8.
                for b in 0..<diagCount { u[b] += stepDiag[b] }
                for a in 0..<denseCount { u[diagCount + a] += stepDense[a] }
                if joint { for c in 0..<k { beta[c] += stepDense[denseCount + c] } }
                pdev = predictor(beta: beta, sDense: sDense, sDiag: sDiag, u: u)
                var last = assemble(sDense: sDense, sDiag: sDiag, joint: joint)
                guard pdev.isFinite, last.factor() else { return (.infinity, false) }
                return (pdev + last.logDet(diagCount: diagCount, denseCount: denseCount), true)
            }
            var fraction = 1.0
            var accepted = false
            for _ in 0..<30 {
                var trialU = u
                for b in 0..<diagCount { trialU[b] += fraction * stepDiag[b] }
                for a in 0..<denseCount { trialU[diagCount + a] += fraction * stepDense[a] }
                var trialBeta = beta
                if joint { for c in 0..<k { trialBeta[c] += fraction * stepDense[denseCount + c] } }
                let trial = predictor(beta: trialBeta, sDense: sDense, sDiag: sDiag, u: trialU)
                if trial.isFinite && trial <= pdev + 1e-12 * abs(pdev) {
                    u = trialU
                    beta = trialBeta
                    pdev = trial
                    accepted = true
                    break
                }
                fraction /= 2
            }
            if !accepted {
                // No step lowers the penalised deviance any more: the modes are as good as double precision allows.
                _ = predictor(beta: beta, sDense: sDense, sDiag: sDiag, u: u)
                return (pdev + logDet, decrement < 1e-8)
            }
        }
        var system = assemble(sDense: sDense, sDiag: sDiag, joint: joint)
        guard system.factor() else { return (.infinity, false) }
        return (pdev + system.logDet(diagCount: diagCount, denseCount: denseCount), false)
    }
}
