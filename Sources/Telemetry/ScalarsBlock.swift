/// Consecutive `scalars` events of one run that log the same metrics, stored by column.
///
/// The NDJSON ingest path hands these on instead of one `ScalarsEvent` (and one dictionary) per
/// line; `event(at:)` and `forEachEvent` give the events back for consumers that want them.
public struct ScalarsBlock: Sendable, Equatable {
    /// Run id of every row; nil means the stream's latest run, as in `ScalarsEvent`.
    public var run: String?
    /// Metric names, one per column, all distinct.
    public let names: [String]
    /// Step of each row; shape [count].
    public private(set) var steps: [Int] = []
    /// Time of each row, or nil when the rows carry no time; shape [count].
    public private(set) var times: [Double]?
    /// Values row by row; shape [count × names.count], row r's metric c at `r * names.count + c`.
    public private(set) var values: [Double] = []

    /// An empty block; `timed` says whether its rows carry a time.
    public init(run: String?, names: [String], timed: Bool) {
        self.run = run
        self.names = names
        times = timed ? [] : nil
    }

    /// Number of rows.
    public var count: Int { steps.count }

    public var isEmpty: Bool { steps.isEmpty }

    /// Whether the rows carry a time.
    public var isTimed: Bool { times != nil }

    /// Makes room for `rows` rows in all, so that appending that many does not reallocate.
    public mutating func reserveCapacity(rows: Int) {
        steps.reserveCapacity(rows)
        times?.reserveCapacity(rows)
        values.reserveCapacity(rows * names.count)
    }

    /// Adds a row; `row` has one value per name (shape [names.count]) and `time` is nil exactly
    /// when the block is untimed.
    public mutating func append(step: Int, time: Double?, row: UnsafeBufferPointer<Double>) {
        precondition(row.count == names.count && (time != nil) == isTimed, "a row must match the block's layout")
        steps.append(step)
        if let time { times!.append(time) }
        values.append(contentsOf: row)
    }

    /// Adds rows in bulk: `steps` has one entry per row, `times` as many (nil exactly when the
    /// block is untimed), `values` the rows' values back to back (shape [rows × names.count]).
    public mutating func append(steps newSteps: UnsafeBufferPointer<Int>, times newTimes: UnsafeBufferPointer<Double>?,
                                values newValues: UnsafeBufferPointer<Double>) {
        precondition(newValues.count == newSteps.count * names.count && (newTimes != nil) == isTimed
                     && (newTimes?.count ?? newSteps.count) == newSteps.count, "rows must match the block's layout")
        steps.append(contentsOf: newSteps)
        if let newTimes { times!.append(contentsOf: newTimes) }
        values.append(contentsOf: newValues)
    }

    /// Row `row` as an event.
    public func event(at row: Int) -> ScalarsEvent {
        var dictionary = [String: Double](minimumCapacity: names.count)
        for (column, name) in names.enumerated() { dictionary[name] = values[row * names.count + column] }
        return ScalarsEvent(run: run, step: steps[row], time: times?[row], values: dictionary)
    }

    /// Calls `body` with each row as an event, in order.
    public func forEachEvent(_ body: (ScalarsEvent) -> Void) {
        for row in 0..<count { body(event(at: row)) }
    }

    /// Same run, names, steps and times; values equal or both NaN.
    public static func == (lhs: ScalarsBlock, rhs: ScalarsBlock) -> Bool {
        lhs.run == rhs.run && lhs.names == rhs.names && lhs.steps == rhs.steps
            && lhs.times?.count == rhs.times?.count && zip(lhs.times ?? [], rhs.times ?? []).allSatisfy { sameNumber($0, $1) }
            && lhs.values.count == rhs.values.count && zip(lhs.values, rhs.values).allSatisfy { sameNumber($0, $1) }
    }
}
