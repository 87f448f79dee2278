import Foundation
import Testing

/// `estimate --cpu-offload-layers N`: priced, printed as Megatron-LM and NeMo write it, and refused where Megatron-Core
/// refuses it.
@Suite(.serialized) struct OffloadCLITests {
    static let base = [
        "estimate", "--model", "llama-3-70b", "--cluster", "hgx-h100:8", "--global-batch", "64", "--seq-len", "2048",
        "--zero", "3",
    ]

    static func json(_ extra: [String]) throws -> [String: Any] {
        let outcome = try CLIRunner.run(Self.base + extra + ["--json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
    }

    static func number(_ object: [String: Any], _ part: String, _ key: String) -> Double {
        (object[part] as? [String: Any])?[key] as? Double ?? .nan
    }

    @Test func offloadIsPricedAndPrinted() throws {
        let plain = try Self.json([])
        let offloaded = try Self.json(["--cpu-offload-layers", "40"])
        #expect(Self.number(plain, "breakdown", "cpuOffload") == 0)
        #expect(Self.number(offloaded, "breakdown", "cpuOffload") > 0)
        #expect(Self.number(offloaded, "memory", "activations") * 2 == Self.number(plain, "memory", "activations"))
        let strategy = (offloaded["setup"] as? [String: Any])?["strategy"] as? [String: Any]
        #expect(strategy?["cpuOffloadLayers"] as? Int == 40)
        let table = try CLIRunner.run(Self.base + ["--cpu-offload-layers", "40"])
        #expect(table.stdout.contains("CPU offload") && table.stdout.contains("40 layers offloaded to the host"))
        let megatron = try CLIRunner.run(Self.base + ["--cpu-offload-layers", "40", "--format", "megatron"])
        #expect(megatron.stdout.contains("--cpu-offloading-num-layers 40"), "\(megatron.stdout)")
        let nemo = try CLIRunner.run(Self.base + ["--cpu-offload-layers", "40", "--format", "nemo"])
        #expect(nemo.stdout.contains("model.cpu_offloading_num_layers"), "\(nemo.stdout)")
        #expect(!plain.description.contains("cpu_offloading"))
    }

    /// `layouts` tries the least offload that fits a pipeline-free layout; `--no-cpu-offload` leaves it out.
    @Test func layoutsOffloadUnlessTold() throws {
        func offloaded(_ extra: [String]) throws -> (fitting: Int, offloaded: Int) {
            let outcome = try CLIRunner.run(
                [
                    "layouts", "--model", "llama-3-70b", "--cluster", "hgx-h100:8", "--global-batch", "256",
                    "--seq-len", "8192", "--zero", "3", "--all-variants", "--top", "100000", "--json",
                ] + extra)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
            let layouts = object?["layouts"] as? [[String: Any]] ?? []
            let count = layouts.filter { ($0["strategy"] as? [String: Any])?["cpuOffloadLayers"] != nil }.count
            return (object?["fitting"] as? Int ?? -1, count)
        }
        let searched = try offloaded([])
        let left = try offloaded(["--no-cpu-offload"])
        #expect(searched.offloaded > 0 && left.offloaded == 0)
        #expect(searched.fitting == left.fitting + searched.offloaded)
    }

    @Test(arguments: [
        (["--cpu-offload-layers", "80"], "from 1 to 79"), (["--cpu-offload-layers", "0"], "from 1 to 79"),
        (["--cpu-offload-layers", "x"], "--cpu-offload-layers"),
        (["--cpu-offload-layers", "10", "--pp", "2"], "--pp 1"),
        (["--cpu-offload-layers", "10", "--recompute", "full"], "--recompute"),
    ])
    func refusalsNameTheFlag(extra: [String], part: String) throws {
        let outcome = try CLIRunner.run(Self.base + extra)
        #expect(outcome.status == 2, "\(outcome.stderr)")
        #expect(
            outcome.stderr.contains(part) && outcome.stderr.hasPrefix("paraplan: ")
                && outcome.stderr.filter { $0 == "\n" }.count == 1, "\(outcome.stderr)")
    }
}
