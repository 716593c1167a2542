import TensorCore

/// Gradients of a scalar `output` with respect to each of `inputs` (zeros where it does not depend
/// on one), by reverse-mode accumulation over the graph.
///
/// With `createGraph: true` the returned gradients are themselves differentiable functions of the
/// inputs, so differentiating `⟨∇L, v⟩` gives the exact Hessian-vector product `H·v`.
public func gradients(of output: Variable, withRespectTo inputs: [Variable], createGraph: Bool = false) -> [Variable] {
    precondition(output.value.count == 1, "gradients need a scalar output, got shape \(output.shape)")
    var grads: [ObjectIdentifier: Variable] = [:]
    grads[ObjectIdentifier(output)] = Variable(Tensor.full(output.shape, 1, dtype: output.dtype))
    for node in topologicalOrder(from: output).reversed() {
        guard let primitive = node.primitive, let g = grads[ObjectIdentifier(node)] else { continue }
        let inputGrads: [Variable?]
        // A trace must see the rules applied to the graph's own nodes, never to detached copies.
        if createGraph || Tracing.recordsEverything {
            inputGrads = primitive.vectorJacobianProduct(node.inputs, node, g)
        } else {
            // Evaluating the rule on constants records nothing: first-order backward stays cheap.
            inputGrads = primitive.vectorJacobianProduct(node.inputs.map { $0.detached() }, node.detached(), g.detached())
        }
        for (input, grad) in zip(node.inputs, inputGrads) where input.requiresGrad {
            guard let grad else { continue }
            let key = ObjectIdentifier(input)
            grads[key] = grads[key].map { $0 + grad } ?? grad
        }
    }
    return inputs.map { grads[ObjectIdentifier($0)] ?? Variable(Tensor.zeros($0.shape, dtype: $0.dtype)) }
}

/// Nodes reachable from `root` that need gradients, each after all of its inputs.
private func topologicalOrder(from root: Variable) -> [Variable] {
    var order: [Variable] = []
    var visited = Set<ObjectIdentifier>()
    // Iterative post-order DFS: graphs of long unrolled computations must not overflow the stack.
    var stack: [(Variable, Bool)] = [(root, false)]
    while let (node, expanded) = stack.popLast() {
        if expanded { order.append(node); continue }
        guard node.requiresGrad, visited.insert(ObjectIdentifier(node)).inserted else { continue }
        stack.append((node, true))
        for input in node.inputs where !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
    }
    return order
}
