// MARK: - Keys of runs: the runs panel, selection, visibility, the query, groups, the sweep panel

/// Performs one of the runs' key actions (`perform` hands them here).
func performRunAction(_ action: KeyAction, _ state: inout DashboardState) {
    switch action {
    case .focusRuns:
        guard state.availablePanels.contains(.runs) else {
            appendLog(&state, .warning, "the runs panel appears with a second run")
            return
        }
        state.focus = .runs
        state.companion = .runs
        if !state.panelRects().contains(where: { $0.panel == .runs }) {
            state.layout = .pair
            state.isZoomed = false
        }
    case .selectPreviousRun, .selectNextRun, .pageUp, .pageDown, .selectFirst, .selectLast: moveRunSelection(action, &state)
    case .toggleRunVisibility:
        guard let id = state.selectedRun else { return }
        // On a group's row: fold or unfold the group.
        if state.grouping != nil, let group = state.runTableContent.rows.first(where: { $0.id == id })?.group {
            if state.grouping!.collapsed.remove(group) == nil { state.grouping!.collapsed.insert(group) }
            return
        }
        if state.isolatedRun != nil {
            // Leaving isolation by hand: everything else stays hidden, this one toggles.
            state.hiddenRuns = Set(state.runOrder.filter { $0 != state.isolatedRun })
            state.isolatedRun = nil
        }
        if state.hiddenRuns.remove(id) == nil { state.hiddenRuns.insert(id) }
    case .isolateRun:
        guard let id = state.selectedRun, state.runs[id] != nil else { return }
        state.isolatedRun = state.isolatedRun == id ? nil : id
    case .showAllRuns:
        state.hiddenRuns = []
        state.isolatedRun = nil
    case .startRunQuery: state.input = TextInput(purpose: .runQuery, text: state.runQuery?.text ?? "")
    case .sortLeft, .sortRight:
        let keys = state.runTableContent.sortKeys
        let index = keys.firstIndex(of: state.runTable.sort) ?? 0
        state.runTable.sort = keys[(index + (action == .sortRight ? 1 : keys.count - 1)) % keys.count]
    case .reverseSort: state.runTable.descending.toggle()
    case .cycleChartSplit:
        state.curves.split = state.curves.split.next
        state.curves.selectedGroup = 0
    case .sweepOnX:
        let keys = state.sweepKeys
        guard !keys.isEmpty else { return }
        if case .config(let key) = state.runTable.sort, key != state.sweepXKey {
            state.sweepX = key
        } else {
            let index = state.sweepXKey.flatMap { keys.firstIndex(of: $0) } ?? -1
            state.sweepX = keys[(index + 1) % keys.count]
        }
        appendLog(&state, .info, "sweep panel: \(state.sweepX!) on x")
    case .toggleGrouping:
        if state.grouping != nil {
            state.grouping = nil
        } else if let key = state.defaultGroupingKey {
            state.grouping = RunGrouping(except: key)
            appendLog(&state, .info, "runs grouped by every config key but \(key)")
        } else {
            appendLog(&state, .warning, "nothing to group: the shown runs have the same config")
        }
    case .cycleBand:
        if let band = state.grouping?.band { state.grouping!.band = band.other }
    case .showRunDetails:
        guard let id = state.selectedRun ?? state.runTableContent.rows.first?.id, state.runs[id] != nil else { return }
        state.selectedRun = id
        state.detailsRun = id
        state.detailsScroll = 0
    case .nextMetric:
        let names = state.metricNames
        let sorted = names.sorted()
        guard !sorted.isEmpty else { return }
        let index = state.tableMetric.flatMap { sorted.firstIndex(of: $0) } ?? -1
        state.runTable.metric = sorted[(index + 1) % sorted.count]
    case .flipGoal:
        guard let metric = state.tableMetric else { return }
        state.runTable.goals[metric] = state.goal(of: metric).other
    case .sweepLast:
        state.runTable.sweepLast.toggle()
    default:
        break
    }
}

/// Moves the selected run: through the runs panel's rows when it has the focus, else through the
/// runs on the charts.
func moveRunSelection(_ action: KeyAction, _ state: inout DashboardState) {
    let ids = state.focus == .runs ? state.runTableContent.rows.map(\.id) : state.shownRunIDs
    guard !ids.isEmpty else { return }
    let page = Swift.max(1, (state.panelRects().first { $0.panel == .runs }?.rect.height ?? 12) - 4)
    let current = state.selectedRun.flatMap { ids.firstIndex(of: $0) }
    let next: Int
    switch action {
    case .selectNextRun: next = current.map { ($0 + 1) % ids.count } ?? 0
    case .selectPreviousRun: next = current.map { ($0 + ids.count - 1) % ids.count } ?? ids.count - 1
    case .pageDown: next = Swift.min(ids.count - 1, (current ?? -1) + page)
    case .pageUp: next = Swift.max(0, (current ?? ids.count) - page)
    case .selectFirst: next = 0
    default: next = ids.count - 1
    }
    state.selectedRun = ids[next]
}

