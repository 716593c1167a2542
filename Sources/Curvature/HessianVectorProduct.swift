import TensorCore
import Autograd
import NN

/// Exact Hessian-vector products of a scalar loss over a model's flat parameters, by double
/// backward: H·v = ∇_w ⟨∇_w L(w), v⟩. Costs about two gradients.
public struct HessianVectorProduct {
    /// The parameter layout the loss reads.
    public let layout: ParameterLayout
    /// The loss of a forward pass with the given parameter leaves.
    public let loss: (ParameterVariables) -> Variable

    public init(layout: ParameterLayout, loss: @escaping (ParameterVariables) -> Variable) {
        self.layout = layout; self.loss = loss
    }

    /// H·v at parameters `w` `[P]` for a direction `v` `[P]`; returns `[P]`.
    public func callAsFunction(at w: Tensor, _ v: Tensor) -> Tensor {
        precondition(w.shape == v.shape && w.count == layout.count, "w \(w.shape), v \(v.shape) for \(layout.count) parameters")
        let p = ParameterVariables(layout: layout, flat: w, requiresGrad: true)
        let grads = gradients(of: loss(p), withRespectTo: p.leaves, createGraph: true)
        let product = Self.product(gradients: grads, directions: layout.split(v.converted(to: w.dtype)), parameters: p.leaves)
        return product.isEmpty ? Tensor.zeros(v.shape, dtype: w.dtype) : layout.join(product.map(\.value))
    }

    /// H·v as variables, one per parameter leaf: the gradient of ⟨∇L, v⟩, given ∇L built with
    /// `createGraph: true` and v cut like the leaves. Empty when there are no parameters.
    public static func product(gradients grads: [Variable], directions: [Tensor], parameters: [Variable]) -> [Variable] {
        var inner: Variable?
        for (g, d) in zip(grads, directions) {
            let term = (g * Variable(d)).sum()
            inner = inner.map { $0 + term } ?? term
        }
        guard let inner else { return [] }
        return gradients(of: inner, withRespectTo: parameters)
    }

    /// H·v by central differences of the gradient, (∇L(w + εv) − ∇L(w − εv)) / 2ε: the test oracle
    /// for the exact product (use Float64).
    public func finiteDifference(at w: Tensor, _ v: Tensor, epsilon: Double = 1e-5) -> Tensor {
        func gradient(_ point: Tensor) -> Tensor {
            let p = ParameterVariables(layout: layout, flat: point, requiresGrad: true)
            return p.flatGradient(of: loss(p))
        }
        let plus = gradient(w + v.scaled(by: epsilon)), minus = gradient(w - v.scaled(by: epsilon))
        return (plus - minus).scaled(by: 1 / (2 * epsilon))
    }
}
