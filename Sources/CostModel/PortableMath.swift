/// `log`, `log2`, `exp` and `pow` built from +, −, ×, ÷ alone. C math libraries (glibc, Apple's libm) are not
/// correctly rounded and may differ in the last bit; IEEE arithmetic does not, so a plan computed with these is the
/// same to the byte on a laptop and on every rank of the cluster. Accurate to a few ulp, which is far below the cost
/// model's precision.
public enum PortableMath {
    /// ln 2 split so that k · ln2High is exact for |k| < 2^11 (fdlibm's constants).
    static let ln2High = 6.93147180369123816490e-01
    static let ln2Low = 1.90821492927058770002e-10

    public static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return .infinity }
        // x = m · 2^e with m in [√½, √2): `exponent` and `significand` are exact.
        var e = Double(x.exponent)
        var m = x.significand
        if m > 1.4142135623730951 {
            m /= 2
            e += 1
        }
        // ln m = 2 · atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172: 12 odd terms leave under 1e-19.
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var term = s
        var sum = 0.0
        for k in 0..<12 {
            sum += term / Double(2 * k + 1)
            term *= s2
        }
        return e * ln2High + (e * ln2Low + 2 * sum)
    }

    /// Exact for powers of two (collective latencies count tree levels with it).
    public static func log2(_ x: Double) -> Double {
        if x > 0, x.isFinite, x.significand == 1 { return Double(x.exponent) }
        return log(x) / (ln2High + ln2Low)
    }

    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x > 709.782712893384 { return .infinity }
        if x < -745.1332191019412 { return 0 }
        // x = k · ln 2 + r with |r| ≤ ln 2 / 2; e^r by its series (18 terms leave under 1e-20), then scaled by 2^k.
        let k = (x / (ln2High + ln2Low)).rounded()
        let r = (x - k * ln2High) - k * ln2Low
        var term = 1.0
        var sum = 1.0
        for n in 1...18 {
            term *= r / Double(n)
            sum += term
        }
        // Two steps so that neither power of two overflows or underflows on its own near the range's ends.
        let half = Int(k) / 2
        return sum * Double(sign: .plus, exponent: half, significand: 1)
            * Double(sign: .plus, exponent: Int(k) - half, significand: 1)
    }

    /// x^y for x ≥ 0 (the cost model's only use); NaN for negative x. As exp(y · ln x), it loses about |y · ln x|
    /// ulp (relative 1e-12 for the GNN mirror estimate's largest degrees).
    public static func pow(_ x: Double, _ y: Double) -> Double {
        if y == 0 { return 1 }
        if x == 1 { return 1 }
        if x == 0 { return y > 0 ? 0 : .infinity }
        return exp(y * log(x))
    }
}
