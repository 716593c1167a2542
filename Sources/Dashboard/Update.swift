import JSONCore
import Telemetry
import TerminalUI

/// The dashboard's one state transition: pure, no I/O, no clock — `message` in, `state` and
/// effects out. The runtime owns every side effect.
public func update(_ state: inout DashboardState, _ message: Message) -> [Effect] {
    switch message {
    case .telemetry(let event):
        apply(event, to: &state)
        state.lastEventAt = state.now
        return []
    case .scalars(let block):
        apply(block, to: &state)
        state.lastEventAt = state.now
        return []
    case .sourceError(let source, let description):
        appendLog(&state, .error, "\(source): \(description)")
        return []
    case .notice(let text):
        appendLog(&state, .info, text)
        return []
    case .skipped(let run, let kind, let count):
        skipped(run: run, kind: kind, count: count, &state)
        return []
    case .text(let run, let step, let tag, let text):
        // A text summary (TensorBoard `add_text`): its first line, for the events panel.
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let more = line.count < text.count ? " …" : ""
        appendLog(&state, .info, "\(run) step \(step) \(tag): \(line.abbreviated(200))\(more)")
        return []
    case .controlRefused(let control, let reason):
        switch control.command {
        case .pause: state.isPaused = false
        case .resume: state.isPaused = true
        case .stop: if let run = control.run { state.stoppedRuns.remove(run) }
        default: break
        }
        appendLog(&state, .error, "\(control.command.typeName) refused: \(reason)")
        return []
    case .resize(let width, let height):
        state.width = width
        state.height = height
        keepFocusOnScreen(&state)
        return []
    case .frameTick(let time):
        state.now = time
        // Matches move with new data, and `status` with time: at each tick after events arrived,
        // and at least once a second.
        if state.runQuery != nil, let checked = state.queryCheckedAt,
           (state.lastEventAt ?? -.infinity) >= checked || time - checked >= 1 {
            state.refreshQueryMatches()
        }
        return []
    case .key(let key):
        return handle(key, &state)
    }
}

// MARK: - Events

/// Folds a block column by column: each series is looked up once per block, not once per row,
/// and gets exactly the points that the block's rows as events would give it.
private func apply(_ block: ScalarsBlock, to state: inout DashboardState) {
    guard !block.isEmpty else { return }
    let smoothing = state.curves.smoothing
    let columns = block.names.count
    state.metricNames.formUnion(block.names)
    var found: [PhaseEvent] = []
    withRun(block.run, &state) { run in
        block.values.withUnsafeBufferPointer { values in
            block.steps.withUnsafeBufferPointer { steps in
                for (column, name) in block.names.enumerated() {
                    // One dictionary access per column; the series is appended to in place.
                    func appendColumn(_ series: inout MetricSeries) {
                        for row in 0..<steps.count { series.append(x: Double(steps[row]), y: values[row * columns + column]) }
                    }
                    appendColumn(&run.series[name, default: MetricSeries(smoothing: smoothing)])
                    if name == "lr" {
                        for row in 0..<steps.count {
                            let lr = values[row * columns + column]
                            if lr > 0, lr.isFinite { run.stabilityThreshold.append(x: Double(steps[row]), y: 2 / lr) }
                        }
                    }
                }
                run.latestStep = max(run.latestStep, steps.max()!)
                run.pointCount += steps.count * columns
                if let times = block.times {
                    for row in 0..<steps.count { note(time: times[row], step: steps[row], &run) }
                }
            }
        }
        found = run.detectPhases(in: block)
    }
    for phase in found { logPhase(phase, &state) }
}

