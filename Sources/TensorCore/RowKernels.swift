/// Row kernels shared by the eager tensor ops and the compiled graph, so that both compute the same
/// bits: each reduces or transforms one contiguous row of `d` elements in a fixed order.
///
/// Each is specialized for Float and Double: builds that compile file by file (debug) would
/// otherwise call them through generic witnesses, element by element.
public enum RowKernels {
    /// Σⱼ row[j] in Double, left to right.
    @inlinable @_specialize(where T == Float) @_specialize(where T == Double)
    public static func sum<T: TensorScalar>(_ row: UnsafePointer<T>, _ d: Int) -> Double {
        var s = 0.0
        for j in 0..<d { s += Double(row[j]) }
        return s
    }

    /// maxⱼ row[j] (d ≥ 1), keeping the first of equal maxima.
    @inlinable @_specialize(where T == Float) @_specialize(where T == Double)
    public static func maximum<T: TensorScalar>(_ row: UnsafePointer<T>, _ d: Int) -> T {
        var m = row[0]
        for j in 1..<d where row[j] > m { m = row[j] }
        return m
    }

    /// maxⱼ row[j] (d ≥ 1) in four lanes, which vectorize: the scan's value (Swift.max keeps a
    /// NaN it holds and skips one it meets, so a row starting with NaN gives NaN), except that
    /// a zero maximum may carry either sign.
    @inlinable @_specialize(where T == Float) @_specialize(where T == Double)
    public static func laneMaximum<T: TensorScalar>(_ row: UnsafePointer<T>, _ d: Int) -> T {
        var lanes = (row[0], row[0], row[0], row[0])
        var k = 0
        while k + 4 <= d {
            lanes.0 = Swift.max(lanes.0, row[k]); lanes.1 = Swift.max(lanes.1, row[k + 1])
            lanes.2 = Swift.max(lanes.2, row[k + 2]); lanes.3 = Swift.max(lanes.3, row[k + 3])
            k += 4
        }
        var m = Swift.max(Swift.max(lanes.0, lanes.1), Swift.max(lanes.2, lanes.3))
        while k < d { m = Swift.max(m, row[k]); k += 1 }
        return m
    }

    /// The first position of the row's maximum (d ≥ 1), NaNs skipped; 0 for a row starting with NaN,
    /// as a left-to-right scan finds it.
    @inlinable @_specialize(where T == Float) @_specialize(where T == Double)
    public static func argmax<T: TensorScalar>(_ row: UnsafePointer<T>, _ d: Int) -> Int {
        let m = laneMaximum(row, d)
        for k in 0..<d where row[k] == m { return k }
        return 0
    }

    /// log-softmax of one row into `result` (which must not alias `row`).
    @inlinable @_specialize(where T == Float) @_specialize(where T == Double)
    public static func logSoftmax<T: TensorScalar>(_ row: UnsafePointer<T>, _ result: UnsafeMutablePointer<T>, _ d: Int) {
        // The maximum by lanes: its sign, were it a zero, cannot change the result (x − (±0) and
        // ±0 + log s agree), so the scan's bits come out.
        let m = laneMaximum(row, d)
        // exp pass (vectorizes), then four partial sums in a fixed order (deterministic).
        for j in 0..<d { result[j] = T.exp(row[j] - m) }
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var j = 0
        while j + 4 <= d {
            s0 += Double(result[j]); s1 += Double(result[j + 1])
            s2 += Double(result[j + 2]); s3 += Double(result[j + 3])
            j += 4
        }
        while j < d { s0 += Double(result[j]); j += 1 }
        let shift = m + T(Double.log((s0 + s1) + (s2 + s3)))
        for j in 0..<d { result[j] = row[j] - shift }
    }
}
