import NN

/// A config key with a fixed set of names (`optimizer`, `activation`, …): its cases are the choices.
public protocol ConfigChoice: ConfigRepresentable, CaseIterable, RawRepresentable where RawValue == String {}

extension ConfigChoice {
    public init?(configValue: ConfigValue) {
        guard case .text(let name) = configValue else { return nil }
        self.init(rawValue: name)
    }

    public var configValue: ConfigValue { .text(rawValue) }

    /// Every choice's name, in declaration order.
    static var names: [String] { allCases.map(\.rawValue) }
}

extension OptimizerKind: ConfigChoice {}
extension Activation: ConfigChoice {}
extension ModularOperation: ConfigChoice {}

