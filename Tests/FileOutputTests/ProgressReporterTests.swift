import FileOutput
import Testing

@Suite struct ProgressReporterTests {
    /// A reporter on a fake clock that records what it writes.
    final class Recorder {
        var now = 100.0
        var written: [String] = []
        func reporter(enabled: Bool = true, interactive: Bool) -> ProgressReporter {
            ProgressReporter(enabled: enabled, interactive: interactive, clock: { self.now }, write: { self.written.append($0) })
        }
    }

    @Test func aTerminalGetsOneLineRedrawnInPlaceWithRateAndETA() {
        let r = Recorder()
        let progress = r.reporter(interactive: true)
        progress.update(done: 10, total: 100, unit: "steps")
        #expect(r.written.isEmpty, "nothing in the first second")
        r.now += 2
        progress.update(done: 40, total: 100, unit: "steps", label: "pareto: run 1 of 6")
        #expect(r.written == ["\r" + "pareto: run 1 of 6  [████████············] 40/100 steps  40%  20 steps/s  ETA 3 s  2 s" + "\u{1B}[K"])
        r.now += 0.05
        progress.update(done: 41, total: 100, unit: "steps")
        #expect(r.written.count == 1, "at most ten redraws a second")
        progress.finish()
        #expect(r.written.last == "\r\u{1B}[K", "the line is cleared for what comes next")
    }

    @Test func aLogGetsPlainLinesEveryFewSecondsAndQuietGetsNothing() {
        let r = Recorder()
        let progress = r.reporter(interactive: false)
        for second in 1...12 {
            r.now += 1
            progress.update(done: 1000 * second, total: nil, unit: "events", label: "reading")
        }
        #expect(r.written == ["trainscope: reading  1000 events  1000 events/s  1 s\n", "trainscope: reading  6000 events  1000 events/s  6 s\n",
                              "trainscope: reading  11000 events  1000 events/s  11 s\n"])
        progress.finish()
        #expect(r.written.count == 3, "no escape codes in a log")
        let quiet = Recorder()
        let silent = quiet.reporter(enabled: false, interactive: true)
        quiet.now += 5
        silent.update(done: 1, total: 2, unit: "steps")
        silent.finish()
        #expect(quiet.written.isEmpty)
    }
}
