import Dashboard
import Telemetry
import Testing
import Training

/// The knob specs the engine announces come from the config table, bounds included: every value
/// the dashboard's nudge can reach from any accepted start is one the engine accepts, and the
/// spec's own check agrees with the table's on both sides of every bound.
@Suite struct KnobBoundsTests {
    let knobs = TrainingConfig.keys.filter(\.isKnob)

    /// Accepted starting values: the bounds where they are closed, just inside where they are open, and the middle.
    func starts(_ key: ConfigKey) -> [ConfigValue] {
        switch key.kind {
        case .choice(let options): return options.map { .text($0) }
        case .int(let range): return [range.lowerBound, (range.lowerBound + range.upperBound) / 2, range.upperBound].map { .int($0) }
        case .real(let range, let lowerOpen, let upperOpen):
            let low = lowerOpen ? range.lowerBound.nextUp : range.lowerBound
            let high = upperOpen ? range.upperBound.nextDown : range.upperBound
            let middle = key.scale == .log && low > 0 ? (low * high).squareRoot() : (low + high) / 2
            return [low, middle, high, 0.99 * high].map { .real($0) }.filter { (try? key.check($0)) != nil }
        }
    }

    func configValue(_ value: KnobValue, for key: ConfigKey) -> ConfigValue {
        switch (value, key.kind) {
        case (.choice(let s), _): .text(s)
        case (.number(let x), .int): .int(Int(x))
        case (.number(let x), _): .real(x)
        }
    }

    @Test func everyNudgedValueIsAcceptedByTheEngine() throws {
        for key in knobs {
            for start in starts(key) {
                let spec = key.knobSpec(value: start)
                for up in [true, false] {
                    var value = spec.value
                    for _ in 0..<80 {
                        value = spec.nudged(value, up: up)
                        #expect((try? key.check(configValue(value, for: key))) != nil, "\(key.name): nudged to \(value) from \(start)")
                        #expect(spec.check(value).isSuccess, "\(key.name): the spec refuses its own nudge \(value)")
                    }
                }
            }
        }
    }

    @Test func theSpecAndTheTableAgreeAtEveryBound() throws {
        for key in knobs {
            guard case .real(let range, let lowerOpen, let upperOpen) = key.kind else { continue }
            let spec = key.knobSpec(value: .real(range.upperBound > 1 ? 1 : range.upperBound / 2))
            #expect(spec.minOpen == lowerOpen && spec.maxOpen == upperOpen, "\(key.name)")
            for x in [range.lowerBound.nextDown, range.lowerBound, range.lowerBound.nextUp,
                      range.upperBound.nextDown, range.upperBound, range.upperBound.nextUp] {
                let engine = (try? key.check(.real(x))) != nil
                #expect(spec.check(.number(x)).isSuccess == engine, "\(key.name) at \(x): spec and engine disagree")
            }
        }
    }

    @Test func momentumIsNudgedUpToJustBelowOne() throws {
        let key = try #require(TrainingConfig.key("momentum"))
        let spec = key.knobSpec(value: .real(0.99))
        #expect(spec.maxOpen && spec.max == 1)
        #expect(spec.nudged(.number(0.99), up: true) == .number(0.99), "1 is refused by the engine, so the nudge stays")
        #expect(!spec.check(.number(1)).isSuccess)
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
