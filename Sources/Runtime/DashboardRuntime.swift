import Dashboard
import FileOutput
import Foundation
import Snapshot
import Telemetry
import TerminalUI

/// The live dashboard's runtime: the only place with I/O. Each frame it polls the source, reads
/// the keys, notices a resize and ticks the clock; every message goes through the pure `update`,
/// every effect it returns is performed, and the frame is drawn. Time enters as values from
/// `clock`, and the pause between frames is `wait`, so tests run the loop on a `TestBackend`
/// without sleeping.
public final class DashboardRuntime {
    /// Frames per second at most.
    public static let frameInterval = 1.0 / 30

    public private(set) var state: DashboardState
    private let backend: Backend
    private let source: MessageSource
    private let view: DashboardView
    private let theme: Theme
    private let recorder: EventRecorder?
    private let clock: () -> Double
    private let wait: (Double) -> Void
    private let snapshotDirectory: String
    private var start: Double?
    private var size: (width: Int, height: Int)
    /// The first recording failure, reported when the loop ends.
    private var recordingFailure: String?

    /// A runtime drawing on `backend` the messages of `source`; `clock` gives Unix seconds and
    /// `wait` pauses between frames; the `S` key writes into `snapshotDirectory`; `grouping` starts
    /// the runs grouped (seeds of one config, drawn as mean and band).
    public init(backend: Backend, source: MessageSource, theme: Theme, sourceName: String, recorder: EventRecorder? = nil,
                runQuery: RunQuery? = nil, grouping: RunGrouping? = nil, snapshotDirectory: String = FileManager.default.currentDirectoryPath,
                clock: @escaping () -> Double = { Date().timeIntervalSince1970 },
                wait: @escaping (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) {
        self.backend = backend; self.source = source; self.theme = theme; self.recorder = recorder
        self.clock = clock; self.wait = wait; self.snapshotDirectory = snapshotDirectory
        view = DashboardView(theme: theme)
        size = backend.size
        state = DashboardState(width: size.width, height: size.height, sourceName: sourceName)
        state.setRunQuery(runQuery)
        state.grouping = grouping
    }

    /// Runs until the user quits (or `maxFrames` frames, for tests); the terminal is given back
    /// and the source closed however the loop ends. Returns the recording failure, if any.
    @discardableResult
    public func run(maxFrames: Int = .max) throws -> String? {
        backend.start()
        defer {
            backend.stop()
            source.close()
            source.waitUntilStopped()
        }
        var frames = 0
        while frames < maxFrames, try frame() {
            frames += 1
            wait(Self.frameInterval)
        }
        return recordingFailure
    }

    /// One frame; false when an effect asked to quit.
    public func frame() throws -> Bool {
        let now = clock()
        let elapsed = now - (start ?? now)
        start = start ?? now
        for message in try source.poll(elapsed: elapsed) {
            if let recorder { record(message, recorder) }
            guard perform(message) else { return false }
        }
        while let key = backend.readKey() {
            guard perform(.key(key)) else { return false }
        }
        let current = backend.size
        if current != size {
            size = current
            backend.invalidate()
            guard perform(.resize(width: size.width, height: size.height)) else { return false }
        }
        guard perform(.frameTick(time: now)) else { return false }
        backend.draw(view.render(state))
        return true
    }

    /// Runs `message` through `update` and performs its effects, answering with messages of
    /// their own where they have one; false on quit.
    private func perform(_ message: Message) -> Bool {
        var queue = [message]
        while !queue.isEmpty {
            for effect in update(&state, queue.removeFirst()) {
                switch effect {
                case .quit: return false
                case .control(let control): source.perform(control)
                case .snapshot: queue.append(.notice(writeSnapshot()))
                }
            }
        }
        return true
    }

    private func record(_ message: Message, _ recorder: EventRecorder) {
        do {
            switch message {
            case .telemetry(let event): try recorder.record(event)
            case .scalars(let block):
                var failure: Error?
                block.forEachEvent { event in
                    guard failure == nil else { return }
                    do { try recorder.record(.scalars(event)) } catch { failure = error }
                }
                if let failure { throw failure }
            default: break
            }
        } catch {
            recordingFailure = recordingFailure ?? "\(error)"
        }
    }

    /// Writes the screen as `trainscope-RUN-stepN.svg`, its chart panels as a figure
    /// (`.figure.svg`, vector charts in the dashboard's theme) and its data as `.json`; returns the
    /// line for the events panel.
    func writeSnapshot() -> String {
        let run = state.currentRun
        // The run id comes from a producer: as a file name it loses separators, dots in front and length.
        let base = "trainscope-\(FileName.component(run?.id ?? "empty"))-step\(run?.latestStep ?? 0)"
        let options = SnapshotOptions(width: state.width, height: state.height, layout: state.layout, panel: state.focus,
                                      smoothing: state.curves.smoothing, sourceName: state.sourceName)
        var frame = state
        frame.isShowingHelp = false
        let svg = SVGExport.render(view.render(frame), theme: theme)
        let charts = (try? FigureView(theme: theme).charts(frame, FigureView.defaultPanels(frame)).get()) ?? []
        let size = FigureExport.defaultSize(charts: charts.count)
        let figure = FigureExport.render(charts, width: size.width, height: size.height, theme: theme)
        let json = JSONExport.document(frame, options)
        let path = (snapshotDirectory as NSString).appendingPathComponent(base)
        do throws(OutputFileError) {
            try OutputFile.write(svg, to: path + ".svg")
            try OutputFile.write(figure, to: path + ".figure.svg")
            try OutputFile.write(json, to: path + ".json")
        } catch {
            return "snapshot: \(error)"
        }
        return "snapshot: \(path).svg, .figure.svg and .json"
    }
}
