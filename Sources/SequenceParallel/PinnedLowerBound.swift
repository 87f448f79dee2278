import CostModel
import LinearProgramming

/// The lower bound with its longest sequences pinned (docs/sequence-parallel.md §Lower bound): a pinned micro-batch
/// is split around one long sequence's group of degree d (its guests run at degree d inside it; everything else on
/// the other N − d GPUs), and the second-longest sequence is placed by cases: inside the longest's group, beside it
/// at a degree that fits the other GPUs, or leading micro-batch 1's group. Every plan falls into one case, so the
/// minimum over cases is a bound; each case only adds rows to the single split, so it is at least as tight.
extension LowerBound {
    /// One micro-batch split around `lead`'s group of `degree`; `companions` are further sequences pinned to it,
    /// inside the group (`degree` nil) or beside it at a degree.
    struct Pinned {
        var lead: Double
        var degree: Int
        var companions: [(length: Double, degree: Int?)] = []
    }

    /// Cheapest GPU-seconds of a sequence on at most `gpus` GPUs (+∞ when it fits no such degree).
    func cheapestWork(_ length: Double, within gpus: Int) -> Double {
        cost.degrees.filter { $0 <= gpus && cost.fits(length, degree: $0) }
            .map { Double($0) * cost.time(length, degree: $0) }.min() ?? .infinity
    }

    /// min over the longest's degree d1 and the second-longest's placement of the pinned LP; nil when no case solves.
    func pinnedBound(microBatches m: Int, longest: Double, second: Double,
                     buckets: [(count: Double, length: Double, work: Double)]) -> Double? {
        var best: Double?
        for d1 in cost.degrees where cost.fits(longest, degree: d1) {
            var cases: [[Pinned]] = []
            if cost.fits(longest + second, degree: d1) {
                cases.append([Pinned(lead: longest, degree: d1, companions: [(second, nil)])])
            }
            for e in cost.degrees where e <= cost.gpus - d1 && cost.fits(second, degree: e) {
                cases.append([Pinned(lead: longest, degree: d1, companions: [(second, e)])])
            }
            if m > 1 {
                for d2 in cost.degrees where cost.fits(second, degree: d2) {
                    cases.append([Pinned(lead: longest, degree: d1), Pinned(lead: second, degree: d2)])
                }
            }
            for pinned in cases {
                guard let value = solvePinnedLP(microBatches: m, buckets: buckets, pinned: pinned) else { continue }
                best = min(best ?? .infinity, value)
            }
        }
        return best
    }

    /// The LP with `pinned` micro-batches written out (each split around its lead's group) and the other
    /// M − |pinned| in the symmetric form of `solveLP`.
    func solvePinnedLP(microBatches m: Int, buckets: [(count: Double, length: Double, work: Double)], pinned: [Pinned]) -> Double? {
        guard pinned.count <= m else { return nil }
        let n = Double(cost.gpus), capacity = cost.tokensPerGPU
        var model = LinearModel(name: "sp-lower-bound-pinned")
        var shares = buckets.map { _ in [Term]() }
        for (index, batch) in pinned.enumerated() {
            let d = batch.degree, rest = cost.gpus - d
            var groupTime = cost.time(batch.lead, degree: d), groupTokens = batch.lead
            var besideWork = 0.0, besideTokens = 0.0, slowestBeside = 0.0
            for companion in batch.companions {
                if let e = companion.degree {
                    besideWork += Double(e) * cost.time(companion.length, degree: e)
                    besideTokens += companion.length
                    slowestBeside = max(slowestBeside, cost.time(companion.length, degree: e))
                } else {
                    groupTime += cost.time(companion.length, degree: d)
                    groupTokens += companion.length
                }
            }
            guard groupTokens <= Double(d) * capacity + 1e-9, besideTokens <= Double(rest) * capacity + 1e-9 else { return nil }
            let makespan = model.addVariable("L\(index)", lower: max(groupTime, slowestBeside), objective: 1)
            let beside = buckets.map { cheapestWork($0.length, within: rest) }
            let inGroup = buckets.indices.map { model.addVariable("g\($0)_\(index)") }
            let outside = buckets.indices.map { q in model.addVariable("y\(q)_\(index)", upper: beside[q].isFinite ? .infinity : 0) }
            for q in buckets.indices { shares[q] += [Term(inGroup[q], 1), Term(outside[q], 1)] }
            var time = LinearExpression(buckets.indices.map { Term(inGroup[$0], cost.time(buckets[$0].length, degree: d)) })
            time.constant = groupTime
            time.add(makespan, -1)
            model.addConstraint(time, .lessOrEqual(0))
            model.addConstraint(LinearExpression(buckets.indices.map { Term(inGroup[$0], buckets[$0].length) }),
                                .lessOrEqual(max(0, Double(d) * capacity - groupTokens)))
            var work = LinearExpression(buckets.indices.filter { beside[$0].isFinite }.map { Term(outside[$0], beside[$0]) })
            work.constant = besideWork
            work.add(makespan, -Double(rest))
            model.addConstraint(work, .lessOrEqual(0))
            model.addConstraint(LinearExpression(buckets.indices.map { Term(outside[$0], buckets[$0].length) }),
                                .lessOrEqual(max(0, Double(rest) * capacity - besideTokens)))
        }
        let others = Double(m - pinned.count)
        if others > 0 {
            let typical = model.addVariable("L_rest", objective: others)
            let typicalShares = buckets.indices.map { model.addVariable("y\($0)_rest") }
            for q in buckets.indices { shares[q].append(Term(typicalShares[q], others)) }
            var typicalWork = LinearExpression(buckets.indices.map { Term(typicalShares[$0], buckets[$0].work) })
            typicalWork.add(typical, -n)
            model.addConstraint(LinearExpression(buckets.indices.map { Term(typicalShares[$0], buckets[$0].length) }),
                                .lessOrEqual(n * capacity))
            model.addConstraint(typicalWork, .lessOrEqual(0))
        }
        for (q, bucket) in buckets.enumerated() { model.addConstraint(LinearExpression(shares[q]), .equal(bucket.count)) }
        guard let solution = try? solve(model, using: .clp), solution.status == .optimal, let objective = solution.objective else {
            return nil
        }
        // CLP's tolerance can put the optimum a hair below the true LP value; shave it so the bound stays valid.
        return Double(m) * cost.beta1 + objective * (1 - 1e-9)
    }
}
