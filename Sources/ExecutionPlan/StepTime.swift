/// The cost of a plan whose figure of merit is one training step's time (`stepSeconds`): shared by the
/// sequence-parallel and batch-balance kinds, and by their baselines.
public struct StepTime: PlanCost {
    public var stepSeconds: Double
    public var primarySeconds: Double { stepSeconds }

    public init(stepSeconds: Double) { self.stepSeconds = stepSeconds }
}
