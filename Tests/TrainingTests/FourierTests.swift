import Foundation
import Testing
import TensorCore
import Telemetry
@testable import Training
import TestSupport

/// The Fourier measures against an independent numpy computation on a saved checkpoint
/// (Fixtures/fourier: the checkpoint, make_expected.py and its output).
@Suite struct FourierTests {
    struct Expected: Decodable {
        let p: Int
        let spectrum: [Double]
        let key_frequencies: [Int]
        let circuit_share: Double
        let restricted_loss: Double
        let excluded_loss: Double
    }

    @Test func measuresMatchTheNumpyReference() throws {
        let folder = TestPaths.repositoryRoot.appendingPathComponent("Tests/TrainingTests/Fixtures/fourier")
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        let state = try Checkpoint.load(path: folder.appendingPathComponent("checkpoint.safetensors").path)
        let trainer = Trainer(resuming: state, runID: "f", clock: fixedClock)
        let measures = try #require(trainer.fourierMeasures(step: state.step))
        // The spectrum is float64 arithmetic on the stored weights; the logits come from the model's
        // float32 forward pass (numpy's is float64), so the losses agree to float32 precision.
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }
        func closeLogits(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-6 * max(1, abs(b)) }
        #expect(measures.spectrum.counts.count == expected.spectrum.count)
        #expect(zip(measures.spectrum.counts, expected.spectrum).allSatisfy(close))
        #expect(measures.spectrum.extra["key_frequencies"]?.array?.compactMap(\.number).map { Int($0) } == expected.key_frequencies)
        #expect(closeLogits(measures.values["fourier/restricted_loss"]!, expected.restricted_loss))
        #expect(closeLogits(measures.values["fourier/excluded_loss"]!, expected.excluded_loss))
        #expect(closeLogits(measures.values["fourier/circuit_share"]!, expected.circuit_share))
        #expect(measures.values["fourier/key_count"] == Double(expected.key_frequencies.count))
    }

    /// Logits that are exactly a sum of key-frequency waves of s = a + b: the restricted logits are
    /// the logits themselves, and excluding them leaves uniform logits (loss ln p).
    @Test func pureFourierLogitsAreAllCircuit() {
        let p = 7
        var logits = [Double](repeating: 0, count: p * p * p)
        for a in 0..<p {
            for b in 0..<p {
                for c in 0..<p {
                    logits[(a * p + b) * p + c] = 5 * cos(2 * Double.pi * 2 * Double(a + b - c) / Double(p))
                }
            }
        }
        let analysis = FourierAnalysis(p: p, embeddings: [], logits: logits, trainPairs: Array(0..<(p * p)), sign: 1)
        #expect(analysis.keyFrequencies == [2])
        #expect(abs(analysis.circuitShare - 1) < 1e-12)
        let direct = (0..<p).map { s in FourierAnalysis.crossEntropy((0..<p).map { 5 * cos(2 * Double.pi * 2 * Double(s - $0) / Double(p)) }, label: s) }
        #expect(abs(analysis.restrictedLoss - direct.reduce(0, +) / Double(p)) < 1e-12)
        #expect(abs(analysis.excludedLoss - log(Double(p))) < 1e-12)
    }

    @Test func phasesFollowTheProgressMeasures() {
        var detector = PhaseDetector()
        var names: [String] = []
        func observe(_ step: Int, train: Double, excluded: Double?, restricted: Double?) {
            let values: [String: Double] = ["train/acc": train, "fourier/excluded_loss": excluded ?? .nan, "fourier/restricted_loss": restricted ?? .nan]
            names += detector.observe(run: "r", step: step, time: nil) { name in values[name].flatMap { $0.isNaN ? nil : $0 } }.map(\.name)
        }
        observe(100, train: 0.5, excluded: 0.1, restricted: 3)        // before memorization: ignored
        observe(200, train: 1, excluded: 0.5, restricted: 2)
        observe(300, train: 1, excluded: 0.4, restricted: 0.05)        // new lowest; no circuit yet, so no cleanup
        observe(400, train: 1, excluded: 0.47, restricted: 0.04)       // < 1.2 × 0.4
        observe(500, train: 1, excluded: 0.49, restricted: 0.03)       // ≥ 1.2 × 0.4, and restricted ≤ ln(10/9)
        #expect(names == ["memorization", "circuit_formation", "cleanup"])
        #expect(detector.circuitFormedAt == 500 && detector.cleanupAt == 500 && detector.lowestExcludedStep == 300)
    }
}
