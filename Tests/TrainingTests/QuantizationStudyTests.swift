import Testing
import Foundation
import Curvature
import NN
import Telemetry
import TensorCore
import Training

@Suite struct QuantizationStudyTests {
    /// Hutchinson per tensor against the exact trace of the same diagonal block of the full
    /// Hessian, Σᵢ eᵢᵀ H eᵢ over the tensor's coordinates, on a model small enough to take every product.
    @Test func tensorTracesMatchTheExactBlockTraces() throws {
        let trainer = Trainer(config: try smallConfig("grokking", ["p": "5", "hidden": "4"]), runID: "t", clock: fixedClock)
        _ = train(trainer, steps: 10)
        let layout = trainer.task.model.layout
        let full = trainer.task.hessian(at: trainer.state.parameters.converted(to: .float64))
        let estimates = trainer.tensorTraces(probes: 400)
        for entry in CompressionProbe.compressible(layout) {
            var exact = 0.0
            for i in entry.offset..<(entry.offset + entry.count) {
                var unit = [Double](repeating: 0, count: layout.count)
                unit[i] = 1
                exact += full(Tensor(shape: [layout.count], unit)).doubles[i]
            }
            let estimate = try #require(estimates[entry.name])
            #expect(abs(estimate.value - exact) <= 4 * estimate.standardError + 1e-4 * abs(exact), "\(entry.name): \(estimate.value) ± \(estimate.standardError) vs \(exact)")
        }
    }

    @Test func theAllocationHoldsItsBudgetAndSparesTheSensitiveTensor() {
        // Two tensors of 10 weights; "steep" loses 100× more per unit of rounding error.
        var sensitivity: [String: [QuantizationBits: Double]] = [:]
        for (name, scale) in [("flat", 1.0), ("steep", 100.0)] {
            for width in BitAllocation.widths { sensitivity[name, default: [:]][width] = scale * pow(2, -2 * width.bitsPerWeight) }
        }
        let counts = ["flat": 10, "steep": 10]
        let allocation = try! #require(BitAllocation.allocate(sensitivity, counts: counts, averageBits: 3))
        #expect(allocation["steep"]! > allocation["flat"]!)
        #expect((allocation["steep"]!.bitsPerWeight + allocation["flat"]!.bitsPerWeight) / 2 <= 3)
        #expect(BitAllocation.allocate(sensitivity, counts: counts, averageBits: 0.5) == nil, "below 1 bit everywhere")
    }

    /// The whole study on a small task: every family of points is on the front, labelled, and
    /// the phenomenon holds (ternary QAT below 4-bit QAT in test accuracy).
    @Test func theStudysFrontHoldsQATPTQAndMixedPrecision() throws {
        let config = try smallConfig("quantization", ["p": "23", "hidden": "32", "train_fraction": "0.7", "steps": "300", "eval_every": "50"])
        let study = Study(id: "q", base: config, plan: try QuantizationPlan(base: config), clock: fixedClock)
        var events = study.openingEvents()
        while !study.isFinished { events += study.step() }
        let front = try #require(events.compactMap { if case .pareto(let e) = $0 { e } else { nil } }.last)
        #expect(front.step == QuantizationPlan.widths.count && front.objectives.map(\.name) == ["model_bits", "test/acc"])
        let labels = front.points.compactMap(\.label)
        #expect(labels.filter { $0.hasPrefix("QAT") }.count == 6 && labels.filter { $0.hasPrefix("PTQ") }.count == 6 && labels.contains("32-bit"))
        #expect(labels.filter { $0.hasPrefix("hessian ≤") || $0.hasPrefix("uniform ≤") || $0.hasPrefix("inverse ≤") }.count == 9)
        let accuracy = Dictionary(uniqueKeysWithValues: front.points.map { ($0.label!, $0.values[1]) })
        #expect(accuracy["QAT 1.58-bit"]! < accuracy["QAT 4-bit"]!, "\(accuracy)")
        let traces = events.compactMap { if case .scalars(let s) = $0, s.values["hessian/trace/out.weight"] != nil { s } else { nil } }
        #expect(traces.count == 1 && traces[0].run == "q-fp32")
        let runs = events.compactMap { if case .run(let r) = $0 { r } else { nil } }
        #expect(runs.map(\.run) == ["q", "q-fp32", "q-qat8", "q-qat4", "q-qat3", "q-qat2", "q-qat1.58", "q-qat1"])
        #expect(runs.dropFirst().allSatisfy { $0.parent == "q" && $0.config["bits"] != nil })
    }
}
