import Foundation
import SolverFixtures
import Testing

@testable import CostModel

/// The portable log/exp/pow against the C library: within a few ulp everywhere the cost model goes, exact where a
/// cost depends on exactness (log2 of a power of two).
@Suite struct PortableMathTests {
    static func closeEnough(_ ours: Double, _ reference: Double, ulps: Double = 4) -> Bool {
        if ours == reference { return true }
        return abs(ours - reference) <= ulps * max(reference.ulp, ours.ulp)
    }

    @Test func logAndExpMatchTheCLibraryWithinFewUlps() {
        // Seeded: a run that passed passes again (an unseeded run once drew an exp 5 ulp off, below the normal range).
        var generator = SeededGenerator(seed: 2026)
        var worstLog = 0.0
        var worstExp = 0.0
        for _ in 0..<20_000 {
            // Magnitudes from 1e-300 to 1e300, and the region near 1 where log is smallest.
            let x = Foundation.pow(10, Double.random(in: -300...300, using: &generator))
            let nearOne = 1 + Double.random(in: -0.5...0.5, using: &generator)
            for value in [x, nearOne] {
                let error =
                    abs(PortableMath.log(value) - Foundation.log(value))
                    / max(Foundation.log(value).ulp, .leastNormalMagnitude)
                worstLog = max(worstLog, error)
            }
            // Results in the normal range: below e^-708 they are subnormal, with
            // fewer bits than an ulp bound assumes, and no cost comes near them.
            let y = Double.random(in: -708...709, using: &generator)
            worstExp = max(
                worstExp,
                abs(PortableMath.exp(y) - Foundation.exp(y)) / max(Foundation.exp(y).ulp, .leastNonzeroMagnitude))
        }
        #expect(worstLog <= 4, "log: \(worstLog) ulp")
        #expect(worstExp <= 4, "exp: \(worstExp) ulp")
    }

    @Test func powAndLog2CoverTheCostModelsUses() {
        // (1 − 1/k)^d̄ of the GNN mirror estimate, for k parts and average degree d̄.
        for k in [2, 3, 8, 64, 1024] {
            for degree in [0.5, 2, 9.8, 492, 10_000] {
                let base = 1 - 1 / Double(k)
                // exp(y · ln x) carries ln x's rounding times |y · ln x|: relative 1e-12 at worst here.
                let reference = Foundation.pow(base, degree)
                #expect(abs(PortableMath.pow(base, degree) - reference) <= 1e-12 * reference, "\(k) \(degree)")
            }
        }
        for exponent in 0...62 { #expect(PortableMath.log2(Double(1 << exponent)) == Double(exponent)) }
        for n in [3.0, 6, 12, 1000, 10_000] { #expect(Self.closeEnough(PortableMath.log2(n), Foundation.log2(n))) }
    }

    @Test func specialValues() {
        #expect(PortableMath.log(0) == -.infinity && PortableMath.log(.infinity) == .infinity)
        #expect(PortableMath.log(-1).isNaN && PortableMath.log(.nan).isNaN && PortableMath.log(1) == 0)
        #expect(PortableMath.exp(0) == 1 && PortableMath.exp(800) == .infinity && PortableMath.exp(-800) == 0)
        #expect(
            PortableMath.exp(.infinity) == .infinity && PortableMath.exp(-.infinity) == 0
                && PortableMath.exp(.nan).isNaN)
        #expect(PortableMath.pow(0, 2) == 0 && PortableMath.pow(5, 0) == 1 && PortableMath.pow(1, 1e300) == 1)
        #expect(Self.closeEnough(PortableMath.log(.leastNonzeroMagnitude), Foundation.log(.leastNonzeroMagnitude)))
        #expect(Self.closeEnough(PortableMath.log(.greatestFiniteMagnitude), Foundation.log(.greatestFiniteMagnitude)))
    }
}
