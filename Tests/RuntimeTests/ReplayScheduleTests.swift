import Testing
import Runtime
import Telemetry

@Suite struct ReplayScheduleTests {
    func scalars(_ step: Int, time: Double? = nil) -> TelemetryEvent {
        .scalars(ScalarsEvent(run: "r", step: step, time: time, values: ["loss": 1.0 / Double(step)]))
    }

    @Test func replayKeepsOriginalSpacingScaledBySpeed() {
        let events = [scalars(1, time: 100), .control(ControlMessage(.pause)), scalars(2, time: 101), scalars(3, time: 104)]
        var schedule = ReplaySchedule(events: events, speed: 2)
        #expect(schedule.duration == 2)
        #expect(schedule.take(upTo: 0).count == 2, "the untimed event follows its predecessor")
        #expect(schedule.nextDue == 0.5)
        #expect(schedule.take(upTo: 0.49).isEmpty)
        #expect(schedule.take(upTo: 0.5).count == 1)
        #expect(schedule.take(upTo: 1.99).isEmpty)
        #expect(Array(schedule.take(upTo: 2)) == [scalars(3, time: 104)])
        #expect(schedule.isFinished && schedule.emittedCount == 4 && schedule.nextDue == nil)
    }

    @Test func replayAsFastAsPossibleEmitsEverythingAtOnce() {
        let events = (1...50).map { scalars($0, time: Double($0) * 10) }
        var schedule = ReplaySchedule(events: events, speed: .infinity)
        #expect(Array(schedule.take(upTo: 0)) == events)
    }

    @Test func replayNeverGoesBackInTime() {
        var schedule = ReplaySchedule(events: [scalars(1, time: 10), scalars(2, time: 5), scalars(3, time: 12)], speed: 1)
        #expect(schedule.take(upTo: 0).count == 2)
        #expect(schedule.take(upTo: 2).count == 1)
    }

    @Test func longPausesAreShortenedAndCounted() {
        let events = [scalars(1, time: 0), scalars(2, time: 1), scalars(3, time: 1e9), scalars(4, time: 1e9 + 2)]
        var schedule = ReplaySchedule(events: events, speed: 1000)
        #expect(schedule.shortenedGaps == 1)
        #expect(schedule.duration == 0.001 + ReplaySchedule.defaultMaxGap + 0.002)
        #expect(schedule.take(upTo: 0.001).count == 2 && schedule.take(upTo: 5).isEmpty && schedule.take(upTo: 6).count == 2)
        #expect(ReplaySchedule(events: events, speed: 1, maxGap: 1).shortenedGaps == 2)
    }
}
