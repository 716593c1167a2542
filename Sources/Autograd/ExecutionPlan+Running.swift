import TensorCore

/// The memory one plan runs in, for one element type: allocated when the plan is built and
/// reused by every run, so that a run allocates nothing.
final class PlanMemory<T: TensorScalar> {
    let arena: UnsafeMutablePointer<T>
    let accumulators: UnsafeMutablePointer<Double>
    let indices: UnsafeMutablePointer<Int32>
    /// Per worker and register of the running kernel (`maxRegisters` per worker): the current
    /// row's pointer, its base, row stride and index array.
    let current: UnsafeMutablePointer<UnsafeMutablePointer<T>>
    let bases: UnsafeMutablePointer<UnsafeMutablePointer<T>>
    let strides: UnsafeMutablePointer<Int>
    let rowIndices: UnsafeMutablePointer<UnsafePointer<Int32>?>
    /// The first element of each index buffer.
    let indexStarts: UnsafeMutablePointer<UnsafePointer<Int32>>
    /// The elements it holds, for the statistics.
    let elements: Int

    init(_ plan: ExecutionPlan) {
        arena = .allocate(capacity: max(plan.arenaCount, 1))
        arena.initialize(repeating: 0, count: max(plan.arenaCount, 1))
        accumulators = .allocate(capacity: max(plan.accumulatorCount, 1))
        indices = .allocate(capacity: max(plan.indexCount, 1))
        indices.initialize(repeating: 0, count: max(plan.indexCount, 1))
        let registers = max(plan.maxRegisters, 1) * ExecutionPlan.maxWorkers
        current = .allocate(capacity: registers)
        bases = .allocate(capacity: registers)
        strides = .allocate(capacity: registers)
        rowIndices = .allocate(capacity: registers)
        indexStarts = .allocate(capacity: max(plan.indexBuffers.count, 1))
        for (k, buffer) in plan.indexBuffers.enumerated() {
            (indexStarts + k).initialize(to: UnsafePointer(indices + buffer.offset))
        }
        elements = plan.arenaCount
        let (indices, arena) = (indices, arena)
        for (offset, values) in plan.constantIndices {
            values.withUnsafeBufferPointer { (indices + offset).update(from: $0.baseAddress!, count: values.count) }
        }
        for (offset, value) in plan.constants {
            value.withUnsafeElements(as: T.self) { (arena + offset).update(from: $0, count: value.count) }
        }
    }

    deinit {
        arena.deallocate(); accumulators.deallocate(); indices.deallocate()
        current.deallocate(); bases.deallocate(); strides.deallocate(); rowIndices.deallocate(); indexStarts.deallocate()
    }
}

