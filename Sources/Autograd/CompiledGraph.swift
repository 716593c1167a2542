import Foundation
import TensorCore

/// A function of a flat parameter vector and a batch, traced once and then run as a fused plan.
///
/// The function is written with the ordinary differentiable ops (a model's forward pass, a loss,
/// `gradients(of:withRespectTo:createGraph:)`, a Hessian-vector product). `trace` records it
/// twice, on random parameters and random inputs shaped like the example, so that each index array
/// and leaf is known as a constant or as one of the inputs; then it plans the graph once
/// (`ExecutionPlan`): GEMMs through OpenBLAS, every other op fused into row passes, every buffer
/// placed in one arena. `run` binds new parameters and inputs; `run(into:)` on one thread allocates
/// nothing at all. A run computes the same bits as the eager graph would, op for op.
///
/// Not thread-safe: a compiled graph owns its buffers, one caller runs it at a time.
public final class CompiledGraph {
    /// Why a function cannot be compiled: it computed something from values outside the graph
    /// (a constant from the data, say), or builds a different graph for different inputs.
    public struct TraceError: Error, CustomStringConvertible, Equatable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// What a plan holds, for tests and benchmarks.
    public struct Statistics: Sendable, Equatable {
        /// Ops in the traced graph (leaves included).
        public var nodes: Int
        public var gemms: Int
        /// Fused row passes, and the ops they run per row in all.
        public var kernels: Int
        public var kernelOps: Int
        /// Elements of the arena: every buffer and the scratch space, allocated once.
        public var arenaElements: Int
        /// Result groups of several values computed side by side in one region (a flat gradient
        /// accumulated in place), copied out in one piece.
        public var contiguousResults: Int
    }

    /// Element type of parameters, inputs and results.
    public let dtype: DType
    /// Threads that share a fused pass whose rows are independent (1…4; by default 2 where there
    /// are two cores). Results are the same bits for any number: sums are added up in row order.
    public var threads = CompiledGraph.defaultThreads

    /// Two where the machine has two cores or more, else one.
    public static var defaultThreads: Int { min(2, ProcessInfo.processInfo.activeProcessorCount) }
    /// Elements of the flat parameter vector a run takes.
    public let parameterCount: Int
    private let plan: ExecutionPlan
    private let memory: Memory
    private let indexCounts: [Int]
    private let tensorShapes: [[Int]]
    /// Each result group's shape: its variable's, or the group flattened and joined.
    private let outputShapes: [[Int]]

    private enum Memory {
        case float32(PlanMemory<Float>)
        case float64(PlanMemory<Double>)
    }

    /// Traces `function` and plans it. `parameterShapes` cut the flat vector into the leaves the
    /// function receives (in order); `indices` and `tensors` are example inputs: each run must give
    /// arrays of the same counts and tensors of the same shapes. Index inputs are traced with random
    /// ids below each example's largest + 1, so an example needs at least 8 ids and two distinct values.
    public static func trace(parameterShapes: [[Int]], dtype: DType, indices: [[Int32]], tensors: [Tensor],
                             seed: UInt64 = 0x7ACE,
                             _ function: ([Variable], [[Int32]], [Tensor]) -> [[Variable]]) throws(TraceError) -> CompiledGraph {
        for (slot, example) in indices.enumerated() where !canTrace(example) {
            throw TraceError("index input \(slot) is too small or too uniform to trace (\(example.count) ids)")
        }
        var rng = SeededRNG(seed: seed)
        func draw() -> (parameters: [Tensor], indices: [[Int32]], tensors: [Tensor]) {
            let parameters = parameterShapes.map { rng.normalTensor($0, std: 0.5, dtype: dtype) }
            let ids = indices.map { example in
                let bound = UInt64(example.max()!) + 1
                return example.map { _ in Int32(rng.next() % bound) }
            }
            // Multiples of 1/64 in ±4: exact in either element type, so conversions cannot blur a match.
            let values = tensors.map { example in
                Tensor(shape: example.shape, (0..<example.count).map { _ in Double(Int(rng.next() % 513) - 256) / 64 })
                    .converted(to: example.dtype)
            }
            return (parameters, ids, values)
        }
        let first = draw(), second = draw()
        let a = GraphTrace(parameters: first.parameters, indices: first.indices, tensors: first.tensors, function)
        let b = GraphTrace(parameters: second.parameters, indices: second.indices, tensors: second.tensors, function)
        let sources = try a.sources(comparedWith: b, indices: (first.indices, second.indices), tensors: (first.tensors, second.tensors))
        var offsets: [Int] = [], total = 0
        for shape in parameterShapes { offsets.append(total); total += Tensor.count(of: shape) }
        return CompiledGraph(plan: ExecutionPlan(a, sources: sources, parameterOffsets: offsets), dtype: dtype,
                             parameterCount: total, indexCounts: indices.map(\.count), tensorShapes: tensors.map(\.shape))
    }

    /// True when an example index input tells a trace its ids from constants: at least 8 ids, two distinct.
    public static func canTrace(_ example: [Int32]) -> Bool {
        example.count >= 8 && example.allSatisfy { $0 >= 0 } && Set(example).count >= 2
    }

