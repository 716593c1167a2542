import Telemetry

// Phases for every source: `PhaseDetector` reads each run's values as they arrive, and a phase the
// source reports itself (the built-in engine's, a client's `phase` event) takes the place of the
// one derived here under the same name, so a run shows each phase once, whichever came first.

extension RunState {
    /// The first of `names` the run logs: which of the names other libraries use for a role it has.
    public func firstMetric(of names: [String]) -> String? { names.first { series[$0] != nil } }

    /// Runs the detector over one step's values; returns the phases added to the run.
    mutating func detectPhases(step: Int, time: Double?, value: (String) -> Double?) -> [PhaseEvent] {
        keepNew(phaseDetector.observe(run: id, step: step, time: time, value: value))
    }

    /// Runs the detector over the rows of a block (the columns it reads resolved once); returns
    /// the phases added to the run.
    mutating func detectPhases(in block: ScalarsBlock) -> [PhaseEvent] {
        let columns = PhaseDetector.columns(of: block.names)
        guard columns.trainAccuracy != nil || columns.testAccuracy != nil || columns.trainLoss != nil else { return [] }
        let width = block.names.count
        var added: [PhaseEvent] = []
        for row in 0..<block.count {
            func reading(_ column: Int?) -> PhaseDetector.Reading? {
                column.map { (block.names[$0], block.values[row * width + $0]) }
            }
            added += keepNew(phaseDetector.observe(run: id, step: block.steps[row], time: block.times?[row],
                                                   trainAccuracy: reading(columns.trainAccuracy),
                                                   testAccuracy: reading(columns.testAccuracy),
                                                   trainLoss: reading(columns.trainLoss)))
        }
        return added
    }

    /// A phase the source reported: replaces a derived one of the same name. Returns false when
    /// it only confirmed a phase already shown at the same step (nothing new to say).
    mutating func addReportedPhase(_ phase: PhaseEvent) -> Bool {
        phaseDetector.noteReported(phase)
        guard let index = phases.firstIndex(where: { $0.name == phase.name && $0.isDerived }) else {
            phases.append(phase)
            return true
        }
        let sameStep = phases[index].step == phase.step
        phases[index] = phase
        return !sameStep
    }

    private mutating func keepNew(_ found: [PhaseEvent]) -> [PhaseEvent] {
        let new = found.filter { phase in !phases.contains { $0.name == phase.name } }
        phases += new
        return new
    }
}

/// The events panel's line for a phase.
func logPhase(_ phase: PhaseEvent, _ state: inout DashboardState) {
    appendLog(&state, phase.name == "diverged" ? .error : .info,
              "step \(phase.step): \(phase.name)\(phase.message.map { " — \($0)" } ?? "")")
}
