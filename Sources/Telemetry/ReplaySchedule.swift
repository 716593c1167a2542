/// Re-emits recorded events with their original spacing scaled by a speed factor.
///
/// Pure scheduling: the caller passes the elapsed wall-clock seconds since the replay started and
/// gets the events now due, so time enters as a value and tests need no clock.
public struct ReplaySchedule: Sendable {
    /// Replay speed: 2 plays twice as fast; `.infinity` emits everything at once.
    public let speed: Double
    private let events: [TelemetryEvent]
    /// Seconds after the start at which each event is due.
    private let dueOffsets: [Double]
    private var next = 0

    /// Schedules `events`; events without a time inherit the previous event's time.
    public init(events: [TelemetryEvent], speed: Double) {
        precondition(speed > 0, "replay speed must be positive")
        self.speed = speed
        self.events = events
        var offsets: [Double] = []
        offsets.reserveCapacity(events.count)
        var origin: Double?
        var last = 0.0
        for event in events {
            if let t = event.time, t.isFinite {
                if origin == nil { origin = t }
                // Clocks can step backwards between writers; never schedule into the past.
                last = max(last, (t - origin!) / speed)
            }
            offsets.append(speed.isInfinite ? 0 : last)
        }
        dueOffsets = offsets
    }

    /// True when every event has been emitted.
    public var isFinished: Bool { next >= events.count }

    /// Number of events emitted so far.
    public var emittedCount: Int { next }

    /// Seconds after the start at which the next event is due; nil when finished.
    public var nextDue: Double? { isFinished ? nil : dueOffsets[next] }

    /// Total replay duration in seconds at this speed.
    public var duration: Double { dueOffsets.last ?? 0 }

    /// The events due at `elapsed` seconds that were not emitted yet, in order.
    public mutating func take(upTo elapsed: Double) -> ArraySlice<TelemetryEvent> {
        let start = next
        while next < events.count, dueOffsets[next] <= elapsed { next += 1 }
        return events[start..<next]
    }
}
