import TensorCore

/// How a compiled graph runs: GEMMs through OpenBLAS and everything else in fused row kernels,
/// each value in a buffer placed once, in an arena allocated when the plan is built.
///
/// A node's elements are viewed as rows: `[n, d]` is n rows of d, `[d]` one row, `[]` one element.
/// A fused kernel makes one pass over n rows; for each row it runs its ops on *registers*, row-sized
/// pointers into node buffers, gathered table rows or scratch space, so a chain of elementwise ops,
/// row reductions (log-softmax, sums over the last axis) and epilogues (column sums, the total,
/// scatter-adds into embedding tables) reads its inputs once and writes only what later steps read.
/// Every op computes exactly what the eager kernel computes, in the same order: a compiled run
/// gives the same bits as the eager graph it was traced from.
struct ExecutionPlan {
    /// Where a node's elements live: in the caller's flat parameter vector or in the plan's arena.
    enum Location: Equatable {
        case parameters(Int)
        case arena(Int)
    }

    enum UnaryOp: Equatable {
        case negate, exp, log, tanh, square, positiveMask
        case scale(Double), addConstant(Double), power(Double)
    }

    enum BinaryOp: Equatable { case add, subtract, multiply, divide, maximum }

    /// A row-sized view that a kernel's ops read and write.
    enum Register: Equatable {
        /// Row i of a node's `[rows, width]` buffer.
        case rows(Location, width: Int)
        /// The same row for every i (a broadcast row vector or scalar).
        case invariant(Location)
        /// Row `index[i]` of a `[_, width]` table.
        case gathered(Location, width: Int, index: Int)
        /// Kernel-private space: an offset into the running worker's scratch region.
        case scratch(Int)
    }

    enum KernelOp {
        case unary(UnaryOp, from: Int, to: Int, width: Int, stride: Int)
        case binary(BinaryOp, Int, Int, to: Int, width: Int, strideA: Int, strideB: Int)
        /// Copies a row (stride 1) or fills one from a single element (stride 0).
        case copy(from: Int, to: Int, width: Int, stride: Int)
        case logSoftmax(from: Int, to: Int, width: Int)
        case rowSum(from: Int, to: Int, width: Int)
        case rowMaximum(from: Int, to: Int, width: Int)
        case rowArgmax(from: Int, to: Int, width: Int)
        case select(from: Int, to: Int, index: Int)
        case scatter(from: Int, to: Int, width: Int, index: Int)
        case accumulateColumns(from: Int, accumulator: Int, width: Int)
        case accumulateTotal(from: Int, accumulator: Int, width: Int)
        /// Adds a row into a gathered table row (the register `to`).
        case addInto(from: Int, to: Int, width: Int)
    }

    /// One fused pass over `rows` rows.
    struct Kernel {
        var rows: Int
        var registers: [Register]
        var ops: [KernelOp]
        /// Buffers set to zero before the pass (scatter-add targets): location and count.
        var zeroed: [(Location, Int)]
        /// Double accumulators used by the pass, and where each lands afterwards: (accumulator offset, count, destination).
        var accumulators: [(Int, Int, Location)]
        /// True when rows may run on several threads at once: no row adds into another's output,
        /// and the sums are staged row by row and added up in order afterwards.
        var parallel = false
        /// A parallel pass's staged sums: (staging buffer `[rows, width]`, width, accumulator offset, total or per column).
        var staged: [(Location, Int, Int, Bool)] = []
    }

    struct Gemm {
        var a: Location, b: Location, out: Location
        var transposeA: Bool, transposeB: Bool
        var m: Int, n: Int, k: Int, lda: Int, ldb: Int
    }

    enum Step {
        case gemm(Gemm)
        case kernel(Kernel)
    }

    /// An index array: constant, or filled from a traced input at each run.
    struct IndexBuffer {
        var offset: Int
        var count: Int
        var source: TracedSource
        /// Indices must lie in 0..<bound (a table's rows or a row's width).
        var bound: Int
    }

    var steps: [Step] = []
    var location: [Location?]
    var shapes: [[Int]]
    var outputs: [[Int]]
    /// Arena elements: node buffers, then the scratch space kernels share.
    var arenaCount = 0
    var accumulatorCount = 0
    var indexCount = 0
    var indexBuffers: [IndexBuffer] = []
    /// Arena ranges filled once, when the plan is built.
    var constants: [(offset: Int, value: Tensor)] = []
    /// Arena ranges filled from traced input tensors at each run.
    var inputTensors: [(offset: Int, slot: Int, tiles: Int)] = []
    /// Index arrays filled once, when the plan is built.
    var constantIndices: [(offset: Int, values: [Int32])] = []
    /// Index arrays that hold traced inputs, by (slot, tiles).
    var inputIndices: [(buffer: Int, slot: Int, tiles: Int)] = []
    /// Result groups whose nodes lie side by side in the arena, by group: where the group starts.
    var contiguousOutputs: [Int: Int] = [:]
    var maxRegisters = 0
    /// Where the workers' scratch regions start in the arena, and the size of each (one after another).
    var scratchBase = 0
    var scratchStride = 0
    /// At most this many threads share a pass.
    static let maxWorkers = 4
    /// Passes over fewer rows stay on one thread: waking another costs more than it saves.
    static let parallelRows = 512
}
