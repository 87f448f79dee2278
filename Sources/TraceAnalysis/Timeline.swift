import Foundation

/// A replayed job as a Chrome trace (the JSON that Perfetto and chrome://tracing open): one process per worker, one
/// thread per stream of operations that never overlap on that worker (compute, each pipeline-transfer kind, the
/// data-parallel collectives, the post-backward chain), complete events (`ph: "X"`) in microseconds, names from
/// metadata events. Steps follow one another.
public enum Timeline {
    public enum Version: String, Sendable {
        /// The recorded durations and launch delays (equal to the trace: the replay reproduces it).
        case recorded
        /// Every operation at its kind's typical duration, no launch delays.
        case ideal
    }

    /// Thread ids and names, each once.
    static let threads: [(id: Int, name: String)] = {
        var seen = Set<Int>()
        return OperationKind.allCases.map(stream).filter { seen.insert($0.id).inserted }.sorted { $0.id < $1.id }
    }()

    static func stream(_ kind: OperationKind) -> (id: Int, name: String) {
        switch kind {
        case .forwardCompute, .backwardCompute: (1, "compute")
        case .forwardSend: (2, "forward-send")
        case .forwardRecv: (3, "forward-recv")
        case .backwardSend: (4, "backward-send")
        case .backwardRecv: (5, "backward-recv")
        case .paramsAllGather, .gradsReduceScatter: (6, "data-parallel collectives")
        case .layernormGradsAllReduce, .embeddingGradsAllReduce, .separateGradsAllReduce, .optimizerClipMainGrad,
            .optimizer, .gc:
            (7, "after backward")
        }
    }
}

extension WhatIfAnalysis {
    /// The Chrome trace JSON of the recorded or the ideal replay.
    public func timeline(_ version: Timeline.Version) -> Data {
        let times: OperationTimes = version == .recorded ? recorded : ideal
        let schedule = replay.schedule(times)
        let (starts, ends, offsets) = (schedule.starts, schedule.ends, schedule.stepOffsets)
        var lines: [String] = []
        lines.reserveCapacity(operations.count + workers.count * 8)
        for (pid, worker) in workers.enumerated() {
            lines.append(
                #"{"ph":"M","name":"process_name","pid":\#(pid),"args":{"name":"dp \#(worker.dataParallelRank) "#
                    + #"stage \#(worker.stage)"}}"#)
            lines.append(#"{"ph":"M","name":"process_sort_index","pid":\#(pid),"args":{"sort_index":\#(pid)}}"#)
            for (id, name) in Timeline.threads {
                lines.append(#"{"ph":"M","name":"thread_name","pid":\#(pid),"tid":\#(id),"args":{"name":"\#(name)"}}"#)
            }
        }
        // Absolute times; on each track an event that starts before the previous one ends (clock skew between
        // workers, under 10 ms, kept by the replay) starts at that end instead, so no track has overlapping events.
        var begin = operations.indices.map { (offsets[Int(stepOf[$0])] + starts[$0]) * 1e6 }
        var finish = operations.indices.map { (offsets[Int(stepOf[$0])] + ends[$0]) * 1e6 }
        var tracks: [Int: [Int]] = [:]
        for index in operations.indices {
            tracks[Int(workerOf[index]) * 8 + Timeline.stream(operations[index].kind).id, default: []].append(index)
        }
        for (_, members) in tracks {
            var previousEnd = -Double.infinity
            for index in members.sorted(by: { (begin[$0], $0) < (begin[$1], $1) }) {
                begin[index] = max(begin[index], previousEnd)
                finish[index] = max(finish[index], begin[index])
                previousEnd = finish[index]
            }
        }
        for (index, operation) in operations.enumerated() {
            let start = begin[index]
            let duration = finish[index] - begin[index]
            let label = operation.microBatch.map { " mb \($0)" } ?? ""
            lines.append(
                #"{"ph":"X","name":"\#(operation.kind.rawValue)\#(label)","cat":"\#(operation.kind.attributionGroup)","#
                    + #""pid":\#(workerOf[index]),"tid":\#(Timeline.stream(operation.kind).id),"#
                    + #""ts":\#(String(format: "%.3f", start)),"dur":\#(String(format: "%.3f", duration)),"#
                    + #""args":{"step":\#(operation.step),"seq":\#(operation.sequence)}}"#)
        }
        return Data(
            ("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n" + lines.joined(separator: ",\n") + "\n]}\n").utf8)
    }
}
