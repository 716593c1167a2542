import Synchronization

/// The last value computed and what it was computed from, so a frame whose inputs are the same
/// as the last one's takes it instead of computing it again.
final class LastValue<Inputs: Equatable & Sendable, Value: Sendable>: Sendable {
    private let last = Mutex<(inputs: Inputs, value: Value)?>(nil)

    /// The value for `inputs`: the last one when its inputs are equal, else `compute()`'s.
    func value(for inputs: Inputs, _ compute: () -> Value) -> Value {
        if let kept = last.withLock({ $0.flatMap { $0.inputs == inputs ? $0.value : nil } }) { return kept }
        let value = compute()
        last.withLock { $0 = (inputs, value) }
        return value
    }
}
