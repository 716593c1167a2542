/// The non-dominated points of a plane under minimization, kept sorted: x ascending, y strictly
/// descending. The sweeps over a third objective (the 3-objective front and hypervolume) insert
/// into it one point at a time, so both run in O(n log n) plus the moves of array insertion.
struct Staircase {
    private(set) var xs: [Double] = []
    private(set) var ys: [Double] = []

    /// The first entry whose x is not below `x`.
    private func firstIndex(notBelow x: Double) -> Int {
        var low = 0, high = xs.count
        while low < high {
            let mid = (low + high) / 2
            if xs[mid] < x { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Whether an entry is at least as good as (x, y) in both coordinates.
    func covers(_ x: Double, _ y: Double) -> Bool {
        let i = firstIndex(notBelow: x)
        return (i > 0 && ys[i - 1] <= y) || (i < xs.count && xs[i] == x && ys[i] <= y)
    }

    /// Inserts a point that no entry covers, dropping the entries it covers; returns the area it
    /// adds to the region the staircase dominates below `reference` (which bounds every point).
    @discardableResult
    mutating func insert(_ x: Double, _ y: Double, reference: (x: Double, y: Double) = (0, 0)) -> Double {
        let i = firstIndex(notBelow: x)
        var j = i
        while j < xs.count && ys[j] >= y { j += 1 }
        let nextX = j < xs.count ? xs[j] : reference.x
        // Before: the left neighbour's height up to the first dropped entry, then each dropped entry's.
        var before = 0.0
        var start = x
        var height = i > 0 ? reference.y - ys[i - 1] : 0
        for k in i..<j {
            before += (xs[k] - start) * height
            start = xs[k]
            height = reference.y - ys[k]
        }
        before += (nextX - start) * height
        xs.replaceSubrange(i..<j, with: [x])
        ys.replaceSubrange(i..<j, with: [y])
        return (nextX - x) * (reference.y - y) - before
    }
}
