import Telemetry

extension KnobSpec {
    /// `current` moved one notch: the next or previous choice, × or ÷ `step` (default 2) on a log
    /// scale, ± `step` on a linear one, kept inside min…max (short of an open bound).
    public func nudged(_ current: KnobValue, up: Bool) -> KnobValue {
        switch current {
        case .choice(let name):
            guard let choices, !choices.isEmpty else { return current }
            let index = choices.firstIndex(of: name) ?? 0
            return .choice(choices[(index + (up ? 1 : choices.count - 1)) % choices.count])
        case .number(let x):
            var next: Double
            if scale == .log {
                let factor = step.map { $0 > 1 ? $0 : 2 } ?? 2
                next = x > 0 ? (up ? x * factor : x / factor) : (min.map { $0 > 0 ? $0 : 1e-6 } ?? 1e-6)
            } else {
                let delta = step ?? 1
                // On the step grid, so repeated nudges do not accumulate rounding (0.5 − 0.1 − 0.1 = 0.3):
                // k / 10 is correctly rounded where k · 0.1 is not.
                let k = ((x + (up ? delta : -delta)) / delta).rounded()
                let perUnit = (1 / delta).rounded()
                next = abs(1 / delta - perUnit) < 1e-9 ? k / perUnit : k * delta
            }
            // A bound the value may not reach (open) holds the value where it was.
            if let max, next > max || (maxOpen && next >= max) { next = maxOpen ? x : max }
            if let min, next < min || (minOpen && next <= min) { next = minOpen || (scale == .log && min <= 0) ? x : min }
            return .number(next)
        }
    }

    /// A typed value: a number (or a choice name), checked against the spec.
    public func parse(_ text: String) -> Result<KnobValue, KnobValueError> {
        let trimmed = text.trimmingCharacters(in: " ")
        let value: KnobValue
        if choices != nil {
            value = .choice(trimmed)
        } else {
            guard let x = Double(trimmed) else { return .failure(KnobValueError(message: "'\(trimmed)' is not a number")) }
            value = .number(x)
        }
        return check(value).map { value }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
