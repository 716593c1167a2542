import TensorCore

/// A node of the computation graph: a tensor value and, when it depends on something that needs a
/// gradient, the primitive op and inputs that produced it.
///
/// Graphs are built eagerly by the ops in `Variable+Ops.swift`; `gradients(of:withRespectTo:)`
/// walks them backwards with the rules in `Primitive+Gradient.swift`.
public final class Variable {
    /// The computed value.
    public let value: Tensor
    /// True for parameters and for every value computed from one.
    public let requiresGrad: Bool
    let primitive: Primitive?
    let inputs: [Variable]

    /// A leaf: a constant (`requiresGrad: false`) or a parameter to differentiate against.
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        primitive = nil
        inputs = []
    }

    /// The result of applying `primitive` to `inputs`; records the edge only when a gradient needs
    /// it or a trace is being taken (`CompiledGraph` replays constants' ops too).
    init(_ primitive: Primitive, _ inputs: [Variable]) {
        value = primitive.forward(inputs.map(\.value))
        requiresGrad = primitive.passesGradients && inputs.contains { $0.requiresGrad }
        let records = requiresGrad || Tracing.recordsEverything
        self.primitive = records ? primitive : nil
        self.inputs = records ? inputs : []
    }

    /// Shape of the value.
    public var shape: [Int] { value.shape }
    /// Element type of the value.
    public var dtype: DType { value.dtype }

    /// The same value cut off from the graph (a constant).
    public func detached() -> Variable { Variable(value) }

    /// A constant of the same dtype.
    public func constant(_ tensor: Tensor) -> Variable { Variable(tensor.converted(to: dtype)) }
}

/// Whether graph building records every op, as a trace needs, or only those on a gradient's path.
enum Tracing {
    @TaskLocal static var recordsEverything = false
}
