import CostModelValidation
import Foundation
import GraphPartitioning
import ParaPlan
import SolverFixtures

// Benchmarks for ParaPlan. Build in release: `swift run -c release paraplan-bench`.
// Every figure is measured in this run; ratios compare cases of the same run.

let repetitions = Int(ProcessInfo.processInfo.environment["PARAPLAN_BENCH_REPETITIONS"] ?? "") ?? 30
/// PARAPLAN_BENCH_ONLY=experts (a section name) runs one section; multimodal, locality and deepseek run one table each.
let onlySection = ProcessInfo.processInfo.environment["PARAPLAN_BENCH_ONLY"]
func runs(_ section: String) -> Bool { onlySection == nil || onlySection == section }

/// A table under its title, each after a blank line.
func printTable(_ title: String, _ rows: [String]) {
    print("")
    print(title)
    print("")
    for row in rows { print(row) }
}

func transportationCase() throws -> [String] {
    // 40 sources × 50 sinks = 2,000 shipping variables, 90 rows.
    let model = TransportationProblem(sources: 40, sinks: 50, seed: 2026).model
    var rows: [String] = []
    var results: [(Backend, Measurement, Solution)] = []
    for backend in Backend.allCases {
        var last: Solution?
        let measurement = try Measurement.run("transportation 40x50 \(backend)", repetitions: repetitions) {
            last = try solve(model, using: backend)
        }
        guard let solution = last, solution.status == .optimal else {
            throw BenchmarkFailure(message: "\(backend) did not solve the transportation LP to optimality")
        }
        results.append((backend, measurement, solution))
    }
    let fastest = results.map(\.1.median).min() ?? 1
    let objectives = Set(results.compactMap { $0.2.objective })
    guard objectives.count == 1 else { throw BenchmarkFailure(message: "backends disagree: \(objectives)") }
    for (backend, measurement, solution) in results {
        rows.append(
            "| transportation LP, 2,000 variables × 90 rows | \(backend) | \(milliseconds(measurement.median)) | \(milliseconds(measurement.p90)) | \(solution.iterations) | \(String(format: "%.2f", measurement.median / fastest)) |"
        )
    }
    return rows
}

/// Re-solving after a cost change, cold and from the previous basis: what a planner does every step.
func warmStartCase() throws -> [String] {
    var model = TransportationProblem(sources: 40, sinks: 50, seed: 2026).model
    var rows: [String] = []
    for backend in Backend.allCases {
        let basis = try solve(model, using: backend).basis
        model.setObjectiveCoefficient(VariableID(index: 17), model.variables[17].objective + 5)
        var coldIterations = 0
        var warmIterations = 0
        let cold = try Measurement.run("cold", repetitions: repetitions) {
            coldIterations = try solve(model, using: backend, options: SolveOptions(algorithm: .primalSimplex))
                .iterations
        }
        let warm = try Measurement.run("warm", repetitions: repetitions) {
            warmIterations = try solve(
                model, using: backend, options: SolveOptions(algorithm: .primalSimplex, warmStart: basis)
            ).iterations
        }
        model.setObjectiveCoefficient(VariableID(index: 17), model.variables[17].objective - 5)
        rows.append(
            "| re-solve after a cost change, cold | \(backend) | \(milliseconds(cold.median)) | \(milliseconds(cold.p90)) | \(coldIterations) | 1.00 |"
        )
        rows.append(
            "| re-solve after a cost change, warm start | \(backend) | \(milliseconds(warm.median)) | \(milliseconds(warm.p90)) | \(warmIterations) | \(String(format: "%.2f", warm.median / cold.median)) |"
        )
    }
    return rows
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "library-calls" {
    do {
        try LibraryCallBenchmark.run(specPath: CommandLine.arguments[2])
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("paraplan-bench: \(error)\n".utf8))
        exit(1)
    }
}

