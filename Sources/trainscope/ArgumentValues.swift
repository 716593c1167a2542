import ArgumentParser
import Dashboard
import Ingest
import Training

// The command-line face of shared types: each option is parsed into its type when the command
// line is read, so a bad value is a usage error (one line, exit 2) before anything runs.

extension PanelKind: ExpressibleByArgument {}
extension LayoutPreset: ExpressibleByArgument {}

extension Smoothing: CustomStringConvertible {
    /// `KIND[:LEVEL]`, as `--smoothing` takes it.
    public var description: String { kind == .none ? "none" : "\(kind.rawValue):\(level)" }

    /// `--smoothing`'s value, or why it is not one.
    static func parse(_ text: String) throws -> Smoothing {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard let kind = parts.first.flatMap({ SmoothingKind(rawValue: String($0)) }),
              let level = parts.count == 2 ? Int(parts[1]) : Smoothing.none.level, (0..<Smoothing.levels).contains(level) else {
            throw ValidationError("expected none, ema, twema or gaussian, optionally :LEVEL with LEVEL 0-\(Smoothing.levels - 1)")
        }
        return Smoothing(kind: kind, level: level)
    }
}

extension Preset: CustomStringConvertible {
    public var description: String { name }

    /// `--preset`'s value, or why it is not one.
    static func parse(_ name: String) throws -> Preset {
        guard let preset = Preset.named(name) else {
            throw ValidationError("no such preset (available: \(Preset.all.map(\.name).joined(separator: ", ")))")
        }
        return preset
    }
}

extension ConfigSetting {
    /// `--set`'s value, or why it is not one.
    static func parse(_ text: String) throws -> ConfigSetting {
        do { return try ConfigSetting(assignment: text) } catch { throw ValidationError(error.message) }
    }
}

extension SourceAddress {
    /// A source argument of `watch`, `snapshot` and `check`, or why it is not one.
    static func parseArgument(_ text: String) throws -> SourceAddress {
        do { return try SourceAddress.parse(text) } catch { throw ValidationError("\(error)") }
    }
}

extension ForkPlan {
    /// `--fork`'s value, or why it is not one.
    static func parse(_ text: String) throws -> ForkPlan {
        guard let plan = ForkPlan(text) else {
            throw ValidationError("expected KNOB:F1,F2,…:STEPS with a numeric knob, 1–9 non-negative factors (0 only where the knob accepts 0) and steps ≥ 1, e.g. lr:0.5,1,2:200")
        }
        return plan
    }
}
