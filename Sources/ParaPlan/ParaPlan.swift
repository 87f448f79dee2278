// The umbrella module: training code and the CLI import this one name.
@_exported import BatchBalance
@_exported import CostModel
@_exported import ExecutionPlan
@_exported import ExpertPlacement
@_exported import GNNPipeline
@_exported import GraphPartitioning
@_exported import InputFiles
@_exported import LinearProgramming
@_exported import SequenceParallel

public enum ParaPlanInfo {
    public static let version = "0.1.0"
}