extension ExecutionPlan {
    /// Runs every step on `parameters` (the flat vector) with the traced inputs bound to these
    /// values; parallel passes split their rows among `threads` workers (same bits for any number).
    // Specialized here for both element types: builds that compile file by file (debug) would
    // otherwise run the kernels through generic witnesses, an order of magnitude slower.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run<T: TensorScalar>(_ memory: PlanMemory<T>, parameters: UnsafePointer<T>, indices: [[Int32]], tensors: [Tensor],
                              threads: Int) {
        bind(memory, indices: indices, tensors: tensors)
        func pointer(_ location: Location) -> UnsafeMutablePointer<T> {
            switch location {
            case .parameters(let offset): UnsafeMutablePointer(mutating: parameters + offset)
            case .arena(let offset): memory.arena + offset
            }
        }
        for step in steps {
            switch step {
            case .gemm(let g):
                guard g.m > 0 && g.n > 0 else { continue }
                let out = pointer(g.out)
                guard g.k > 0 else { out.update(repeating: 0, count: g.m * g.n); continue }
                run(g, pointer(g.a), pointer(g.b), out, threads: threads)
            case .kernel(let kernel):
                run(kernel, memory, pointer, threads: threads)
            }
        }
    }

    /// One GEMM, its result rows shared among the threads where that pays (same bits: `GemmRowSplit`).
    private func run<T: TensorScalar>(_ g: Gemm, _ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>,
                                      _ out: UnsafeMutablePointer<T>, threads: Int) {
        let split = GemmRowSplit(T.self, m: g.m, n: g.n, k: g.k, transposeA: g.transposeA, transposeB: g.transposeB,
                                 threads: min(threads, Self.maxWorkers))
        // Each piece writes its own rows of `out` and only reads `a` and `b`.
        PlanWorkers.shared.run(split.pieces) { piece in
            T.gemm(rows: split.rows(ofPiece: piece), transposeA: g.transposeA, transposeB: g.transposeB, n: g.n, k: g.k,
                   a, lda: g.lda, b, ldb: g.ldb, out)
        }
    }

    /// Copies the traced inputs into their buffers (tiled where the graph repeats them).
    private func bind<T: TensorScalar>(_ memory: PlanMemory<T>, indices: [[Int32]], tensors: [Tensor]) {
        for (buffer, slot, tiles) in inputIndices {
            let target = indexBuffers[buffer], values = indices[slot]
            precondition(values.count * tiles == target.count, "input \(slot) has \(values.count) indices, the trace had \(target.count / tiles)")
            precondition(values.allSatisfy { $0 >= 0 && Int($0) < target.bound }, "input \(slot) has an index outside 0..<\(target.bound)")
            values.withUnsafeBufferPointer { source in
                for tile in 0..<tiles { (memory.indices + target.offset + tile * values.count).update(from: source.baseAddress!, count: values.count) }
            }
        }
        for (offset, slot, tiles) in inputTensors {
            let value = tensors[slot]
            value.withUnsafeElements(as: T.self) { source in
                for tile in 0..<tiles { (memory.arena + offset + tile * value.count).update(from: source, count: value.count) }
            }
        }
    }

    /// One fused pass: for each row, point every register at its row, then run the ops in order.
    private func run<T: TensorScalar>(_ kernel: Kernel, _ memory: PlanMemory<T>, _ pointer: (Location) -> UnsafeMutablePointer<T>,
                                      threads: Int) {
        for (location, count) in kernel.zeroed { pointer(location).update(repeating: 0, count: count) }
        for (offset, count, _) in kernel.accumulators { (memory.accumulators + offset).update(repeating: 0, count: count) }
        let workers = kernel.parallel ? min(max(threads, 1), Self.maxWorkers) : 1
        for worker in 0..<workers {
            let first = worker * maxRegisters
            for (r, register) in kernel.registers.enumerated() {
                memory.rowIndices[first + r] = nil
                switch register {
                case .rows(let location, let width): memory.bases[first + r] = pointer(location); memory.strides[first + r] = width
                case .invariant(let location): memory.bases[first + r] = pointer(location); memory.strides[first + r] = 0
                case .gathered(let location, let width, let index):
                    memory.bases[first + r] = pointer(location); memory.strides[first + r] = width
                    memory.rowIndices[first + r] = UnsafePointer(memory.indices + indexBuffers[index].offset)
                case .scratch(let offset):
                    memory.bases[first + r] = memory.arena + scratchBase + worker * scratchStride + offset; memory.strides[first + r] = 0
                }
            }
        }
        if workers == 1 {
            runRows(kernel, memory, worker: 0, 0..<kernel.rows)
        } else {
            // The workers share nothing they write: each has its registers and scratch, and its rows.
            let chunk = (kernel.rows + workers - 1) / workers
            PlanWorkers.shared.run(workers) { worker in
                runRows(kernel, memory, worker: worker, (worker * chunk)..<min(kernel.rows, (worker + 1) * chunk))
            }
        }
        for (staging, width, accumulator, total) in kernel.staged {
            let terms = pointer(staging), acc = memory.accumulators + accumulator
            for i in 0..<kernel.rows {
                let row = terms + i * width
                if total {
                    var s = acc[0]
                    for j in 0..<width { s += Double(row[j]) }
                    acc[0] = s
                } else {
                    for j in 0..<width { acc[j] += Double(row[j]) }
                }
            }
        }
        for (offset, count, destination) in kernel.accumulators {
            let out = pointer(destination)
            for j in 0..<count { out[j] = T(memory.accumulators[offset + j]) }
        }
    }

    /// The ops of `kernel` on `rows`, with `worker`'s registers.
    private func runRows<T: TensorScalar>(_ kernel: Kernel, _ memory: PlanMemory<T>, worker: Int, _ rows: Range<Int>) {
        let first = worker * maxRegisters, registerCount = kernel.registers.count
        let p = memory.current + first, bases = memory.bases + first, strides = memory.strides + first
        let rowIndices = memory.rowIndices + first, indexStarts = memory.indexStarts, accumulators = memory.accumulators
        kernel.ops.withUnsafeBufferPointer { ops in
            for i in rows {
                for r in 0..<registerCount {
                    let row = rowIndices[r].map { Int($0[i]) } ?? i
                    p[r] = bases[r] + row * strides[r]
                }
                for op in ops { Self.execute(op, p, row: i, indexStarts, accumulators) }
            }
        }
    }

    @inline(__always)
    private static func execute<T: TensorScalar>(_ op: KernelOp, _ p: UnsafeMutablePointer<UnsafeMutablePointer<T>>, row i: Int,
                                                 _ indexStarts: UnsafeMutablePointer<UnsafePointer<Int32>>, _ accumulators: UnsafeMutablePointer<Double>) {
        switch op {
        case .binary(let kind, let a, let b, let to, let w, let sa, let sb):
            switch kind {
            case .add: zip(w, p[a], sa, p[b], sb, p[to], +)
            case .subtract: zip(w, p[a], sa, p[b], sb, p[to], -)
            case .multiply: zip(w, p[a], sa, p[b], sb, p[to], *)
            case .divide: zip(w, p[a], sa, p[b], sb, p[to], /)
            case .maximum: zip(w, p[a], sa, p[b], sb, p[to]) { Swift.max($0, $1) }
            }
        case .unary(let kind, let from, let to, let w, let s):
            let x = p[from], o = p[to]
            switch kind {
            case .negate: map(w, x, s, o) { -$0 }
            case .exp: map(w, x, s, o) { T.exp($0) }
            case .log: map(w, x, s, o) { T.log($0) }
            case .tanh: map(w, x, s, o) { T.tanh($0) }
            case .square: map(w, x, s, o) { $0 * $0 }
            case .positiveMask: map(w, x, s, o) { $0 > 0 ? 1 : 0 }
            case .scale(let c): let f = T(c); map(w, x, s, o) { $0 * f }
            case .addConstant(let c): let f = T(c); map(w, x, s, o) { $0 + f }
            case .power(let c): let f = T(c); map(w, x, s, o) { T.pow($0, f) }
            }
        case .copy(let from, let to, let w, let s):
            let x = p[from], o = p[to]
            if s == 1 { o.update(from: x, count: w) } else { o.update(repeating: x[0], count: w) }
        case .logSoftmax(let from, let to, let w): RowKernels.logSoftmax(p[from], p[to], w)
        case .rowSum(let from, let to, let w): p[to][0] = T(RowKernels.sum(p[from], w))
        case .rowMaximum(let from, let to, let w): p[to][0] = RowKernels.maximum(p[from], w)
        case .rowArgmax(let from, let to, let w): p[to][0] = T(RowKernels.argmax(p[from], w))
        case .select(let from, let to, let index): p[to][0] = p[from][Int(indexStarts[index][i])]
        case .scatter(let from, let to, let w, let index):
            p[to].update(repeating: 0, count: w)
            p[to][Int(indexStarts[index][i])] = p[from][0]
        case .accumulateColumns(let from, let accumulator, let w):
            let x = p[from], acc = accumulators + accumulator
            for j in 0..<w { acc[j] += Double(x[j]) }
        case .accumulateTotal(let from, let accumulator, let w):
            let x = p[from]
            var s = accumulators[accumulator]
            for j in 0..<w { s += Double(x[j]) }
            accumulators[accumulator] = s
        case .addInto(let from, let to, let w):
            let x = p[from], t = p[to]
            for j in 0..<w { t[j] += x[j] }
        }
    }
}

/// o[j] = f(a[j·sa], b[j·sb]) for j < w; a stride of 0 broadcasts one element along the row.
@inline(__always)
private func zip<T>(_ w: Int, _ a: UnsafeMutablePointer<T>, _ sa: Int, _ b: UnsafeMutablePointer<T>, _ sb: Int,
                    _ o: UnsafeMutablePointer<T>, _ f: (T, T) -> T) {
    switch (sa, sb) {
    case (1, 1): for j in 0..<w { o[j] = f(a[j], b[j]) }
    case (1, _): let y = b[0]; for j in 0..<w { o[j] = f(a[j], y) }
    case (_, 1): let x = a[0]; for j in 0..<w { o[j] = f(x, b[j]) }
    default: o.update(repeating: f(a[0], b[0]), count: w)
    }
}

/// o[j] = f(x[j·s]) for j < w.
@inline(__always)
private func map<T>(_ w: Int, _ x: UnsafeMutablePointer<T>, _ s: Int, _ o: UnsafeMutablePointer<T>, _ f: (T) -> T) {
    if s == 1 { for j in 0..<w { o[j] = f(x[j]) } } else { o.update(repeating: f(x[0]), count: w) }
}
