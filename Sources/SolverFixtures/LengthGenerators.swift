import Foundation

/// Synthetic sequence lengths fitted to published distributions (../shared/references/balance.md §6.3).
public struct LengthGenerator {
    public var random: SeededGenerator

    public init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    mutating func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }

    mutating func normal() -> Double {
        // Box-Muller.
        let u = max(uniform(), 1e-300)
        let v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    public mutating func logNormal(mu: Double, sigma: Double) -> Double { exp(mu + sigma * normal()) }

    mutating func pareto(minimum: Double, alpha: Double) -> Double {
        minimum / pow(max(1 - uniform(), 1e-300), 1 / alpha)
    }

    /// WLB-like pretraining documents in a 128K window: 97.6 % lognormal(7.75, 1.0) below 8K, 2.4 % Pareto(8K, 0.9).
    public mutating func wlbLike(window: Int = 131_072) -> Int {
        if uniform() < 0.024 { return min(window, Int(pareto(minimum: 8192, alpha: 0.9))) }
        var length = logNormal(mu: 7.75, sigma: 1.0)
        while length >= 8192 { length = logNormal(mu: 7.75, sigma: 1.0) }
        return max(1, Int(length))
    }

    /// ProLong-like long-context SFT: lognormal(7.68, 0.74), 5.3 % Pareto(8K, 2.36) tail, capped.
    public mutating func proLongLike(cap: Int = 32768) -> Int {
        if uniform() < 0.053 { return min(cap, Int(pareto(minimum: 8192, alpha: 2.36))) }
        return max(1, min(cap, Int(logNormal(mu: 7.68, sigma: 0.74))))
    }

    /// A multimodal sample: text lognormal(7.0, 0.9); with probability 1 − textOnly, 1 + Poisson(λ) images whose token
    /// counts are log-uniform between 64 and `maxImageTokens` (skewed when that is large).
    public mutating func multimodal(textOnly: Double = 0.3, lambda: Double = 1.0, maxImageTokens: Int = 16384) -> (
        tokens: Int, images: [Int]
    ) {
        let text = max(1, Int(logNormal(mu: 7.0, sigma: 0.9)))
        guard uniform() >= textOnly else { return (text, []) }
        var count = 1
        var threshold = exp(-lambda)
        var product = uniform()
        while product > threshold {
            count += 1
            product *= uniform()
            threshold = threshold > 0 ? threshold : 0
        }
        let images = (0..<count).map { _ in Int(exp(log(64.0) + uniform() * (log(Double(maxImageTokens)) - log(64.0))))
        }
        return (text + images.reduce(0, +), images)
    }

    /// Modality composition incoherence (OrchMLLM, arXiv 2503.23830): the LLM length follows one ProLong-like
    /// distribution (capped at `cap`) whatever the sample holds; with probability `imageShare` a short prompt
    /// (lognormal(5.5, 0.8), at most a quarter of the length) and one image fill the rest, else it is text only. LLM
    /// cost then says nothing about encoder work.
    public mutating func modalityMix(imageShare: Double = 0.5, cap: Int = 16384) -> (tokens: Int, images: [Int]) {
        let length = max(64, proLongLike(cap: cap))
        guard uniform() < imageShare else { return (length, []) }
        let prompt = min(length / 4, max(1, Int(logNormal(mu: 5.5, sigma: 0.8))))
        return (length, [length - prompt])
    }

    /// Mixed resolutions: image-bearing samples carry either one high-resolution image (4K-16K tokens, Qwen2-VL's
    /// upper range, reference §6.2) or a clip of 16-64 low-resolution frames (64-256 tokens each) with a similar token
    /// total. The LLM sees similar lengths; the encoder's attention, quadratic per image, does not.
    public mutating func mixedResolution(textOnly: Double = 0.3, videoShare: Double = 0.5) -> (
        tokens: Int, images: [Int]
    ) {
        let text = max(1, Int(logNormal(mu: 7.0, sigma: 0.9)))
        guard uniform() >= textOnly else { return (text, []) }
        let total = Int(exp(log(4096.0) + uniform() * (log(16384.0) - log(4096.0))))
        if uniform() < videoShare {
            let frames = 16 + Int(uniform() * 49)
            let perFrame = min(256, max(64, total / frames))
            let images = [Int](repeating: perFrame, count: frames)
            return (text + images.reduce(0, +), images)
        }
        return (text + total, [total])
    }
}
