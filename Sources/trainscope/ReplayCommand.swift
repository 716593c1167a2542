import ArgumentParser
import Foundation
import Runtime
import Telemetry
import TerminalUI

/// `trainscope replay`: plays a recording back with its original timing.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Play a recorded run (.jsonl) back with its original timing, scaled by --speed."
    )

    @Argument(help: "A recording written by `trainscope run --record` or any producer of PROTOCOL.md events ('-' for stdin).")
    var file: String

    @Option(help: "Playback speed: 2 plays twice as fast. Ignored with --fast.")
    var speed: Double = 1

    @Flag(help: "Emit every event at once instead of with the original timing.")
    var fast = false

    @Flag(help: "Write the events to standard output as NDJSON instead of opening the dashboard.")
    var stdout = false

    @OptionGroup var selection: RunSelection

    @Option(help: "Colour theme: default, mono, light, okabe-ito, paper or your own NAME (from ~/.config/trainscope/themes/NAME.theme), or a path to a .theme file.")
    var theme: String?

    func validate() throws {
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be a positive number, got \(speed)") }
    }

    func run() throws {
        let recording: Recording
        do { recording = try Recording(path: file) } catch {
            printError("trainscope: \(error)")
            throw ExitCode(1)
        }
        for error in recording.errors { printError("\(file): \(error)") }
        if !stdout {
            guard isatty(STDOUT_FILENO) != 0 else {
                printError("trainscope: error: the live dashboard needs a terminal; use --stdout for NDJSON output")
                throw ExitCode(2)
            }
            let dashboardTheme: Theme
            do { dashboardTheme = try loadTheme(theme) } catch {
                printError("trainscope: error: \(error)")
                throw ExitCode(2)
            }
            let source = ReplaySource(events: recording.events, speed: fast ? .infinity : speed)
            _ = try runLiveDashboard(source, theme: dashboardTheme, recorder: nil, sourceName: (file as NSString).lastPathComponent,
                                     runQuery: try selection.query())
            return
        }
        var schedule = ReplaySchedule(events: recording.events, speed: fast ? .infinity : speed)
        if let notice = ReplaySchedule.shortenedNotice(schedule.shortenedGaps) { printError("trainscope: \(notice)") }
        let start = Date()
        let out = FileHandle.standardOutput
        while !schedule.isFinished {
            let due = schedule.take(upTo: Date().timeIntervalSince(start))
            if !due.isEmpty {
                var bytes: [UInt8] = []
                for event in due {
                    bytes += Array(event.jsonLine.utf8)
                    bytes.append(0x0A)
                }
                out.write(Data(bytes))
            }
            if let next = schedule.nextDue {
                let wait = next - Date().timeIntervalSince(start)
                if wait > 0 { Thread.sleep(forTimeInterval: min(wait, 0.25)) }
            }
        }
        if !recording.errors.isEmpty { throw ExitCode(1) }
    }
}
