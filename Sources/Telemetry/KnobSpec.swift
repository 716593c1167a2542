import JSONCore

/// A knob's value: a number (learning rate, batch size) or a choice (optimizer name).
public enum KnobValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case choice(String)

    public var description: String {
        switch self {
        case .number(let x): JSONValue.number(x).jsonText
        case .choice(let s): s
        }
    }
}

/// How a knob moves when nudged: linearly by `step`, or multiplicatively on a log scale.
public enum KnobScale: String, Sendable, Equatable {
    case linear = "lin"
    case log = "log"
}

/// A knob the engine accepts, as announced in its `run` event.
public struct KnobSpec: Sendable, Equatable {
    /// snake_case knob name, identical to the config key (`lr`, `weight_decay`, …).
    public var name: String
    /// Current value.
    public var value: KnobValue
    /// Smallest accepted number (numeric knobs).
    public var min: Double?
    /// Largest accepted number (numeric knobs).
    public var max: Double?
    /// Whether `min` itself is excluded (a rate that must stay positive).
    public var minOpen: Bool
    /// Whether `max` itself is excluded (a momentum below 1).
    public var maxOpen: Bool
    /// Nudge scale.
    public var scale: KnobScale
    /// Nudge step: an addend on linear scales, a factor on log scales.
    public var step: Double?
    /// Accepted values of a choice knob.
    public var choices: [String]?
    /// Fields this version does not know, kept for re-encoding.
    public var extra: JSONObject

    public init(name: String, value: KnobValue, min: Double? = nil, max: Double? = nil, minOpen: Bool = false, maxOpen: Bool = false,
                scale: KnobScale = .linear, step: Double? = nil, choices: [String]? = nil, extra: JSONObject = JSONObject()) {
        self.name = name; self.value = value; self.min = min; self.max = max; self.minOpen = minOpen; self.maxOpen = maxOpen
        self.scale = scale
        self.step = step; self.choices = choices; self.extra = extra
    }
}
