import ArgumentParser
import Foundation
import ParaPlan

/// Lists the GPUs, clusters and models that flags accept by name.
struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presets",
        abstract: "Lists GPU, cluster and model presets with their key numbers."
    )

    @Flag(help: "Print JSON (sorted keys): gpus, clusters (node types) and models with their key numbers.")
    var json = false

    func run() throws {
        if json {
            try printJSON(PresetCatalog.current)
            return
        }
        print("GPUs (dense peaks, per GPU; links per direction):")
        print(
            row(
                ["name", "BF16 TFLOP/s", "FP8 TFLOP/s", "HBM GiB", "HBM TB/s", "NVLink GB/s", "NIC GB/s"],
                widths: Self.gpuWidths))
        for gpu in GPUSpec.presets {
            let fp8 = gpu.fp8FlopsPerSecond.map { String(format: "%.1f", $0 / 1e12) } ?? "-"
            print(
                row(
                    [
                        gpu.name, String(format: "%.1f", gpu.bf16FlopsPerSecond / 1e12), fp8,
                        String(format: "%.1f", gpu.memoryBytes / 1_073_741_824),
                        String(format: "%.2f", gpu.memoryBandwidth / 1e12),
                        String(format: "%.0f", gpu.nvlinkBandwidth / 1e9),
                        String(format: "%.0f", gpu.nicBandwidth / 1e9),
                    ], widths: Self.gpuWidths))
        }
        print("\nClusters (--cluster NAME or NAME:NODES):")
        for entry in Cluster.nodePresets {
            print(row([entry.name, "\(entry.gpusPerNode) × \(entry.gpu) per node"], widths: [-14, -1]))
        }
        print("\nModels (--model NAME):")
        print(row(["name", "layers", "hidden", "heads/kv", "params B", "active B"], widths: Self.modelWidths))
        for model in TransformerModel.presets {
            let counts = model.parameters
            print(
                row(
                    [
                        model.name, "\(model.layers)", "\(model.hiddenSize)", "\(model.heads)/\(model.kvHeads)",
                        String(format: "%.2f", counts.total / 1e9), String(format: "%.2f", counts.active / 1e9),
                    ], widths: Self.modelWidths))
        }
    }

    private static let gpuWidths = [-10, 13, 12, 8, 9, 12, 9]
    /// The name column fits the longest preset name.
    private static let modelWidths = [-max(15, TransformerModel.presets.map(\.name.count).max() ?? 0), 7, 7, 9, 9, 9]

}

/// One table row: a negative width pads on the right (left-aligned), a positive one on the left.
func row(_ cells: [String], widths: [Int]) -> String {
    var line = " "
    for (cell, width) in zip(cells, widths) {
        let padding = String(repeating: " ", count: max(0, abs(width) - cell.count))
        line += " " + (width < 0 ? cell + padding : padding + cell)
    }
    return line
}
