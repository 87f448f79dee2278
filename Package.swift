// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ParaPlan",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ParaPlan", targets: ["ParaPlan"]),
        .library(name: "ExecutionPlan", targets: ["ExecutionPlan"]),
        .library(name: "LinearProgramming", targets: ["LinearProgramming"]),
        .library(name: "CostModel", targets: ["CostModel"]),
        .executable(name: "paraplan", targets: ["paraplan"]),
        // The C ABI (include/paraplan.h) that the Python package loads; built with the Swift runtime linked in.
        .library(name: "ParaPlanABI", type: .dynamic, targets: ["ParaPlanABI"]),
        .executable(name: "paraplan-bench", targets: ["ParaPlanBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // C shims: module maps only. All solver code lives in LinearProgramming.
        .systemLibrary(
            name: "CClp",
            pkgConfig: "clp",
            providers: [.apt(["coinor-libclp-dev"]), .brew(["clp"])]
        ),
        .systemLibrary(
            name: "CGlpk",
            providers: [.apt(["libglpk-dev"]), .brew(["glpk"])]
        ),
        .systemLibrary(
            name: "CMetis",
            providers: [.apt(["libmetis-dev"]), .brew(["metis"])]
        ),
        .target(name: "LinearProgramming", dependencies: ["CClp", "CGlpk"]),
        // Graph partitioning: the only Swift code that calls METIS.
        .target(name: "GraphPartitioning", dependencies: ["CMetis"]),
        // The plan format depends on Foundation only, so a runtime can import it alone.
        .target(name: "ExecutionPlan"),
        // Cost models of compute, memory and communication; no dependency on the solver layer.
        .target(name: "CostModel"),
        // Readers of input files (Hugging Face config.json; model, cluster, profile and cost files; text lists).
        .target(name: "InputFiles", dependencies: ["CostModel", "Yams"]),
        // Published training runs and the cost model's error on them (tests, benchmarks, README table).
        .target(name: "CostModelValidation", dependencies: ["CostModel"]),
        // Per-step sequence-parallel planner (the FlexSP problem).
        .target(name: "SequenceParallel", dependencies: ["LinearProgramming", "CostModel", "InputFiles", "ExecutionPlan"]),
        // Data-parallel batch balancing (LLM and multimodal).
        .target(name: "BatchBalance", dependencies: [
            "LinearProgramming", "CostModel", "InputFiles", "ExecutionPlan",
            .product(name: "HeapModule", package: "swift-collections"),
        ]),
        // MoE expert placement with replicas and LP token shares.
        .target(name: "ExpertPlacement", dependencies: [
            "LinearProgramming", "CostModel", "InputFiles", "ExecutionPlan",
            .product(name: "HeapModule", package: "swift-collections"),
        ]),
        // GNNPipe layouts: graph-parallel ways × pipeline stages, layer split, chunks (METIS).
        .target(name: "GNNPipeline", dependencies: ["GraphPartitioning", "CostModel", "InputFiles", "ExecutionPlan"]),
        // What-if analysis of recorded training traces: replay, slowdown and its attribution (Foundation only).
        .target(name: "TraceAnalysis"),
        .target(name: "ParaPlan", dependencies: [
            "LinearProgramming", "ExecutionPlan", "CostModel", "InputFiles", "SequenceParallel", "BatchBalance", "ExpertPlacement",
            "GraphPartitioning", "GNNPipeline", "TraceAnalysis",
        ]),
        // What the CLI and the C ABI share: options to planners, presets and files to costs, errors to exit codes.
        // Plans' predicted schedules as Chrome traces for Perfetto.
        .target(name: "PlanTimeline", dependencies: ["ExecutionPlan", "CostModel"]),
        // Self-contained HTML reports of plans, figures as inline SVG.
        .target(name: "Reports", dependencies: ["ExecutionPlan", "CostModel", "TraceAnalysis"]),
        .target(name: "Frontend", dependencies: ["ParaPlan", "TraceAnalysis", "PlanTimeline", "Reports"]),
        // The C ABI: JSON options and flat arrays in, plan JSON out; never traps on what a caller passes.
        .target(name: "ParaPlanABI", dependencies: ["Frontend"]),
        .executableTarget(
            name: "paraplan",
            dependencies: [
                "ParaPlan", "Frontend", "TraceAnalysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Seeded instance generators shared by tests and benchmarks.
        .target(name: "SolverFixtures", dependencies: ["LinearProgramming", "GraphPartitioning", "TraceAnalysis"]),
        .executableTarget(
            name: "ParaPlanBenchmarks",
            dependencies: ["ParaPlan", "Frontend", "SolverFixtures", "GraphPartitioning", "CostModelValidation", "TraceAnalysis"]
        ),
        .testTarget(name: "LinearProgrammingTests", dependencies: ["LinearProgramming", "SolverFixtures"]),
        .testTarget(name: "ExecutionPlanTests", dependencies: ["ExecutionPlan", "SolverFixtures"]),
        .testTarget(name: "CostModelTests", dependencies: ["CostModel", "InputFiles", "CostModelValidation", "SolverFixtures"]),
        .testTarget(name: "InputFilesTests", dependencies: ["InputFiles", "CostModel"]),
        .testTarget(name: "SequenceParallelTests", dependencies: ["InputFiles", "SequenceParallel"]),
        .testTarget(name: "BatchBalanceTests", dependencies: ["InputFiles", "BatchBalance", "SolverFixtures"]),
        .testTarget(name: "ExpertPlacementTests", dependencies: ["ExpertPlacement", "SolverFixtures"]),
        .testTarget(name: "GNNPipelineTests", dependencies: ["GNNPipeline", "GraphPartitioning", "SolverFixtures"]),
        .testTarget(name: "TraceAnalysisTests", dependencies: ["TraceAnalysis", "SolverFixtures", "CostModel"]),
        .testTarget(name: "ReportsTests", dependencies: ["InputFiles", "Reports", "SequenceParallel", "BatchBalance", "ExpertPlacement", "CostModel",
                                                      "ExecutionPlan", "TraceAnalysis"]),
        .testTarget(name: "PlanTimelineTests", dependencies: ["PlanTimeline", "SequenceParallel", "BatchBalance", "CostModel", "ExecutionPlan"]),
        .testTarget(name: "CLITests", dependencies: ["paraplan", "ExecutionPlan"]),
        .testTarget(name: "ParaPlanABITests", dependencies: ["ParaPlanABI", "Frontend"]),
        // The documentation's Swift blocks, generated by scripts/doc_snippets.py and run as written.
        .testTarget(name: "DocumentationSnippetTests", dependencies: ["ParaPlan", "ExecutionPlan", "LinearProgramming"]),
    ],
    swiftLanguageModes: [.v6]
)
