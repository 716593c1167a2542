import Telemetry

/// The dashboard's one state transition: pure, no I/O, no clock — `message` in, `state` and
/// effects out. The runtime owns every side effect.
public func update(_ state: inout DashboardState, _ message: Message) -> [Effect] {
    switch message {
    case .telemetry(let event):
        apply(event, to: &state)
        return []
    case .sourceError(let source, let description):
        appendLog(&state, .error, "\(source): \(description)")
        return []
    case .resize(let width, let height):
        state.width = width
        state.height = height
        return []
    case .frameTick(let time):
        state.now = time
        return []
    case .key(let key):
        switch Keymap.action(for: key) {
        case .quit?:
            state.isQuitting = true
            return [.quit]
        case .togglePause?:
            state.isPaused.toggle()
            return [.control(ControlMessage(state.isPaused ? .pause : .resume))]
        case .toggleHelp?:
            state.isShowingHelp.toggle()
            return []
        case nil:
            return []
        }
    }
}

private func apply(_ event: TelemetryEvent, to state: inout DashboardState) {
    switch event {
    case .run(let run):
        if state.runs[run.run] == nil { state.runOrder.append(run.run) }
        var runState = state.runs[run.run] ?? RunState(id: run.run)
        runState.parent = run.parent
        runState.task = run.task
        runState.model = run.model
        runState.config = run.config
        runState.knobs = run.knobs
        runState.startTime = runState.startTime ?? run.time
        state.runs[run.run] = runState
        appendLog(&state, .info, "run \(run.run) started\(run.task.map { ": \($0)" } ?? "")")
    case .scalars(let s):
        withRun(s.run, &state) { run in
            for (name, value) in s.values { run.series[name, default: SeriesStore()].append(x: Double(s.step), y: value) }
            run.latestStep = max(run.latestStep, s.step)
            note(time: s.time, &run)
        }
    case .spectrum(let e): withRun(e.run, &state) { $0.spectra.append(e) }
    case .histogram(let e): withRun(e.run, &state) { $0.histograms[e.name] = e }
    case .knob(let e):
        withRun(e.run, &state) { run in
            run.knobChanges.append(e)
            if let index = run.knobs.firstIndex(where: { $0.name == e.name }) { run.knobs[index].value = e.new }
        }
        appendLog(&state, .info, "step \(e.step): \(e.name) \(e.old.map { "\($0) → " } ?? "")\(e.new) by \(e.by)")
    case .phase(let e):
        withRun(e.run, &state) { $0.phases.append(e) }
        appendLog(&state, e.name == "diverged" ? .error : .info, "step \(e.step): \(e.name)\(e.message.map { " — \($0)" } ?? "")")
    case .pareto, .control, .unknown:
        break
    }
}

private func withRun(_ id: String?, _ state: inout DashboardState, _ body: (inout RunState) -> Void) {
    let key = id ?? state.currentRunID
    if state.runs[key] == nil {
        state.runs[key] = RunState(id: key)
        state.runOrder.append(key)
    }
    body(&state.runs[key]!)
}

private func note(time: Double?, _ run: inout RunState) {
    guard let time else { return }
    run.startTime = run.startTime ?? time
    run.latestTime = time
}

private func appendLog(_ state: inout DashboardState, _ level: LogEntry.Level, _ text: String) {
    state.log.append(LogEntry(level: level, text: text))
    if state.log.count > state.logCapacity { state.log.removeFirst(state.log.count - state.logCapacity) }
}
