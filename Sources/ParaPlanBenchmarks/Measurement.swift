import Foundation

/// Wall-clock samples of one case, summarised by median and 90th percentile.
struct Measurement {
    let name: String
    let seconds: [Double]

    static func run(_ name: String, warmups: Int = 2, repetitions: Int, _ body: () throws -> Void) rethrows
        -> Measurement
    {
        for _ in 0..<warmups { try body() }
        let clock = ContinuousClock()
        var samples: [Double] = []
        for _ in 0..<repetitions {
            let start = clock.now
            try body()
            let elapsed = (clock.now - start).components
            samples.append(Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18)
        }
        return Measurement(name: name, seconds: samples.sorted())
    }

    var median: Double { quantile(0.5) }
    var p90: Double { quantile(0.9) }

    private func quantile(_ q: Double) -> Double {
        guard !seconds.isEmpty else { return .nan }
        return seconds[min(seconds.count - 1, Int((Double(seconds.count - 1) * q).rounded()))]
    }
}

func milliseconds(_ seconds: Double) -> String { String(format: "%.2f", seconds * 1000) }
