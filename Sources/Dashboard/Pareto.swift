import Telemetry

/// Why a set of points has no Pareto front: a non-finite or mis-sized point, or a bad direction list.
public struct ParetoError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Pareto dominance and non-dominated filtering for points of 2 or 3 objectives, each minimized or
/// maximized. Pure functions on plain arrays: the dashboard, `check` and the probes share them.
///
/// A dominates B when A is at least as good in every objective and strictly better in one; equal
/// points (duplicates) do not dominate each other, so all copies of a front point stay on the front.
public enum Pareto {
    /// True when `a` dominates `b` under `directions`.
    public static func dominates(_ a: [Double], _ b: [Double], directions: [ObjectiveDirection]) -> Bool {
        var strictlyBetter = false
        for i in directions.indices {
            let (x, y) = directions[i] == .minimize ? (a[i], b[i]) : (-a[i], -b[i])
            if x > y { return false }
            if x < y { strictlyBetter = true }
        }
        return strictlyBetter
    }

    /// The indices (ascending) of the points no other point dominates.
    ///
    /// 2 objectives: one sort and a sweep; 3: a sweep over the first objective with a `Staircase`
    /// of the other two; O(n log n) either way.
    public static func nondominatedIndices(_ points: [[Double]], directions: [ObjectiveDirection]) throws(ParetoError) -> [Int] {
        try validate(points, directions: directions)
        let minimized = points.map { orient($0, directions) }
        guard directions.count == 2 else { return nondominatedIndices3(minimized) }
        // Sort by the first objective, ties by the second: a point is on the front when its second
        // objective is below every earlier point's, or equal to the best so far with an equal first.
        let order = minimized.indices.sorted { minimized[$0][0] != minimized[$1][0] ? minimized[$0][0] < minimized[$1][0] : minimized[$0][1] < minimized[$1][1] }
        var front: [Int] = []
        var best: (x: Double, y: Double)?
        for i in order {
            let p = minimized[i]
            if let b = best {
                if p[1] < b.y || (p[1] == b.y && p[0] == b.x) {
                    front.append(i)
                    best = (p[0], p[1])
                }
            } else {
                front.append(i)
                best = (p[0], p[1])
            }
        }
        return front.sorted()
    }

    /// The front of minimized 3-objective points. Copies of a point are judged once (they do not
    /// dominate each other); in lexicographic order, an earlier distinct point dominates a later one
    /// exactly when it is at least as good in the last two objectives.
    private static func nondominatedIndices3(_ minimized: [[Double]]) -> [Int] {
        var copies: [[Double]: [Int]] = [:]
        for (i, p) in minimized.enumerated() { copies[p, default: []].append(i) }
        let distinct = copies.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var staircase = Staircase()
        var front: [Int] = []
        for p in distinct where !staircase.covers(p[1], p[2]) {
            staircase.insert(p[1], p[2])
            front += copies[p]!
        }
        return front.sorted()
    }

    /// Exact hypervolume of the region dominated by `points` and bounded by `reference` (a point
    /// worse than the front in every objective). Points not strictly better than the reference in
    /// every objective add nothing. 2 objectives: O(n log n); 3: a sweep over the third objective
    /// growing a `Staircase` of the first two, O(n log n).
    public static func hypervolume(_ points: [[Double]], directions: [ObjectiveDirection], reference: [Double]) throws(ParetoError) -> Double {
        try validate(points, directions: directions)
        guard reference.count == directions.count, reference.allSatisfy(\.isFinite) else {
            throw ParetoError("the reference point needs \(directions.count) finite values")
        }
        let ref = orient(reference, directions)
        let inside = points.map { orient($0, directions) }.filter { p in p.indices.allSatisfy { p[$0] < ref[$0] } }
        switch directions.count {
        case 2: return area(inside.map { ($0[0], $0[1]) }, reference: (ref[0], ref[1]))
        case 3:
            // Slabs between consecutive distinct third-objective values: each has the 2-D area of the
            // points at or below its floor, grown point by point as the sweep rises.
            let sorted = inside.sorted { $0[2] < $1[2] }
            var staircase = Staircase()
            var slabArea = 0.0, volume = 0.0
            for (k, p) in sorted.enumerated() {
                if !staircase.covers(p[0], p[1]) { slabArea += staircase.insert(p[0], p[1], reference: (ref[0], ref[1])) }
                let top = k + 1 < sorted.count ? sorted[k + 1][2] : ref[2]
                volume += slabArea * (top - p[2])
            }
            return volume
        default: throw ParetoError("hypervolume is computed for 2 or 3 objectives, got \(directions.count)")
        }
    }

    /// Area dominated by minimized 2-D points up to the reference.
    static func area(_ points: [(Double, Double)], reference: (Double, Double)) -> Double {
        var total = 0.0
        var ceiling = reference.1
        for p in points.sorted(by: { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }) where p.1 < ceiling {
            total += (reference.0 - p.0) * (ceiling - p.1)
            ceiling = p.1
        }
        return total
    }

    /// The point with maximized objectives negated, so that smaller is better everywhere.
    static func orient(_ p: [Double], _ directions: [ObjectiveDirection]) -> [Double] {
        directions.indices.map { directions[$0] == .minimize ? p[$0] : -p[$0] }
    }

    static func validate(_ points: [[Double]], directions: [ObjectiveDirection]) throws(ParetoError) {
        guard (2...3).contains(directions.count) else { throw ParetoError("Pareto fronts take 2 or 3 objectives, got \(directions.count)") }
        for (i, p) in points.enumerated() {
            guard p.count == directions.count else { throw ParetoError("point \(i) has \(p.count) values for \(directions.count) objectives") }
            guard p.allSatisfy(\.isFinite) else { throw ParetoError("point \(i) has a non-finite value: \(p)") }
        }
    }
}

/// A Pareto front kept up to date one point at a time: an insertion drops the members the new point
/// dominates, and a dominated point is refused.
public struct ParetoFront: Sendable, Equatable {
    public let directions: [ObjectiveDirection]
    /// The non-dominated points so far, with the ids they were inserted with.
    public private(set) var members: [(id: Int, values: [Double])] = []

    public init(directions: [ObjectiveDirection]) { self.directions = directions }

    public static func == (a: ParetoFront, b: ParetoFront) -> Bool {
        a.directions == b.directions && a.members.map(\.id) == b.members.map(\.id) && a.members.map(\.values) == b.members.map(\.values)
    }

    /// Adds a point; true when it joined the front.
    @discardableResult
    public mutating func insert(_ values: [Double], id: Int) throws(ParetoError) -> Bool {
        try Pareto.validate([values], directions: directions)
        if members.contains(where: { Pareto.dominates($0.values, values, directions: directions) }) { return false }
        members.removeAll { Pareto.dominates(values, $0.values, directions: directions) }
        members.append((id, values))
        return true
    }
}
