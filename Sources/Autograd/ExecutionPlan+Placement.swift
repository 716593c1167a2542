import TensorCore

/// Where a plan's buffers go: reused after their last reader, and the staging of a parallel pass's sums.
extension ExecutionPlan {
    /// Places computed buffers so that one whose last reader has run is reused by values computed
    /// later (first fit): a buffer is free only after the step that last reads it, so no step ever
    /// writes where it, or an earlier row of it, still reads. Results are never reused.
    mutating func placeByLifetime(_ computed: [Int], nodes: [GraphTrace.Node], consumers: [[(node: Int, position: Int)]],
                                          ready: [Int], isOutput: Set<Int>) {
        // A reshape shares its input's buffer: its readers and its being a result count for that buffer.
        var root = Array(nodes.indices)
        for (id, node) in nodes.enumerated() {
            if case .reshape = node.primitive { root[id] = root[node.inputs[0]] }
        }
        var lastRead = [Int](repeating: -1, count: nodes.count)
        for (id, readers) in consumers.enumerated() {
            if isOutput.contains(id) { lastRead[root[id]] = .max }
            for reader in readers where nodes[reader.node].primitive.map({ if case .reshape = $0 { false } else { true } }) ?? false {
                lastRead[root[id]] = max(lastRead[root[id]], ready[reader.node])
            }
        }
        var free: [(offset: Int, count: Int)] = []
        var releases: [Int: [Int]] = [:]
        for id in computed.sorted(by: { (ready[$0], $0) < (ready[$1], $1) }) {
            let step = ready[id]
            for released in releases.keys.sorted() where released < step {
                for done in releases.removeValue(forKey: released)! {
                    if case .arena(let offset) = location[done]! { free.append((offset, nodes[done].value.count)) }
                }
            }
            let count = nodes[id].value.count
            if let slot = free.firstIndex(where: { $0.count >= count }) {
                location[id] = .arena(free[slot].offset)
                if free[slot].count == count { free.remove(at: slot) } else { free[slot] = (free[slot].offset + count, free[slot].count - count) }
            } else {
                location[id] = .arena(arenaCount)
                arenaCount += count
            }
            if lastRead[id] != .max { releases[max(lastRead[id], step), default: []].append(id) }
        }
    }

    /// Makes a pass parallel when no row adds into rows others write (scatter-adds stay serial):
    /// its sums then copy each row's terms to a staging buffer, added up in row order after the
    /// pass, so that the result does not depend on the number of threads.
    mutating func stageForThreads(_ kernel: inout Kernel) {
        guard !kernel.ops.contains(where: { if case .addInto = $0 { true } else { false } }) else { return }
        for (k, op) in kernel.ops.enumerated() {
            let (from, accumulator, width, total): (Int, Int, Int, Bool)
            switch op {
            case .accumulateTotal(let f, let a, let w): (from, accumulator, width, total) = (f, a, w, true)
            case .accumulateColumns(let f, let a, let w): (from, accumulator, width, total) = (f, a, w, false)
            default: continue
            }
            let staging = Location.arena(arenaCount)
            arenaCount += kernel.rows * width
            kernel.registers.append(.rows(staging, width: width))
            kernel.ops[k] = .copy(from: from, to: kernel.registers.count - 1, width: width, stride: 1)
            kernel.staged.append((staging, width, accumulator, total))
        }
        maxRegisters = max(maxRegisters, kernel.registers.count)
        kernel.parallel = true
    }
}
