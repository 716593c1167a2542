import Foundation
import Telemetry
import Testing
import TestSupport
import Training

/// Every control command through the runner's mailbox, with its reply, on a runner driven turn
/// by turn (no thread, no sleeping; the trainer's clock is fixed).
@Suite struct EngineRunnerTests {
    final class Replies: @unchecked Sendable {
        var outcomes: [String: Result<Void, ControlRefusal>] = [:]
        func record(_ name: String) -> @Sendable (Result<Void, ControlRefusal>) -> Void {
            { [self] in outcomes[name] = $0 }
        }
    }

    func runner(steps: Int = 40, checkpoints: String? = nil, every: Int? = nil) throws -> EngineRunner {
        let trainer = Trainer(config: try smallConfig("grokking", ["log_every": "1", "batch_size": "16", "steps": "\(steps)"]),
                              runID: "m", clock: fixedClock)
        return EngineRunner(driver: trainer, checkpointEvery: every, checkpointDirectory: checkpoints)
    }

    func scalarSteps(_ events: [TelemetryEvent]) -> [String] {
        events.compactMap { if case .scalars(let s) = $0 { "\(s.run ?? "?")@\(s.step)" } else { nil } }
    }

    @Test func pauseStepResumeAndStopAreAnsweredBetweenSteps() throws {
        let runner = try runner()
        let replies = Replies()
        runner.turn()
        #expect(scalarSteps(runner.events.drain()) == ["m@1"], "the opening run event, then one step")
        runner.send(.pause, by: "user", reply: replies.record("pause"))
        runner.turn()
        #expect(runner.isPaused && scalarSteps(runner.events.drain()).isEmpty, "paused: no step")
        runner.send(.step(count: 2), by: "user", reply: replies.record("step"))
        runner.turn()
        runner.turn()
        runner.turn()
        #expect(scalarSteps(runner.events.drain()) == ["m@2", "m@3"], "two single steps while paused")
        runner.send(.resume, by: "user", reply: replies.record("resume"))
        runner.turn()
        #expect(scalarSteps(runner.events.drain()) == ["m@4"])
        runner.send(.stop, by: "user", reply: replies.record("stop"))
        #expect(runner.turn() == false, "stop ends the loop")
        #expect(runner.events.isClosed)
        for name in ["pause", "step", "resume", "stop"] {
            guard case .success? = replies.outcomes[name] else { Issue.record("\(name): \(String(describing: replies.outcomes[name]))"); continue }
        }
        runner.send(.resume, by: "user", reply: replies.record("late"))
        #expect(replies.outcomes["late"].map { if case .failure(let r) = $0 { r.message } else { "ok" } } == "the run has ended")
    }

    @Test func knobForkAdoptDiscardAndRollbackGoThroughTheSession() throws {
        let runner = try runner()
        let replies = Replies()
        runner.turn()
        runner.send(.set(knob: "lr", value: .number(0.002)), by: "user", reply: replies.record("set"))
        runner.send(.set(knob: "lr", value: .number(-1)), by: "user", reply: replies.record("bad set"))
        runner.turn()
        let knobs = runner.events.drain().compactMap { if case .knob(let k) = $0 { k } else { nil } }
        #expect(knobs.map(\.new) == [.number(0.002)] && knobs.first?.by == "user")
        guard case .failure(let refusal)? = replies.outcomes["bad set"] else { Issue.record("a negative lr was accepted"); return }
        #expect(refusal.message.contains("lr"))
        runner.send(.rollback(to: nil), by: "user", reply: replies.record("rollback"))
        runner.turn()
        let rolledBack = runner.events.drain().compactMap { if case .run(let r) = $0 { r } else { nil } }
        #expect(rolledBack.first?.rolledBackTo == 1 && rolledBack.first?.parent == "m")
        let id = try #require(rolledBack.first?.run)
        runner.send(.fork(knob: "lr", factors: [1, 2], steps: 3), by: "user", reply: replies.record("fork"))
        runner.turn()
        let branches = runner.events.drain().compactMap { if case .run(let r) = $0, r.preview { r.run } else { nil } }
        #expect(branches == ["\(id)/lr×1", "\(id)/lr×2"])
        runner.send(.adopt(run: branches[1]), by: "user", reply: replies.record("adopt"))
        runner.turn()
        #expect(runner.events.drain().contains { if case .run(let r) = $0 { r.adopted && r.run == branches[1] } else { false } })
        runner.send(.discard, by: "user", reply: replies.record("discard"))
        runner.turn()
        guard case .failure(let nothing)? = replies.outcomes["discard"] else { Issue.record("discard with no branches was accepted"); return }
        #expect(nothing.message == "no fork branches to discard")
        for name in ["set", "rollback", "fork", "adopt"] {
            guard case .success? = replies.outcomes[name] else { Issue.record("\(name): \(String(describing: replies.outcomes[name]))"); continue }
        }
    }

    @Test func checkpointsOnCommandOnCadenceAndAtTheEnd() throws {
        let directory = TestPaths.scratchDirectory().path
        let runner = try runner(steps: 5, checkpoints: directory, every: 2)
        let replies = Replies()
        runner.turn()
        runner.send(.checkpoint(path: "\(directory)/asked.safetensors"), by: "control", reply: replies.record("checkpoint"))
        while runner.turn() {}
        guard case .success? = replies.outcomes["checkpoint"] else { Issue.record("checkpoint refused"); return }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(files == ["asked.safetensors", "step-0000002.safetensors", "step-0000004.safetensors", "step-0000005.safetensors"])
        #expect(runner.reports.drain().isEmpty)
    }

    @Test func aCommandSentWithoutWaitingIsReportedWhenRefused() throws {
        let runner = try runner()
        runner.turn()
        runner.send(.adopt(run: "nope"), by: "user")
        runner.turn()
        #expect(runner.reports.drain() == [.refused("adopt: no fork branch 'nope' (branches: )")])
    }

    @Test func aStartedRunnerAnswersPerformFromAnotherThreadAndStops() throws {
        let runner = try runner(steps: 100_000)
        runner.start()
        #expect(throws: Never.self) { try runner.perform(.pause, by: "control").get() }
        runner.stop()
        runner.waitUntilFinished()
        runner.waitUntilFinished()  // a second wait returns at once
        #expect(runner.events.isClosed)
    }
}
