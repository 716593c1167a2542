import Telemetry

/// Re-emits recorded events with their original spacing scaled by a speed factor.
///
/// Pure scheduling: the caller passes the elapsed wall-clock seconds since the replay started and
/// gets the events now due, so time enters as a value and tests need no clock. A pause between two
/// events longer than `maxGap` seconds (after scaling) is shortened to `maxGap`: a recording that
/// spans a night, or a clock that jumped, replays without waiting it out.
public struct ReplaySchedule: Sendable {
    /// The longest pause between two events, in seconds of replay, unless given otherwise.
    public static let defaultMaxGap = 5.0

    /// Replay speed: 2 plays twice as fast; `.infinity` emits everything at once.
    public let speed: Double
    /// How many pauses were shortened to `maxGap`.
    public let shortenedGaps: Int
    private let events: [TelemetryEvent]
    /// Seconds after the start at which each event is due.
    private let dueOffsets: [Double]
    private var next = 0

    /// Schedules `events`; events without a time inherit the previous event's time.
    public init(events: [TelemetryEvent], speed: Double, maxGap: Double = defaultMaxGap) {
        precondition(speed > 0, "replay speed must be positive")
        self.speed = speed
        self.events = events
        var offsets: [Double] = []
        offsets.reserveCapacity(events.count)
        var latest: Double?
        var offset = 0.0
        var shortened = 0
        for event in events {
            if let t = event.time, t.isFinite, !speed.isInfinite {
                // Clocks can step backwards between writers; never schedule into the past.
                let gap = max(0, (t - (latest ?? t)) / speed)
                if gap > maxGap { shortened += 1 }
                offset += min(gap, maxGap)
                latest = max(latest ?? t, t)
            }
            offsets.append(offset)
        }
        dueOffsets = offsets
        shortenedGaps = shortened
    }

    /// What to tell the user when `count` pauses were shortened; nil when none were.
    public static func shortenedNotice(_ count: Int, maxGap: Double = defaultMaxGap) -> String? {
        guard count > 0 else { return nil }
        return "replay: \(count) pause\(count == 1 ? "" : "s") longer than \(Int(maxGap)) s shortened to \(Int(maxGap)) s"
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
