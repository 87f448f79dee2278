import Dispatch
import Synchronization

/// The cores a plan's tasks leave idle. The planner counts its running tasks (the bound and the searches); the
/// lower bound's case search solves ahead on what is left (`SolveAhead`), and counts those solves too.
final class SpareCores: Sendable {
    let cores: Int
    private let running: Atomic<Int>

    init(cores: Int, running: Int) {
        self.cores = max(1, cores)
        self.running = Atomic(running)
    }

    /// Cores with nothing to run now.
    var idle: Int { max(0, cores - running.load(ordering: .relaxed)) }

    func started() { running.wrappingAdd(1, ordering: .relaxed) }

    func finished() { running.wrappingSubtract(1, ordering: .relaxed) }
}

/// Work started early on idle cores, keyed by what it computes. A value is only ever the result of the work its key
/// names, so asking for a key gives the same value whether it was solved ahead, is still being solved (then this
/// waits for it) or was never started (then the caller solves it): results never depend on the number of cores.
final class SolveAhead<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State {
        var running: [Key: DispatchGroup] = [:]
        var done: [Key: Value] = [:]
    }

    private let state = Mutex(State())
    private let spare: SpareCores

    init(spare: SpareCores) { self.spare = spare }

    /// Whether `key` was started or is done.
    func knows(_ key: Key) -> Bool { state.withLock { $0.running[key] != nil || $0.done[key] != nil } }

    /// Starts `work` for `key` on another thread unless it is known already.
    func start(_ key: Key, _ work: @escaping @Sendable () -> Value) {
        let group = DispatchGroup()
        let fresh = state.withLock { state -> Bool in
            guard state.running[key] == nil, state.done[key] == nil else { return false }
            state.running[key] = group
            return true
        }
        guard fresh else { return }
        spare.started()
        DispatchQueue.global().async(group: group) {
            let value = work()
            self.state.withLock { state in
                state.done[key] = value
                state.running[key] = nil
            }
            self.spare.finished()
        }
    }

    /// The value for `key`: solved ahead, awaited, or computed here by `work`.
    func value(_ key: Key, orCompute work: () -> Value) -> Value {
        let (done, running) = state.withLock { ($0.done.removeValue(forKey: key), $0.running[key]) }
        if let done { return done }
        if let running {
            running.wait()
            if let done = state.withLock({ $0.done.removeValue(forKey: key) }) { return done }
        }
        return work()
    }

    /// Waits for everything started, so no solve ahead outlives the search that asked for it.
    func drain() {
        let groups = state.withLock { Array($0.running.values) }
        for group in groups { group.wait() }
    }
}