    private init(plan: ExecutionPlan, dtype: DType, parameterCount: Int, indexCounts: [Int], tensorShapes: [[Int]]) {
        self.plan = plan
        self.dtype = dtype
        self.parameterCount = parameterCount
        self.indexCounts = indexCounts
        self.tensorShapes = tensorShapes
        outputShapes = plan.outputs.map { group in
            group.count == 1 ? plan.shapes[group[0]] : [group.reduce(0) { $0 + Tensor.count(of: plan.shapes[$1]) }]
        }
        memory = dtype == .float32 ? .float32(PlanMemory(plan)) : .float64(PlanMemory(plan))
    }

    /// True when `run` accepts inputs of these counts and shapes.
    public func accepts(indices: [[Int32]], tensors: [Tensor]) -> Bool {
        indices.count == indexCounts.count && tensors.count == tensorShapes.count
            && zip(indices, indexCounts).allSatisfy { $0.count == $1 } && zip(tensors, tensorShapes).allSatisfy { $0.shape == $1 }
    }

    /// The function's results at flat `parameters` `[parameterCount]` and these inputs: one tensor
    /// per result group, shaped like its variable when the group has one, else the group flattened
    /// and joined `[Σ counts]`.
    public func run(parameters: Tensor, indices: [[Int32]], tensors: [Tensor]) -> [Tensor] {
        var results: [Tensor] = []
        run(parameters: parameters, indices: indices, tensors: tensors, into: &results)
        return results
    }

    /// `run`, writing each result into `results`' tensor of the same shape and dtype in place (a
    /// fresh one where it has none): in the steady state a run allocates nothing at all.
    public func run(parameters: Tensor, indices: [[Int32]], tensors: [Tensor], into results: inout [Tensor]) {
        precondition(parameters.count == parameterCount && parameters.dtype == dtype,
                     "parameters \(parameters.dtype) [\(parameters.count)], the trace took \(dtype) [\(parameterCount)]")
        precondition(accepts(indices: indices, tensors: tensors), "inputs of other sizes than the trace's; trace again")
        switch memory {
        case .float32(let memory): run(memory, parameters, indices, tensors, into: &results)
        case .float64(let memory): run(memory, parameters, indices, tensors, into: &results)
        }
    }

    private func run<T: TensorScalar>(_ memory: PlanMemory<T>, _ parameters: Tensor, _ indices: [[Int32]], _ tensors: [Tensor],
                                      into results: inout [Tensor]) {
        parameters.withUnsafeElements(as: T.self) { plan.run(memory, parameters: $0, indices: indices, tensors: tensors, threads: threads) }
        if results.count != plan.outputs.count { results = plan.outputs.map { _ in Tensor.zeros([0], dtype: dtype) } }
        for (k, group) in plan.outputs.enumerated() {
            let shape = outputShapes[k]
            if results[k].shape != shape || results[k].dtype != dtype { results[k] = Tensor.zeros(shape, dtype: dtype) }
            if let start = plan.contiguousOutputs[k] {
                results[k].withUnsafeMutableElements(as: T.self) { $0.update(from: memory.arena + start, count: shape.reduce(1, *)) }
                continue
            }
            results[k].withUnsafeMutableElements(as: T.self) { out in
                var at = 0
                for node in group {
                    let count = Tensor.count(of: plan.shapes[node])
                    parameters.withUnsafeElements(as: T.self) { p in
                        switch plan.location[node]! {
                        case .parameters(let offset): (out + at).update(from: p + offset, count: count)
                        case .arena(let offset): (out + at).update(from: memory.arena + offset, count: count)
                        }
                    }
                    at += count
                }
            }
        }
    }

    /// The plan's size and shape.
    public var statistics: Statistics {
        var kernels = 0, ops = 0, gemms = 0
        for step in plan.steps {
            switch step {
            case .gemm: gemms += 1
            case .kernel(let k): kernels += 1; ops += k.ops.count
            }
        }
        let elements: Int
        switch memory {
        case .float32(let m): elements = m.elements
        case .float64(let m): elements = m.elements
        }
        return Statistics(nodes: plan.shapes.count, gemms: gemms, kernels: kernels, kernelOps: ops,
                          arenaElements: elements, contiguousResults: plan.contiguousOutputs.count)
    }
}

extension CompiledGraph: CustomStringConvertible {
    /// The plan, one step per line: GEMM shapes, and each fused pass's rows and ops.
    public var description: String {
        let size = plan.arenaCount * (dtype == .float32 ? 4 : 8)
        return "arena \(size / 1024) KiB\n" + plan.steps.map { step in
            switch step {
            case .gemm(let g):
                return "gemm \(g.m)×\(g.k)\(g.transposeA ? "ᵀ" : "") · \(g.k)×\(g.n)\(g.transposeB ? "ᵀ" : "")"
            case .kernel(let k):
                let ops = k.ops.map { "\($0)".split(separator: "(").first.map(String.init) ?? "" }
                return "\(k.parallel ? "parallel " : "")pass over \(k.rows) rows: \(ops.joined(separator: ", "))"
                    + (k.accumulators.isEmpty ? "" : "; \(k.accumulators.count) accumulators")
                    + (k.zeroed.isEmpty ? "" : "; \(k.zeroed.count) scatter-add targets")
            }
        }.joined(separator: "\n")
    }
}
