import CostModel
import Foundation

/// A GNN layout's predicted epoch as a Chrome trace (docs/reports.md §Timelines), made when planning: one process per
/// pipeline stage with its chunks' forward and backward in GNNPipe's lock-step slots, then its weight all-reduce.
public enum GNNPipelineTimeline {
    public static func render(cost: GNNPipelineCost, layout: GNNPipelineCost.Layout) -> Data {
        let schedule = cost.schedule(layout)
        var trace = ChromeTrace()
        for (stage, range) in layout.stageLayers.enumerated() {
            trace.process(
                stage, name: "stage \(stage) (\(layout.ways) ways, layers \(range.lowerBound)-\(range.upperBound - 1))")
            trace.thread(stage, 0, name: "chunks")
            trace.thread(stage, 1, name: "weight all-reduce")
        }
        for item in schedule.chunks {
            trace.event(
                "\(item.forward ? "forward" : "backward") chunk \(item.chunk)",
                category: item.forward ? "forward" : "backward",
                pid: item.stage, tid: 0, start: item.start, seconds: item.seconds,
                arguments: [("chunk", Double(item.chunk))])
        }
        if schedule.allReduceSeconds > 0 {
            for stage in 0..<layout.stages {
                trace.event(
                    "weight all-reduce", category: "communication", pid: stage, tid: 1, start: schedule.allReduceStart,
                    seconds: schedule.allReduceSeconds)
            }
        }
        return trace.data
    }
}
