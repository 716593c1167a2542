import Dispatch
import Synchronization
import Testing
@testable import Autograd

/// The workers behind a plan's parallel sections: every part runs once per section, whoever runs it.
@Suite struct PlanWorkersTests {
    @Test func everyPartRunsOncePerSection() {
        let counts = Mutex([Int](repeating: 0, count: 4))
        for section in 0..<2000 {
            let parts = 2 + section % 3
            PlanWorkers.shared.run(parts) { part in counts.withLock { $0[part] += 1 } }
        }
        // Parts 0 and 1 run in every section, part 2 in the 1333 with 3 or 4 parts, part 3 in the 666 with 4.
        #expect(counts.withLock { $0 } == [2000, 2000, 1333, 666])
    }

    /// Sections from several threads at once: one gets the workers, the others run their parts
    /// themselves, and no section loses or repeats a part.
    @Test func concurrentCallersEachGetEveryPart() {
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for _ in 0..<500 {
                let seen = Mutex([Int](repeating: 0, count: 3))
                PlanWorkers.shared.run(3) { part in seen.withLock { $0[part] += caller + 1 } }
                if seen.withLock({ $0 }) != [Int](repeating: caller + 1, count: 3) { failures.add(1, ordering: .relaxed) }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }
}
