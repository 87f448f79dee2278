import Foundation
import Frontend
import SolverFixtures
import TraceAnalysis

/// `paraplan whatif` end to end (read the CSV, build the model, every replay of the report) on the artifact's three
/// traces, against the artifact's own analyser when PARAPLAN_STRAGGLER_ARTIFACT (its checkout) and
/// PARAPLAN_STRAGGLER_PYTHON (a Python with its requirements) are set; then generated traces, to show how the time
/// grows with workers and steps.
enum WhatIfBenchmark {
    static func rows(repetitions: Int) throws -> [String] {
        var rows = [
            "| trace | operations | S | ours in-process ms | ours CLI ms | artifact ms | artifact / ours in-process "
                + "| artifact / ours CLI |", "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        let environment = ProcessInfo.processInfo.environment
        let folder = URL(fileURLWithPath: environment["PARAPLAN_STRAGGLER_TRACES"] ?? "../shared/data/straggler-traces")
        for name in ["ST", "SE", "AR"] {
            let trace = folder.appendingPathComponent("trace-\(name).csv")
            let meta = folder.appendingPathComponent("meta-\(name).yaml")
            guard FileManager.default.fileExists(atPath: trace.path) else { continue }
            var report: WhatIfReport?
            // The library call the CLI, the C ABI and Python make (the micro-batch rebalancing by the batch balancer
            // included).
            let measurement = try Measurement.run("whatif \(name)", warmups: 1, repetitions: repetitions) {
                report = try WhatIfRequest.analysis(
                    traceData: Data(contentsOf: trace), trace: trace.path,
                    metaData: Data(contentsOf: meta), meta: meta.path
                ).report
            }
            // The CLI as a user runs it: process start, file reading and the summary included.
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("paraplan")
            let cli = try Measurement.run("whatif CLI \(name)", warmups: 1, repetitions: repetitions) {
                _ = try processSeconds(
                    binary.path, ["whatif", "--trace", trace.path, "--meta", meta.path], directory: nil)
            }
            var artifact = "—"
            var ratio = "—"
            var cliRatio = "—"
            if let checkout = environment["PARAPLAN_STRAGGLER_ARTIFACT"],
                let python = environment["PARAPLAN_STRAGGLER_PYTHON"]
            {
                let runs = try (0..<3).map { _ in
                    try processSeconds(
                        python,
                        [
                            "analyzer/wia.py", "--metadata", "data/meta-\(name).yaml", "--trace",
                            "data/trace-\(name).parquet", "--dump-dir", FileManager.default.temporaryDirectory.path,
                        ],
                        directory: checkout)
                }.sorted()
                artifact = milliseconds(runs[1])
                ratio = String(format: "%.1f×", runs[1] / measurement.median)
                cliRatio = String(format: "%.1f×", runs[1] / cli.median)
            }
            rows.append(
                "| \(name) | \(report?.operations ?? 0) | \(String(format: "%.3f", report?.slowdown ?? 0)) | "
                    + "\(milliseconds(measurement.median)) | \(milliseconds(cli.median)) | \(artifact) | \(ratio) | \(cliRatio) |"
            )
        }
        rows += [
            "", "| generated trace (1F1B, 8 micro-batches) | operations | ours s (CSV read + report) |",
            "|---|---:|---:|",
        ]
        for (dataParallel, stages, steps) in [(16, 4, 10), (16, 4, 50), (64, 4, 50), (128, 4, 10), (128, 4, 50)] {
            var generator = SyntheticTrace(
                shape: JobShape(name: "generated", dataParallel: dataParallel, pipelineParallel: stages),
                microBatches: 8, steps: steps)
            generator.slowWorker = (Worker(dataParallelRank: 3, stage: 1), 1.5, nil)
            generator.sequenceImbalance = 0.1
            let csv = Data(SyntheticTrace.csv(try generator.operations()).utf8)
            var count = 0
            let measurement = try Measurement.run("whatif generated", warmups: 0, repetitions: 1) {
                let operations = try TraceReader.operations(csv: csv, source: "generated.csv")
                count = operations.count
                _ = try WhatIfAnalysis(operations: operations, shape: generator.shape).report()
            }
            rows.append(
                "| \(dataParallel * stages) workers × \(steps) steps | \(count) | \(String(format: "%.2f", measurement.median)) |"
            )
        }
        return rows
    }

    /// Wall time of one process run to its end (a failure is an error). Started with posix_spawn, output to
    /// /dev/null: Foundation's Process added about 40 ms to every run here, which hid the difference being measured.
    /// A working directory goes through `env -C` (the artifact reads its files relative to its checkout).
    private static func processSeconds(_ executable: String, _ arguments: [String], directory: String?) throws -> Double
    {
        var argv = [executable] + arguments
        var program = executable
        if let directory {
            program = "/usr/bin/env"
            argv = ["/usr/bin/env", "-C", directory, "PYTHONPATH=\(directory)"] + argv
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        let clock = ContinuousClock()
        let start = clock.now
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw BenchmarkFailure(message: "\(program): posix_spawn failed (\(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let elapsed = (clock.now - start).components
        // Exited normally with status 0: the low 7 bits hold the signal, bits 8-15 the exit code.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw BenchmarkFailure(
                message: "\(executable) \(arguments.joined(separator: " ")) ended with status \(status)")
        }
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    }
}
