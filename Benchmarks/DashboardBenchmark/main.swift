// trainscope-dashboard-bench: frame render time against history length, and resident memory while
// streaming, for Benchmarks/dashboard.sh; with --many-runs, frame time, memory and a run query at
// 10, 100 and 1,000 runs. Prints `key value` lines.
// Build: swift build -c release --product trainscope-dashboard-bench
import Foundation
import Dashboard
import JSONCore
import Telemetry
import TerminalUI

let arguments = CommandLine.arguments
let totalEvents = arguments.firstIndex(of: "--events").flatMap { Int(arguments[$0 + 1]) } ?? 10_000_000
let seriesCount = 8

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Resident set size in MiB, from /proc/self/status.
func residentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return .nan }
    return kb / 1024
}

/// Median milliseconds of `frames` full frames (state → buffer → diff against the previous frame);
/// `between` changes the state before each frame, outside the timing (a live run's new points).
func frameTime(_ state: DashboardState, view: DashboardView, frames: Int = 30,
               between: (inout DashboardState, Int) -> Void = { _, _ in }) -> Double {
    var state = state
    var previous = view.render(state)
    var times: [Double] = []
    var changed = 0
    for frame in 0..<frames {
        between(&state, frame)
        let start = now()
        let buffer = view.render(state)
        changed += buffer.changes(from: previous).count
        previous = buffer
        times.append(now() - start)
    }
    precondition(changed >= 0)
    return times.sorted()[frames / 2] * 1000
}

// MARK: - `update` rate: the same rows as one event each and as column blocks

if arguments.contains("--update-rate") {
    let rows = 1_000_000, blockRows = 256
    let names = (0..<seriesCount).map { "train/loss\($0)" }
    func row(_ step: Int) -> [Double] { (0..<seriesCount).map { (1 + Double($0)) / Double(step).squareRoot() } }
    var byEvent = DashboardState(width: 160, height: 48, sourceName: "benchmark")
    var events: [TelemetryEvent] = []
    events.reserveCapacity(rows)
    for step in 1...rows {
        events.append(.scalars(ScalarsEvent(run: "bench", step: step, time: Double(step) * 0.01,
                                            values: Dictionary(uniqueKeysWithValues: zip(names, row(step))))))
    }
    var blocks: [ScalarsBlock] = []
    for first in stride(from: 1, through: rows, by: blockRows) {
        var block = ScalarsBlock(run: "bench", names: names, timed: true)
        for step in first..<min(first + blockRows, rows + 1) {
            row(step).withUnsafeBufferPointer { block.append(step: step, time: Double(step) * 0.01, row: $0) }
        }
        blocks.append(block)
    }
    var start = now()
    for event in events { _ = update(&byEvent, .telemetry(event)) }
    let eventSeconds = now() - start
    var byBlock = DashboardState(width: 160, height: 48, sourceName: "benchmark")
    start = now()
    for block in blocks { _ = update(&byBlock, .scalars(block)) }
    let blockSeconds = now() - start
    precondition(byBlock == byEvent, "blocks and events must fold to the same state")
    let values = Double(rows * seriesCount)
    print("update_values_per_s_blocks \(String(format: "%.0f", values / blockSeconds))")
    print("update_values_per_s_events \(String(format: "%.0f", values / eventSeconds))")
    print("update_blocks_over_events \(String(format: "%.2f", eventSeconds / blockSeconds))")
    exit(0)
}

// MARK: - Many runs: frame time and memory with 10, 100 and 1,000 runs, and a query over them

