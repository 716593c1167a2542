import Dispatch
import Foundation
import Synchronization

/// The threads that run a plan's parallel sections (a pass's row ranges, a GEMM's row pieces).
///
/// A training step has a dozen sections, each a fraction of a millisecond, one right after another:
/// waking a sleeping thread for each (as `DispatchQueue.concurrentPerform` does) cost up to a tenth
/// of a small model's step in the scheduler. These workers spin for a short while after a section,
/// so the next one usually finds them awake, and then sleep on a semaphore, so an idle trainer
/// costs nothing. A section is one generation: the caller publishes the job, bumps the generation,
/// runs part 0 itself and waits until every worker has answered. One section runs at a time; a
/// caller that finds the workers busy (another plan on another thread) runs its parts itself,
/// which gives the same bits.
final class PlanWorkers: @unchecked Sendable {
    /// Shared by every plan.
    static let shared = PlanWorkers()

    /// How long a worker stays awake waiting for the next section.
    private static let spinNanoseconds: UInt64 = 200_000

    private final class Worker: @unchecked Sendable {
        let wake = DispatchSemaphore(value: 0)
        let sleeping = Atomic<Bool>(false)
    }

    private let generation = Atomic<Int>(0)
    private let unanswered = Atomic<Int>(0)
    /// Held for a whole section: the workers, started as sections ask for more.
    private let workers = Mutex<[Worker]>([])
    // Written before the generation is bumped and read after a worker sees it; not written again
    // until every worker has answered.
    private var job: ((Int) -> Void)?
    private var parts = 0

    /// Runs `body(0)` … `body(parts − 1)` at once, part 0 on the calling thread, and returns when all are done.
    func run(_ parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else { return body(0) }
        let ran: Bool? = withoutActuallyEscaping(body) { body in
            workers.withLockIfAvailable { workers in
                let current = generation.load(ordering: .sequentiallyConsistent)
                while workers.count < parts - 1 { workers.append(start(index: workers.count + 1, seen: current)) }
                job = body
                self.parts = parts
                unanswered.store(workers.count, ordering: .sequentiallyConsistent)
                generation.add(1, ordering: .sequentiallyConsistent)
                for worker in workers where worker.sleeping.load(ordering: .sequentiallyConsistent) { worker.wake.signal() }
                body(0)
                var spins = 0
                while unanswered.load(ordering: .acquiring) > 0 {
                    spins += 1
                    if spins > 1000 { sched_yield() }
                }
                job = nil
                return true
            }
        }
        if ran == nil { for part in 0..<parts { body(part) } }
    }

    /// A worker that answers every generation after `seen`.
    private func start(index: Int, seen: Int) -> Worker {
        let worker = Worker()
        let thread = Thread { [self] in loop(worker, index: index, seen: seen) }
        thread.name = "trainscope plan worker \(index)"
        thread.start()
        return worker
    }

    private func loop(_ worker: Worker, index: Int, seen: Int) {
        var seen = seen
        while true {
            let awake = DispatchTime.now().uptimeNanoseconds
            while generation.load(ordering: .acquiring) == seen {
                if DispatchTime.now().uptimeNanoseconds - awake < Self.spinNanoseconds { continue }
                // Say so, then look once more: a caller that bumped the generation before seeing
                // `sleeping` is seen here; one that bumps it after sees `sleeping` and signals.
                worker.sleeping.store(true, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) == seen { worker.wake.wait() }
                worker.sleeping.store(false, ordering: .sequentiallyConsistent)
            }
            seen += 1
            if index < parts, let job { job(index) }
            unanswered.subtract(1, ordering: .releasing)
        }
    }
}
