import JSONCore
import Testing
import Telemetry
import Dashboard
import Snapshot
import TerminalUI

@Suite struct ViewTests {
    let view = DashboardView(theme: Theme.builtIn["default"]!)

    @Test func helpOverlayListsTheKeymapAndTooSmallSaysSo() {
        var state = DashboardState(width: 160, height: 60)
        _ = update(&state, .key(.character("?")))
        let screen = view.render(state).lines.joined(separator: "\n")
        #expect(screen.contains("Keys"))
        for binding in Keymap.bindings { #expect(screen.contains(binding.summary), "help lacks \(binding.label)") }
        let tiny = DashboardView(theme: Theme.builtIn["mono"]!).render(DashboardState(width: 30, height: 8)).lines
        #expect(tiny.contains { $0.contains("terminal too small") } && tiny.contains { $0.contains("30×8, needs 40×12") })
    }

    @Test func panelsShowTheRunAtEverySize() {
        var state = runState()
        for (w, h) in [(40, 12), (80, 24), (120, 40), (200, 60), (41, 100), (300, 13)] {
            _ = update(&state, .resize(width: w, height: h))
            for layout in LayoutPreset.allCases {
                state.layout = layout
                let lines = view.render(state).lines
                #expect(lines.count == h && lines[0].contains("r │ step 200/200"), "\(w)×\(h)")
                #expect(lines.joined().unicodeScalars.contains { $0.value > 0x2800 && $0.value <= 0x28FF }, "\(w)×\(h) \(layout): no braille")
            }
            state.layout = .grid
        }
    }

    @Test func anySizeRendersWithoutCrashing() {
        var state = runState(steps: 20)
        _ = keys(&state, .character("c"), .character("s"), .character("L"), .character("?"))
        for w in stride(from: 0, through: 90, by: 7) {
            for h in stride(from: 0, through: 40, by: 5) {
                _ = update(&state, .resize(width: w, height: h))
                #expect(view.render(state).lines.count == h)
            }
        }
    }

    @Test func statusBarSaysRateEtaSourceAndLiveness() {
        var state = runState(steps: 100)
        var config = JSONObject()
        config["steps"] = .number(400)
        state.runs["r"]!.config = config
        _ = update(&state, .frameTick(time: 1))
        let bar = view.render(state).lines[0]
        // 100 steps in 10 s of event time (the run event came at 0); 300 to go at 10 steps/s.
        #expect(bar.contains("step 100/400") && bar.contains("10 steps/s") && bar.contains("10 s · ETA 30 s") && bar.contains("test"))
        #expect(bar.contains("● live"))
        _ = update(&state, .frameTick(time: 10))
        #expect(view.render(state).lines[0].contains("○ idle"))
        _ = keys(&state, .character(" "))
        #expect(view.render(state).lines[0].contains("⏸ paused"))
    }

    @Test func paretoAndHessianPanelsDrawTheirData() {
        var state = runState(width: 160, height: 48)
        let objectives = [ParetoObjective(name: "bits", direction: .minimize), ParetoObjective(name: "test/acc", direction: .maximize)]
        for step in [100, 200] {
            let points = [ParetoPoint(values: [32, 0.99], label: "dense"), ParetoPoint(values: [4, 0.97], label: "4-bit"),
                          ParetoPoint(values: [8, 0.9], label: "8-bit bad")]
            _ = update(&state, .telemetry(.pareto(ParetoEvent(step: step, objectives: objectives, points: points))))
        }
        var estimator = JSONObject()
        estimator["method"] = .string("lanczos")
        estimator["top_k"] = .number(2)
        for step in stride(from: 10, through: 200, by: 10) {
            let density = SpectralDensity(grid: [0, 1, 2, 3], values: [5, 1, 0.1, 0.01], moments: [0.5, 1], momentStderr: [0.01, 0.02])
            _ = update(&state, .telemetry(.spectrum(SpectrumEvent(step: step, top: [1.5 + Double(step) / 100, 1], density: density,
                                                                  estimator: estimator,
                                                                  cost: SpectrumCost(hvps: 14, seconds: 0.25)))))
        }
        state.layout = .single
        state.focus = .pareto
        _ = keys(&state, .down)
        var screen = view.render(state).lines.joined(separator: "\n")
        #expect(screen.contains("step 200 · 3 points · 2 on front · HV") && screen.contains("◀ 2/2 ▶ live"))
        #expect(screen.contains("◆ dense: bits 32, test/acc 0.99") && screen.contains("hypervolume"))
        state.focus = .hessian
        screen = view.render(state).lines.joined(separator: "\n")
        #expect(screen.contains("lanczos k=2 · 14 HVPs · paused 0.25 s") && screen.contains("━ λ₁ 3.5") && screen.contains("━ 2/η 200"))
        #expect(screen.contains("density @ 200 · mean λ 0.5 ± 0.01") && screen.contains("spectrogram") && screen.contains("▀"))
        // 2/η = 200 is far above λ₁ = 3.5: not drawn on the top edge as if it were 3.5, but named there.
        #expect(screen.contains("2/η = 200 ↑"))
        let chartRows = view.render(state).lines.filter { $0.contains("┤") }
        #expect(!(chartRows.first ?? "").contains("⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉"), "no line pinned along the top row")
        // The 2/η line is plain gradient descent's threshold: other optimizers say what it ignores.
        state.runs["r"]!.knobs[2].value = .choice("adam")
        #expect(view.render(state).lines.joined().contains("━ 2/η (unpreconditioned) 200"))
    }
}