private func apply(_ event: TelemetryEvent, to state: inout DashboardState) {
    switch event {
    case .run(let run):
        let known = state.runs[run.run] != nil
        register(run.run, &state)
        var runState = state.runs[run.run]!
        runState.lastSeen = state.now
        // A run announced again (a log's hparams arriving after its scalars) updates what it
        // names and keeps the rest.
        runState.parent = run.parent ?? runState.parent
        runState.task = run.task ?? runState.task
        runState.model = run.model ?? runState.model
        if !run.config.isEmpty || !known { runState.config = run.config }
        if !run.knobs.isEmpty || !known { runState.knobs = run.knobs }
        for (key, value) in run.extra { runState.extra[key] = value }
        runState.startTime = runState.startTime ?? run.time
        if case .number(let lr)? = run.knobs.first(where: { $0.name == "lr" })?.value, lr > 0 {
            runState.stabilityThreshold.append(x: 0, y: 2 / lr)
        }
        runState.revision.bump()
        state.runs[run.run] = runState
        if run.preview {
            if !state.previewRuns.contains(run.run) { state.previewRuns.append(run.run) }
            appendLog(&state, .info, "fork branch \(state.previewRuns.count): \(run.run) (\(Keymap.label(of: .adoptBranch)) adopts, \(Keymap.label(of: .discardBranches)) discards)")
        } else if run.adopted {
            state.endedRuns.formUnion(state.previewRuns.filter { $0 != run.run })
            state.previewRuns = []
            if let parent = run.parent { state.abandonedRuns.insert(parent) }
            // The adopted branch is the main run from now on.
            state.runOrder.removeAll { $0 == run.run }
            state.runOrder.append(run.run)
            appendLog(&state, .info, "adopted \(run.run)\(run.parent.map { "; \($0) is left" } ?? "")")
        } else if let parent = run.parent, let step = run.rolledBackTo {
            state.abandonedRuns.insert(parent)
            // The run that goes on is the same line, so it takes its parent's colour (drawn faintly).
            if let slot = state.runs[parent]?.slot { state.runs[run.run]!.slot = slot }
            state.runs[run.run]!.revision.bump()
            // The run that goes on shares its parent's history up to the rollback: its phases and
            // the knob changes before the undone one.
            if let abandoned = state.runs[parent] {
                state.runs[run.run]!.phases = abandoned.phases.filter { $0.step <= step }
                state.runs[run.run]!.knobChanges = abandoned.knobChanges.filter { $0.step < step }
            }
            appendLog(&state, .info, "undo: \(parent) rolled back to step \(step); it goes on as \(run.run)")
        } else if known {
            appendLog(&state, .info, "run \(run.run): config of \(run.config.count) key\(run.config.count == 1 ? "" : "s")")
        } else {
            appendLog(&state, .info, "run \(run.run) started\(run.task.map { ": \($0)" } ?? "")")
        }
        state.refreshQueryMatch(of: run.run)
    case .scalars(let s):
        let smoothing = state.curves.smoothing
        var found: [PhaseEvent] = []
        for name in s.values.keys where !state.metricNames.contains(name) { state.metricNames.insert(name) }
        withRun(s.run, &state) { run in
            for (name, value) in s.values {
                run.series[name, default: MetricSeries(smoothing: smoothing)].append(x: Double(s.step), y: value)
            }
            if let lr = s.values["lr"], lr > 0, lr.isFinite { run.stabilityThreshold.append(x: Double(s.step), y: 2 / lr) }
            run.latestStep = max(run.latestStep, s.step)
            run.pointCount += s.values.count
            note(time: s.time, step: s.step, &run)
            found = run.detectPhases(step: s.step, time: s.time) { s.values[$0] }
        }
        for phase in found { logPhase(phase, &state) }
    case .spectrum(let e):
        withRun(e.run, &state) { run in
            guard e.block == nil else { return }
            for (rank, value) in e.top.enumerated() {
                if rank >= run.eigenvalues.count { run.eigenvalues.append(SeriesStore()) }
                run.eigenvalues[rank].append(x: Double(e.step), y: value)
            }
            if let d = e.density {
                run.densities.append(DensityHistory.Entry(step: e.step, grid: d.grid, values: d.values, moments: d.moments,
                                                          momentStderr: d.momentStderr))
            }
            run.latestSpectrum = e
            run.latestStep = max(run.latestStep, e.step)
            note(time: e.time, step: e.step, &run)
        }
    case .histogram(let e):
        withRun(e.run, &state) { run in
            run.histograms[e.name, default: HistogramHistory()].append(e)
            if e.name == DashboardState.fourierSpectrumName, let keys = e.extra["key_frequencies"]?.array?.compactMap(\.number) {
                run.fourierKeys = keys.map { Int($0) }
            }
            run.latestStep = max(run.latestStep, e.step)
        }
    case .knob(let e):
        withRun(e.run, &state) { run in
            run.knobChanges.append(e)
            if let index = run.knobs.firstIndex(where: { $0.name == e.name }) { run.knobs[index].value = e.new }
            if e.name == "lr", case .number(let lr) = e.new, lr > 0 { run.stabilityThreshold.append(x: Double(e.step), y: 2 / lr) }
        }
        appendLog(&state, .info, "step \(e.step): \(e.name) \(e.old.map { "\($0) → " } ?? "")\(e.new) by \(e.by)")
    case .phase(let e):
        var isNews = true
        withRun(e.run, &state) { isNews = $0.addReportedPhase(e) }
        if isNews { logPhase(e, &state) }
    case .pareto(let e):
        var failure: String?
        withRun(e.run, &state) { run in
            do throws(ParetoError) { try run.addParetoRound(e) } catch { failure = "step \(e.step): pareto event refused: \(error)" }
        }
        if let failure {
            appendLog(&state, .warning, failure)
        } else {
            let id = e.run ?? state.currentRunID
            if state.paretoRun != id {
                state.paretoRun = id
                state.paretoRound = nil
                state.paretoPoint = nil
            }
        }
    case .control(let c):
        if case .pause = c.command {
            // The engine paused itself (a rule): the dashboard shows it paused, and space resumes.
            state.isPaused = true
            appendLog(&state, .warning, "paused\(c.extra["by"]?.string.map { " by \($0)" } ?? "")")
        } else if case .discard = c.command {
            state.endedRuns.formUnion(state.previewRuns)
            state.previewRuns = []
            appendLog(&state, .info, "fork branches discarded")
        } else {
            appendLog(&state, .info, "control \(c.command.typeName)\(c.run.map { " for \($0)" } ?? "")")
        }
    case .unknown(let u):
        // Kept and ignored, as the contract says, but counted: nothing is dropped without a word.
        skipped(run: u.fields["run"]?.string ?? state.currentRunID, kind: SkippedKind.unknownType(u.type), count: 1, &state)
    }
}

