import Testing
import Dashboard
import Telemetry

/// xorshift for reproducible random point sets (no Foundation randomness in tests).
struct PointRNG {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    /// A value on a coarse grid, so ties and duplicates are frequent.
    mutating func gridValue(_ levels: UInt64) -> Double { Double(next() % levels) }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

@Suite struct ParetoTests {
    static let directionSets: [[ObjectiveDirection]] = [[.minimize, .minimize], [.minimize, .maximize], [.maximize, .maximize],
                                                        [.minimize, .maximize, .minimize], [.maximize, .maximize, .maximize]]

    func bruteForceFront(_ points: [[Double]], _ d: [ObjectiveDirection]) -> [Int] {
        points.indices.filter { i in !points.indices.contains { j in Pareto.dominates(points[j], points[i], directions: d) } }
    }

    @Test func nondominatedFilteringEqualsBruteForceOnThousandsOfSets() throws {
        var rng = PointRNG(state: 0x9E37_79B9_7F4A_7C15)
        for trial in 0..<3000 {
            let d = Self.directionSets[trial % Self.directionSets.count]
            let n = Int(rng.next() % 40)
            let levels: UInt64 = trial % 2 == 0 ? 5 : 1000
            let points = (0..<n).map { _ in d.map { _ in rng.gridValue(levels) } }
            let front = try Pareto.nondominatedIndices(points, directions: d)
            #expect(front == bruteForceFront(points, d), "trial \(trial)")
            // Incremental insertion keeps the same set (ids), whatever the order.
            var incremental = ParetoFront(directions: d)
            for (i, p) in points.enumerated() { try incremental.insert(p, id: i) }
            #expect(incremental.members.map(\.id).sorted() == front, "trial \(trial), incremental")
        }
    }

    @Test func duplicatesAllStayOnTheFront() throws {
        let points: [[Double]] = [[1, 1], [1, 1], [2, 0], [2, 2]]
        #expect(try Pareto.nondominatedIndices(points, directions: [.minimize, .minimize]) == [0, 1, 2])
    }

    @Test func nonFiniteAndMisSizedPointsAreRefused() {
        #expect(throws: ParetoError("point 1 has a non-finite value: [nan, 1.0]")) {
            try Pareto.nondominatedIndices([[0, 0], [.nan, 1]], directions: [.minimize, .minimize])
        }
        #expect(throws: ParetoError("point 0 has 3 values for 2 objectives")) {
            try Pareto.hypervolume([[0, 0, 0]], directions: [.minimize, .minimize], reference: [1, 1])
        }
        #expect(throws: ParetoError("Pareto fronts take 2 or 3 objectives, got 1")) {
            try Pareto.nondominatedIndices([[0]], directions: [.minimize])
        }
        var front = ParetoFront(directions: [.minimize, .maximize])
        #expect(throws: ParetoError.self) { try front.insert([1, .infinity], id: 0) }
        #expect(front.members.isEmpty)
    }

    /// Exact 3-objective hypervolume against counting the unit cells of an integer grid that the
    /// points dominate, with ties and duplicates on a coarse grid.
    @Test func hypervolumeIn3DEqualsCountingGridCells() throws {
        var rng = PointRNG(state: 0xD1B5_4A32_D192_ED03)
        for trial in 0..<300 {
            let points = (0..<Int(rng.next() % 30)).map { _ in (0..<3).map { _ in rng.gridValue(6) } }
            var cells = 0
            for a in 0..<7 { for b in 0..<7 { for c in 0..<7 where points.contains(where: { $0[0] <= Double(a) && $0[1] <= Double(b) && $0[2] <= Double(c) }) {
                cells += 1
            } } }
            #expect(try Pareto.hypervolume(points, directions: [.minimize, .minimize, .minimize], reference: [7, 7, 7]) == Double(cells), "trial \(trial)")
        }
    }

    /// 20,000 points of 3 objectives (all on the front, the worst case of the old pairwise filter)
    /// are filtered and measured, matching the count and the volume known in closed form.
    @Test func largeThreeObjectiveFrontsAreNearLinear() throws {
        let n = 20_000
        // Points on the plane x + y + z = 1 are mutually non-dominated.
        let points = (0..<n).map { i -> [Double] in
            let u = Double(i) / Double(n), v = Double((i * 7919) % n) / Double(n) * (1 - u)
            return [u, v, 1 - u - v]
        }
        let d: [ObjectiveDirection] = [.minimize, .minimize, .minimize]
        #expect(try Pareto.nondominatedIndices(points, directions: d).count == n)
        let volume = try Pareto.hypervolume(points, directions: d, reference: [1, 1, 1])
        #expect(volume > 0.8 && volume < 5.0 / 6.0, "below the volume of the whole simplex corner")
    }

    @Test func hypervolumeOfHandComputedCases() throws {
        // Staircase (1,3), (2,2), (3,1) against (4,4): 3·1 + 2·1 + 1·1 = 6.
        #expect(try Pareto.hypervolume([[1, 3], [2, 2], [3, 1]], directions: [.minimize, .minimize], reference: [4, 4]) == 6)
        // Dominated and outside points add nothing.
        #expect(try Pareto.hypervolume([[1, 3], [2, 2], [3, 1], [3, 3], [5, 0]], directions: [.minimize, .minimize], reference: [4, 4]) == 6)
        // Maximized objective: accuracy 0.9 at cost 2 against (cost 10, accuracy 0): 8 · 0.9.
        #expect(abs(try Pareto.hypervolume([[2, 0.9]], directions: [.minimize, .maximize], reference: [10, 0]) - 7.2) < 1e-12)
        // Two boxes in 3-D: [0,2]×[0,1]×[0,1] ∪ [0,1]×[0,2]×[0,1] from (1,0,0)… : union volume 2 + 2 − 1 = 3 against (2,2,1).
        #expect(try Pareto.hypervolume([[0, 1, 0], [1, 0, 0]], directions: [.minimize, .minimize, .minimize], reference: [2, 2, 1]) == 3)
        // A single 3-D point is a box.
        #expect(try Pareto.hypervolume([[1, 2, 3]], directions: [.minimize, .minimize, .minimize], reference: [2, 4, 7]) == 8)
        #expect(try Pareto.hypervolume([], directions: [.minimize, .minimize], reference: [1, 1]) == 0)
    }

    /// Exact hypervolume against a Monte Carlo estimate: within 4 standard errors.
    @Test(arguments: [2, 3])
    func hypervolumeAgreesWithMonteCarlo(_ dimensions: Int) throws {
        var rng = PointRNG(state: 0xD1B5_4A32_D192_ED03 &+ UInt64(dimensions))
        let d = [ObjectiveDirection](repeating: .minimize, count: dimensions)
        let reference = [Double](repeating: 1, count: dimensions)
        for _ in 0..<5 {
            let points = (0..<12).map { _ in (0..<dimensions).map { _ in rng.uniform() } }
            let exact = try Pareto.hypervolume(points, directions: d, reference: reference)
            let samples = 40_000
            var hits = 0
            for _ in 0..<samples {
                let s = (0..<dimensions).map { _ in rng.uniform() }
                if points.contains(where: { p in p.indices.allSatisfy { p[$0] <= s[$0] } }) { hits += 1 }
            }
            let estimate = Double(hits) / Double(samples)
            let stderr = (estimate * (1 - estimate) / Double(samples)).squareRoot()
            #expect(abs(exact - estimate) <= 4 * stderr + 1e-9, "exact \(exact), Monte Carlo \(estimate) ± \(stderr)")
        }
    }
}
