import Foundation
import Testing

@testable import CostModel
@testable import InputFiles

@Suite struct ClusterFileTests {
    static func load(_ yaml: String) throws(CostModelError) -> Cluster {
        try Cluster.load(data: Data(yaml.utf8), source: "cluster.yaml")
    }

    @Test func inlineGPUSpecAndOverrides() throws {
        let cluster = try Self.load(
            """
            gpu: { name: mi300x, bf16FlopsPerSecond: 1307.4e12, memoryBytes: 192.0e9, memoryBandwidth: 5.3e12,
                   nvlinkBandwidth: 448.0e9, nicBandwidth: 50.0e9 }
            nodes: 2
            gpusPerNode: 8
            efficiency: { compute: 0.4 }
            """)
        #expect(cluster.gpu.name == "mi300x" && cluster.gpu.fp8FlopsPerSecond == nil)
        #expect(cluster.gpuCount == 16 && cluster.efficiency.compute == 0.4 && cluster.efficiency.interNode == 0.9)
        #expect(cluster.intraNodeBandwidth == 448e9)
        #expect(cluster.gpu.hostBandwidth == nil)
        // The layers' kernels between GEMMs take their own rate; a file that does not name it keeps the family's.
        let kernels = try Self.load("gpu: h100-sxm\nnodes: 1\ngpusPerNode: 8\nefficiency: { layerKernels: 0.5 }")
        #expect(kernels.efficiency.layerKernels == 0.5 && kernels.efficiency.memory == 0.7)
        #expect(try Self.load("gpu: h100-sxm\nnodes: 1\ngpusPerNode: 8").efficiency.layerKernels == 0.2)
        let linked = try Self.load(
            """
            gpu: { name: mi300x, bf16FlopsPerSecond: 1307.4e12, memoryBytes: 192.0e9, memoryBandwidth: 5.3e12,
                   nvlinkBandwidth: 448.0e9, nicBandwidth: 50.0e9, hostBandwidth: 64.0e9,
                   hostMemoryBytes: 256.0e9 }
            nodes: 1
            gpusPerNode: 8
            """)
        #expect(linked.gpu.hostBandwidth == 64e9 && linked.gpu.hostMemoryBytes == 256e9)
    }

    @Test func badClusterFilesNameTheField() throws {
        func field(_ yaml: String) -> String? {
            do {
                _ = try Self.load(yaml)
                return nil
            } catch { return error.field }
        }
        #expect(field("gpu: v100\nnodes: 1\ngpusPerNode: 8") == "gpu")
        #expect(field("gpu: h100-sxm\nnodes: 2\ngpusPerNode: 8\nspeedFactors: [1, 1]") == "speedFactors")
        #expect(field("gpu: h100-sxm\nnodes: two\ngpusPerNode: 8") == "nodes")
        #expect(field("gpu: h100-sxm\nnodes: 1\ngpusPerNode: 8\nefficiency: { compute: 0 }") == "efficiency.compute")
        #expect(
            field("gpu: h100-sxm\nnodes: 1\ngpusPerNode: 8\nefficiency: { layerKernels: 1.5 }")
                == "efficiency.layerKernels")
        #expect(field("gpu: h100-sxm\nnodes: 1\ngpusPerNode: 8\nlatency: 1") == "latency")
        #expect(field("gpu: { name: x }\nnodes: 1\ngpusPerNode: 8") == "gpu.bf16FlopsPerSecond")
        let spec =
            "{ bf16FlopsPerSecond: 1e15, memoryBytes: 8e10, memoryBandwidth: 3e12, nvlinkBandwidth: 4e11, "
            + "nicBandwidth: 5e10, hostBandwidth: -1 }"
        #expect(field("gpu: \(spec)\nnodes: 1\ngpusPerNode: 8") == "gpu.hostBandwidth")
        // Past 2^18 GPUs: each count alone, then their product, before anything multiplies them.
        #expect(field("gpu: h100-sxm\nnodes: 4611686018427387904\ngpusPerNode: 8") == "nodes")
        #expect(field("gpu: h100-sxm\nnodes: 65536\ngpusPerNode: 8") == "nodes × gpusPerNode")
        #expect(throws: CostModelError.self) { try Cluster.preset("hgx-h100:32769") }
        #expect(try Cluster.preset("hgx-h100:32768").gpuCount == Limits.gpus)
    }

    /// A synchronous step runs at the slowest GPU's pace.
    @Test func aStragglerSlowsCompute() throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let strategy = ParallelStrategy(dataParallel: 8, globalBatch: 16, sequenceLength: 4096)
        let nominal = try IterationEstimator(model: model, cluster: try Cluster.preset("hgx-h100:1")).estimate(strategy)
        var slow = try Cluster.preset("hgx-h100:1")
        slow.speedFactors = [1, 1, 1, 0.5, 1, 1, 1, 1]
        let straggling = try IterationEstimator(model: model, cluster: slow).estimate(strategy)
        #expect(abs(straggling.breakdown.compute / nominal.breakdown.compute - 2) < 1e-9)
    }
}

/// YAML lets a mapping or a list be a key; the YAML library traps turning one into a dictionary key (found by
/// scripts/fuzz.py), so the reader refuses it first, naming its place.
@Suite struct YAMLKeyTests {
    @Test(arguments: [
        "? [a]\n: 1\n", "gpu: h100-sxm\nnodes: 1\ngpusPerNode: 8\nefficiency:\n  {}: 1\n", "? {a: 1}\n: 2\n",
    ])
    func structuredKeysAreRefused(yaml: String) {
        #expect {
            try Cluster.load(data: Data(yaml.utf8), source: "cluster.yaml")
        } throws: { ($0 as? CostModelError)?.reason.contains("a key must be a plain name") == true }
    }
}

/// JSON readers keep one of two equal keys silently (Foundation the last); a repeated key in a JSON config is refused.
@Suite struct JSONRepeatedKeyTests {
    @Test func repeatedKeyInAModelConfigIsNamed() {
        let json =
            #"{"model_type": "llama", "hidden_size": 4096, "hidden_size": 8192, "num_attention_heads": 32,"#
            + #" "num_hidden_layers": 2, "intermediate_size": 100, "vocab_size": 1000}"#
        #expect {
            try TransformerModel.load(data: Data(json.utf8), source: "config.json")
        } throws: { ($0 as? CostModelError)?.field == "hidden_size" }
    }
}