extension RunState {
    /// Rounds kept per run; older ones are dropped.
    static let paretoCapacity = 256

    /// Adds a Pareto event as a round: its front and hypervolume against the run's reference point:
    /// the event's `reference`, else each objective's worst value over every round pushed out by 10%
    /// of its span. A sweep adds one point a round, so a round may land beyond that point; the
    /// reference then moves and every kept round's hypervolume is recomputed against it, so the
    /// history stays comparable.
    mutating func addParetoRound(_ e: ParetoEvent) throws(ParetoError) {
        let directions = e.objectives.map(\.direction)
        let values = e.points.map(\.values)
        let front = Set(try Pareto.nondominatedIndices(values, directions: directions))
        func beyond(_ point: [Double], _ reference: [Double]) -> Bool {
            directions.indices.contains { directions[$0] == .minimize ? point[$0] >= reference[$0] : point[$0] <= reference[$0] }
        }
        if let given = e.extra["reference"]?.array?.compactMap(\.number), given.count == directions.count {
            paretoReference = given
            paretoReferenceIsGiven = true
        } else if !paretoReferenceIsGiven, !values.isEmpty,
                  paretoReference.map({ reference in reference.count != directions.count || values.contains { beyond($0, reference) } }) ?? true {
            let all = paretoRounds.filter { $0.objectives.map(\.direction) == directions }.flatMap { $0.points.map(\.values) } + values
            let reference = directions.indices.map { i in
                let column = all.map { $0[i] }
                let (low, high) = (column.min()!, column.max()!)
                let margin = Swift.max((high - low) * 0.1, Swift.max(abs(high), abs(low)) * 0.01, 1e-12)
                return directions[i] == .minimize ? high + margin : low - margin
            }
            paretoReference = reference
            for i in paretoRounds.indices where paretoRounds[i].objectives.map(\.direction) == directions {
                paretoRounds[i].hypervolume = try Pareto.hypervolume(paretoRounds[i].points.map(\.values), directions: directions, reference: reference)
            }
        }
        let hypervolume = try paretoReference.map { reference throws(ParetoError) in
            try Pareto.hypervolume(values, directions: directions, reference: reference)
        }
        paretoRounds.append(ParetoRound(step: e.step, objectives: e.objectives, points: e.points,
                                        onFront: values.indices.map { front.contains($0) }, hypervolume: hypervolume,
                                        fit: ScalingFit(json: e.extra["fit"])))
        if paretoRounds.count > Self.paretoCapacity { paretoRounds.removeFirst() }
        latestStep = Swift.max(latestStep, e.step)
    }
}

private func withRun(_ id: String?, _ state: inout DashboardState, _ body: (inout RunState) -> Void) {
    let key = id ?? state.currentRunID
    register(key, &state)
    state.runs[key]!.lastSeen = state.now
    state.runs[key]!.revision.bump()
    body(&state.runs[key]!)
}

/// A run seen for the first time: appended to the run order with the next colour slot, which it
/// keeps for its whole life.
private func register(_ id: String, _ state: inout DashboardState) {
    guard state.runs[id] == nil else { return }
    var run = RunState(id: id)
    run.slot = state.nextRunSlot
    state.nextRunSlot += 1
    state.runs[id] = run
    state.runOrder.append(id)
}

private func note(time: Double?, step: Int, _ run: inout RunState) {
    guard let time else { return }
    run.startTime = run.startTime ?? time
    run.latestTime = time
    run.clock.note(step: Double(step), time: time)
}

func appendLog(_ state: inout DashboardState, _ level: LogEntry.Level, _ text: String, key: String? = nil) {
    if let key, let index = state.log.lastIndex(where: { $0.key == key }) {
        state.log[index].text = text
        return
    }
    state.log.append(LogEntry(level: level, text: text, key: key))
    if state.log.count > state.logCapacity { state.log.removeFirst(state.log.count - state.logCapacity) }
}

/// Counts records of `kind` a source could not show for `run`; the events panel keeps one line per
/// run and kind with the running count.
func skipped(run id: String, kind: String, count: Int, _ state: inout DashboardState) {
    var total = 0
    withRun(id, &state) { run in
        run.skipped[kind, default: 0] += count
        total = run.skipped[kind]!
    }
    appendLog(&state, .warning, "run \(id): skipped \(SkippedKind.describe(kind, count: total))", key: "skipped \(id) \(kind)")
}
