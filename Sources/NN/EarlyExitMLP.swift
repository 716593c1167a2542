import TensorCore
import Autograd

/// A deep MLP on feature rows with a classifier after every block, trained jointly (early exit,
/// as in BranchyNet): block k is `act(fc_k h)`, exit k is `exit_k(h_k)`, and the last exit is the
/// network's own output.
///
/// `forward` stacks the exits' outputs as row blocks, `[exits · n, classes]`: rows `k·n..<(k+1)·n`
/// are exit k+1's, so a loss over all rows (with the labels repeated) is the mean of the exits'
/// losses, the usual joint objective with equal weights.
public struct EarlyExitMLP: Model {
    public let inputs: Int
    public let hidden: Int
    public let blocks: Int
    public let classes: Int
    public let activation: Activation

    public init(inputs: Int, hidden: Int, blocks: Int, classes: Int, activation: Activation) {
        precondition(blocks >= 1, "an early-exit network needs at least one block")
        self.inputs = inputs; self.hidden = hidden; self.blocks = blocks; self.classes = classes; self.activation = activation
    }

    var layers: [Linear] { (0..<blocks).map { Linear("fc\($0 + 1)", $0 == 0 ? inputs : hidden, hidden) } }
    var heads: [Linear] { (0..<blocks).map { Linear("exit\($0 + 1)", hidden, classes) } }

    public var exits: Int { blocks }
    public var layout: ParameterLayout { ParameterLayout(zip(layers, heads).flatMap { $0.parameterSpecs + $1.parameterSpecs }) }
    public var description: String {
        "early-exit mlp(\(inputs)→\(hidden) ×\(blocks) blocks, \(activation.rawValue), an exit \(hidden)→\(classes) after each)"
    }

    public func initialParameters(_ rng: inout SeededRNG, dtype: DType) -> Tensor {
        layout.join(zip(layers, heads).flatMap { $0.initialize(&rng, dtype: dtype) + $1.initialize(&rng, dtype: dtype) })
    }

    public func forward(_ input: ModelInput, _ p: ParameterVariables) -> Variable {
        guard case .features(let x) = input else { preconditionFailure("EarlyExitMLP reads feature rows") }
        let n = x.shape[0]
        var h = Variable(x.converted(to: p.leaves[0].dtype))
        var stacked: Variable?
        for (k, (layer, head)) in zip(layers, heads).enumerated() {
            h = activation(layer(h, p))
            let block = head(h, p).indexAddRows((0..<n).map { Int32(k * n + $0) }, rows: blocks * n)
            stacked = stacked.map { $0 + block } ?? block
        }
        return stacked!
    }
}
