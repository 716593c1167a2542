import Dashboard
import Telemetry

/// A recording played back live with its original timing (scaled by `speed`); pause and resume
/// hold and release the schedule.
public final class ReplaySource: MessageSource {
    private var schedule: ReplaySchedule
    private var pauseRequested = false
    private var pausedAt: Double?
    private var pausedTotal = 0.0
    /// Said once, in the events panel, when long pauses were shortened.
    private var notice: String?

    public init(events: [TelemetryEvent], speed: Double) {
        schedule = ReplaySchedule(events: events, speed: speed)
        notice = ReplaySchedule.shortenedNotice(schedule.shortenedGaps)
    }

    public func poll(elapsed: Double) -> [Message] {
        if let notice {
            self.notice = nil
            return [.notice(notice)]
        }
        if pauseRequested {
            pausedAt = pausedAt ?? elapsed
        } else if let at = pausedAt {
            pausedTotal += elapsed - at
            pausedAt = nil
        }
        guard pausedAt == nil else { return [] }
        return schedule.take(upTo: elapsed - pausedTotal).map { .telemetry($0) }
    }

    public func perform(_ control: ControlMessage) {
        switch control.command {
        case .pause: pauseRequested = true
        case .resume: pauseRequested = false
        default: break
        }
    }
}