if arguments.contains("--many-runs") {
    let metrics = ["train/loss", "test/loss", "train/acc", "test/acc", "lr", "grad/norm", "weights/norm", "update/ratio",
                   "hessian/sharpness", "hessian/trace"]
    let points = arguments.firstIndex(of: "--points").flatMap { Int(arguments[$0 + 1]) } ?? 10_000
    let view = DashboardView(theme: Theme.builtIn["default"]!)
    var frames: [Int: Double] = [:], liveFrames: [Int: Double] = [:], newestFrames: [Int: Double] = [:]
    print("metrics_per_run \(metrics.count) points_per_series \(points)")
    // `--only 10,100`: some of the sizes (the ratio needs 10 and 100, the 33 ms goal 1000).
    let only = arguments.firstIndex(of: "--only").map { arguments[$0 + 1].split(separator: ",").compactMap { Int($0) } }
    // More frames than the median needs, for a profile of drawing rather than of loading.
    let frameCount = arguments.firstIndex(of: "--frames").flatMap { Int(arguments[$0 + 1]) } ?? 11
    for runs in [10, 100, 1000] where only?.contains(runs) ?? true {
        var state = DashboardState(width: 160, height: 48, sourceName: "benchmark")
        for r in 0..<runs {
            let id = String(format: "sweep-%04d-lr%g-w%d", r, 1e-4 * Double(1 + r % 10), 64 << (r % 3))
            var config = JSONObject()
            config["lr"] = .number(1e-4 * Double(1 + r % 10))
            config["width"] = .number(Double(64 << (r % 3)))
            config["seed"] = .number(Double(r / 30))
            config["steps"] = .number(Double(points))
            _ = update(&state, .telemetry(.run(RunEvent(run: id, config: config))))
            var block = ScalarsBlock(run: id, names: metrics, timed: false)
            var row = [Double](repeating: 0, count: metrics.count)
            // The first and the newest run are still training: half their points so far (more
            // arrive between frames, to one of them at a time).
            for step in 1...(r == 0 || r == runs - 1 ? points / 2 : points) {
                for m in 0..<metrics.count { row[m] = (1 + Double(m) + Double(r % 7)) / Double(step).squareRoot() }
                row.withUnsafeBufferPointer { block.append(step: step, time: nil, row: $0) }
            }
            _ = update(&state, .scalars(block))
        }
        // The clock moves on: the runs were last heard from a minute ago.
        _ = update(&state, .frameTick(time: 60))
        let frame = frameTime(state, view: view, frames: frameCount)
        frames[runs] = frame
        // The same with a live run getting 10 more points of every metric before each frame: the
        // first run (at 100 and 1,000 runs not among the 48 a chart draws), then the newest (drawn
        // on every chart).
        func live(_ r: Int) -> Double {
            let id = String(format: "sweep-%04d-lr%g-w%d", r, 1e-4 * Double(1 + r % 10), 64 << (r % 3))
            return frameTime(state, view: view, frames: frameCount) { state, frame in
                var block = ScalarsBlock(run: id, names: metrics, timed: false)
                for k in 1...10 {
                    let step = points / 2 + 10 * frame + k
                    let row = metrics.indices.map { 1 / Double(step).squareRoot() + Double($0) }
                    row.withUnsafeBufferPointer { block.append(step: step, time: nil, row: $0) }
                }
                _ = update(&state, .scalars(block))
            }
        }
        let liveFrame = live(0), newestFrame = live(runs - 1)
        liveFrames[runs] = liveFrame
        newestFrames[runs] = newestFrame
        let query = try! RunQuery("lr >= 5e-4 and best(test/acc) > 0.01 or id ~ 000[0-9]")
        let start = now()
        let repeats = 20
        var matched = 0
        for _ in 0..<repeats { matched = query.matchingRuns(in: state).count }
        let queryMs = (now() - start) / Double(repeats) * 1000
        print("runs \(runs) frame_ms \(String(format: "%.2f", frame)) live_frame_ms \(String(format: "%.2f", liveFrame)) newest_live_frame_ms \(String(format: "%.2f", newestFrame)) query_ms \(String(format: "%.3f", queryMs)) matched \(matched) rss_mib \(String(format: "%.0f", residentMiB()))")
        fflush(nil)
    }
    if let f10 = frames[10], let f100 = frames[100], let l10 = liveFrames[10], let l100 = liveFrames[100] {
        print("frame_100_over_10 \(String(format: "%.2f", f100 / f10))")
        print("live_frame_100_over_10 \(String(format: "%.2f", l100 / l10))")
        print("newest_live_frame_100_over_10 \(String(format: "%.2f", newestFrames[100]! / newestFrames[10]!))")
    }
    if let f1000 = frames[1000], let l1000 = liveFrames[1000], let n1000 = newestFrames[1000] {
        print("frame_1000_ms_within_33 \(f1000 <= 33) live \(l1000 <= 33) newest live \(n1000 <= 33)")
    }
    exit(0)
}

var state = DashboardState(width: 160, height: 48, sourceName: "benchmark")
var config = JSONObject()
config["steps"] = .number(Double(totalEvents))
_ = update(&state, .telemetry(.run(RunEvent(run: "bench", task: "synthetic", config: config, time: 0))))
let view = DashboardView(theme: Theme.builtIn["default"]!)
let names = (0..<seriesCount).map { "train/loss\($0)" }
var checkpoints = [1_000, 100_000, totalEvents].filter { $0 <= totalEvents }
print("series \(seriesCount)")
print("rss_start_mib \(String(format: "%.1f", residentMiB()))")
var rng = UInt64(0x2545_F491_4F6C_DD1D)
let streamStart = now()
for step in 1...totalEvents {
    var values: [String: Double] = [:]
    for (i, name) in names.enumerated() {
        rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
        let noise = Double(rng >> 11) / Double(1 << 53)
        values[name] = (1 + Double(i)) / Double(step).squareRoot() + 0.01 * noise
    }
    _ = update(&state, .telemetry(.scalars(ScalarsEvent(step: step, time: Double(step) * 0.01, values: values))))
    if step == checkpoints.first {
        checkpoints.removeFirst()
        print("points_per_series \(step) frame_ms \(String(format: "%.2f", frameTime(state, view: view))) rss_mib \(String(format: "%.1f", residentMiB()))")
        fflush(nil)
    }
}
let seconds = now() - streamStart
print("ingest_events_per_s \(String(format: "%.0f", Double(totalEvents) / seconds))")
