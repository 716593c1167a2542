import Synchronization

/// How one GEMM's result rows are shared among threads without changing a bit of the result.
///
/// OpenBLAS computes `c = op(a)·op(b)` in tiles of its kernel's unroll, and a partial tile takes
/// another code path whose sums can round differently; so `c`'s rows may be cut into pieces, each
/// its own GEMM on its own thread, only where the cuts fall on tile boundaries. The tile depends on
/// the kernel OpenBLAS picked for the CPU (12 rows for Float on Zen), and a BLAS may switch kernels
/// by size, so each shape's cuts are found by trying: the first row multiple whose cuts give the
/// whole product's bits on test values, once per shape and process. The inner extent k is never
/// cut, so every element of `c` is still one sum in one order. Pieces run only while OpenBLAS
/// itself runs on one thread (the engine's setting), and each is big enough to pay for its thread.
public struct GemmRowSplit: Sendable {
    /// The number of pieces; 1 runs the product whole.
    public let pieces: Int
    let rows: Int
    let alignment: Int

    /// Multiply-adds every piece has, so that it pays for the thread that runs it.
    public static let minimumPieceWork = 1 << 18
    /// Row multiples tried as cut points, smallest first.
    static let candidateAlignments = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96]

    /// The split of `op(a)·op(b)`, `[m, k]·[k, n]`, among at most `threads` threads.
    public init<T: TensorScalar>(_ type: T.Type, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, threads: Int) {
        self.init(pieces: 1, rows: m, alignment: 1)
        guard threads > 1, BLAS.threads == 1 else { return }
        let shape = Shape(float: T.self == Float.self, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                          pieces: min(threads, m))
        // Too small to cut even at every row: nothing to look up or try.
        guard Self.pieces(shape, alignment: 1) > 1 else { return }
        let (known, latest) = Self.found.withLock { ($0.byShape[shape], $0.latest[shape.float]) }
        let alignment = known ?? {
            // The multiple another shape needed is usually this one's too: tried first, it spares the search.
            let candidates = (latest.map { [$0] } ?? []) + Self.candidateAlignments.filter { $0 != latest }
            let a: [T] = Self.testValues(m * k, seed: 1), b: [T] = Self.testValues(k * n, seed: 2)
            let whole = Self.product(cuts: [0, m], a, b, shape)
            let found = candidates.first { Self.keepsBits(shape, a, b, whole, alignment: $0) } ?? 0
            Self.found.withLock {
                $0.byShape[shape] = found
                if found > 1 { $0.latest[shape.float] = found }
            }
            return found
        }()
        guard alignment > 0 else { return }
        self = GemmRowSplit(pieces: Self.pieces(shape, alignment: alignment), rows: m, alignment: alignment)
    }

    private init(pieces: Int, rows: Int, alignment: Int) {
        (self.pieces, self.rows, self.alignment) = (pieces, rows, alignment)
    }

    /// The result rows of piece `index` (0 ..< pieces): cut at multiples of the alignment, as even as that allows.
    public func rows(ofPiece index: Int) -> Range<Int> {
        boundary(index)..<boundary(index + 1)
    }

    private func boundary(_ piece: Int) -> Int {
        if piece == pieces { return rows }
        // piece·rows/pieces rounded to the nearest multiple of the alignment; with rows ≥ pieces·alignment
        // the cuts are distinct and inside 0...rows.
        return (2 * piece * rows + pieces * alignment) / (2 * pieces * alignment) * alignment
    }

    private struct Shape: Hashable {
        var float: Bool, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, pieces: Int
    }

    /// Each shape's row multiple (0 when none keeps the bits), found the first time the shape is
    /// split, and the latest multiple found per element type (Float: true).
    private struct Found {
        var byShape: [Shape: Int] = [:]
        var latest: [Bool: Int] = [:]
    }
    private static let found = Mutex(Found())

    /// The most pieces (at most the shape's) whose smallest (cuts round to the alignment) still has the work.
    private static func pieces(_ shape: Shape, alignment: Int) -> Int {
        var pieces = min(shape.pieces, shape.m / alignment)
        while pieces > 1 && (shape.m / pieces - alignment) * shape.n * shape.k < minimumPieceWork { pieces -= 1 }
        return max(pieces, 1)
    }

    /// Whether cutting at multiples of `alignment` gives `whole`, this shape's product of the test
    /// values `a` and `b`, bit for bit (trivially true when it would not cut at all).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    private static func keepsBits<T: TensorScalar>(_ shape: Shape, _ a: [T], _ b: [T], _ whole: [T], alignment: Int) -> Bool {
        let split = GemmRowSplit(pieces: pieces(shape, alignment: alignment), rows: shape.m, alignment: alignment)
        guard split.pieces > 1 else { return true }
        return product(cuts: (0...split.pieces).map(split.boundary), a, b, shape) == whole
    }

    /// `op(a)·op(b)` on row-major buffers, one GEMM per range between consecutive `cuts`, each at
    /// its offset into the same buffers (as the pieces of a split run).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    private static func product<T: TensorScalar>(cuts: [Int], _ a: [T], _ b: [T], _ shape: Shape) -> [T] {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        var c = [T](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for (start, end) in zip(cuts, cuts.dropFirst()) {
                        T.gemm(rows: start..<end, transposeA: shape.transposeA, transposeB: shape.transposeB, n: n, k: k,
                               a.baseAddress!, lda: shape.transposeA ? m : k, b.baseAddress!, ldb: shape.transposeB ? k : n,
                               c.baseAddress!)
                    }
                }
            }
        }
        return c
    }

    /// Values with full mantissas in [-0.5, 0.5), so that any change in the order of a sum shows.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    private static func testValues<T: TensorScalar>(_ count: Int, seed: UInt64) -> [T] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        return [T](unsafeUninitializedCapacity: count) { values, initialized in
            for i in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                values[i] = T(Double(state >> 11) * 0x1p-53 - 0.5)
            }
            initialized = count
        }
    }
}

extension TensorScalar {
    /// Rows `rows` of `c = op(a)·op(b)` (`c` is `[m, n]`, `op(a)` `[m, k]` with leading dimension
    /// `lda`, `op(b)` `[k, n]` with `ldb`), as one GEMM: a piece of a `GemmRowSplit`.
    @inlinable
    public static func gemm(rows: Range<Int>, transposeA: Bool, transposeB: Bool, n: Int, k: Int,
                            _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int, _ c: UnsafeMutablePointer<Self>) {
        // Row i of op(a) is row i of a, or its column i when transposed.
        gemm(transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k,
             a + (transposeA ? rows.lowerBound : rows.lowerBound * lda), lda: lda, b, ldb: ldb, c + rows.lowerBound * n)
    }
}