do {
    print(
        "ParaPlan \(ParaPlanInfo.version) benchmarks: \(repetitions) timed runs per case after 2 warm-ups, \(ProcessInfo.processInfo.activeProcessorCount) cores"
    )
    print("")
    if runs("solver") {
        print("| case | backend | median ms | p90 ms | simplex iterations | ratio |")
        print("|---|---|---:|---:|---:|---:|")
        for row in try transportationCase() { print(row) }
        for row in try warmStartCase() { print(row) }
    }

    if runs("sequence-parallel") {
        printTable(
            "Sequence parallelism on Wikipedia (GPT-7B profile, 64 GPUs, batches of 512), against FlexSP's released solver:",
            try SequenceParallelBenchmark.run(repetitions: max(3, repetitions / 6)))
        printTable(
            "Planning time against cluster and batch size (Wikipedia lengths):",
            try SequenceParallelBenchmark.scaling(repetitions: max(3, repetitions / 6)))
    }

    if runs("sp-speed") {
        printTable(
            "Sequence parallelism with rank 13 of 64 at half speed (Wikipedia batches 0-19, GPT-7B profile):",
            try SequenceParallelSpeedBenchmark.run())
        printTable(
            "Planning time with one rank at half speed at scale (Llama-3-8B derived profile, Wikipedia lengths):",
            try SequenceParallelSpeedScaleBenchmark.run())
        printTable(
            "Slow ranks where memory decides the step (derived profiles, Wikipedia lengths):",
            try SequenceParallelSpeedMemoryBenchmark.run())
    }

    if runs("long-sequences") {
        printTable(
            "Batches of long sequences only (uniform lengths, GPT-7B profile):",
            try LongSequenceBenchmark.run(repetitions: max(3, repetitions / 6)))
        printTable(
            "The same kind of batches on 64 GPUs, against FlexSP's released solver (its step times recorded):",
            try LongSequenceBenchmark.againstFlexSP(repetitions: max(3, repetitions / 6)))
    }

    if runs("attention-schemes") {
        printTable(
            "Sequence-parallel plans against static Ulysses, ring and USP layouts (derived profiles, H100, Wikipedia lengths):",
            try AttentionSchemeBenchmark.run())
    }

    if runs("derived-profiles") {
        printTable(
            "Sequence-parallel plans from model configs where memory often decides the step (H100, Wikipedia lengths):",
            try DerivedProfileBenchmark.run())
    }

    if runs("batch-balance") {
        printTable(
            "Data-parallel batch balancing (ours and baselines as makespan ÷ our lower bound):",
            try BatchBalanceBenchmark.run())
    }

    if runs("experts") {
        printTable(
            "MoE expert placement against DeepSeek's EPLB (load ratio = max GPU load ÷ mean, lower is better):",
            try ExpertPlacementBenchmark.run())
        print("")
        for row in try ExpertPlacementBenchmark.origins() { print(row) }
        print("")
        for row in try ExpertPlacementBenchmark.deepSeekV3(repetitions: max(3, repetitions / 3)) { print(row) }
    }

    if runs("gnn") {
        printTable(
            "GNN pipeline layouts (GNNPipe) on generated power-law graphs:",
            try GNNPipelineBenchmark.run())
    }

    if onlySection == "multimodal" {
        for row in try MultimodalBalanceBenchmark.run() { print(row) }
    }

    if onlySection == "locality" {
        for row in try ExpertPlacementBenchmark.origins() { print(row) }
    }

    if onlySection == "deepseek" {
        for row in try ExpertPlacementBenchmark.deepSeekV3(repetitions: max(3, repetitions / 3)) { print(row) }
    }

    if runs("whatif") {
        printTable(
            "What-if analysis of training traces (paraplan whatif), against the straggler-analysis artifact:",
            try WhatIfBenchmark.rows(repetitions: max(3, repetitions / 3)))
    }

    if onlySection == "fit" {
        for row in try EfficiencyFit.rows() { print(row) }
    }

    if runs("cost-model") {
        let validation = try costModelValidationRows()
        print("")
        print("Cost model against published iteration times (one set of efficiency factors per GPU type):")
        print("")
        print("| runs | count | mean abs error | worst abs error |")
        print("|---|---:|---:|---:|")
        for row in validation.summary { print(row) }
        print("")
        print("| source | run | kind | published s | predicted s | error | predicted memory |")
        print("|---|---|---|---:|---:|---:|---:|")
        for row in validation.rows { print(row) }
        let outOfSample = [
            ("Megatron-Bridge 25.11", PublishedRun.megatronBridge2511),
            ("Megatron-Bridge 26.02, 26.02.01 and 26.06", PublishedRun.megatronBridge26),
            ("Megatron-Bridge 26.04, 26.04.01, 26.06.01 and 26.08, priced blind", PublishedRun.megatronBridge2604),
        ]
        var allErrors: [(moe: Bool, error: Double)] = []
        for (name, runs) in outOfSample {
            let table = try outOfSampleRows(runs)
            allErrors += table.errors
            print("")
            print("Out of sample (\(name), not used to fit): \(outOfSampleSummary(table.errors))")
            print("")
            print("| run | kind | published s | predicted s | error | predicted memory |")
            print("|---|---|---:|---:|---:|---:|")
            for row in table.rows { print(row) }
        }
        print("")
        print("Out of sample (all three sets, not used to fit): \(outOfSampleSummary(allErrors))")
        printTable(
            "BF16 and FP8 on one layout (DGX Cloud benchmarking, H100, NeMo 24.09/24.11; in the fit since 2026-12-07):",
            try precisionPairRows())
        printTable(
            "Weak scaling, the work per GPU fixed (DGX Cloud benchmarking, H100; the growth not used to fit):",
            try weakScalingRows())
    }

    if runs("layouts") {
        printTable(
            "Static layout search on the validation runs' batch shapes (CP 1 and the run's own; ZeRO, FP8, overlap and FlashAttention as the run had them):",
            try LayoutSearchBenchmark.rows(repetitions: max(3, repetitions / 3)))
    }
} catch {
    FileHandle.standardError.write(Data("paraplan-bench: \(error)\n".utf8))
    exit(1)
}
