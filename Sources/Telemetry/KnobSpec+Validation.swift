import JSONCore

/// Why a knob value was refused.
public struct KnobValueError: Error, Sendable, Equatable {
    public var message: String

    public init(message: String) { self.message = message }
}

extension KnobSpec {
    /// Whether `value` is one the spec allows.
    public func check(_ value: KnobValue) -> Result<Void, KnobValueError> {
        switch value {
        case .choice(let name):
            guard let choices else { return .failure(KnobValueError(message: "expects a number, got '\(name)'")) }
            return choices.contains(name) ? .success(())
                : .failure(KnobValueError(message: "'\(name)' is not one of \(choices.joined(separator: ", "))"))
        case .number(let x):
            if choices != nil { return .failure(KnobValueError(message: "expects one of \(choices!.joined(separator: ", "))")) }
            guard x.isFinite else { return .failure(KnobValueError(message: "\(x) is not a finite number")) }
            let text = JSONValue.number(x).jsonText
            if let min, x < min || (minOpen && x == min) {
                return .failure(KnobValueError(message: "\(text) is \(minOpen ? "not above" : "below") the minimum \(JSONValue.number(min).jsonText)"))
            }
            if let max, x > max || (maxOpen && x == max) {
                return .failure(KnobValueError(message: "\(text) is \(maxOpen ? "not below" : "above") the maximum \(JSONValue.number(max).jsonText)"))
            }
            if scale == .log && x <= 0 { return .failure(KnobValueError(message: "a log-scale knob needs a positive value")) }
            return .success(())
        }
    }

}
