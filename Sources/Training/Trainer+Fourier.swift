import TensorCore
import NN
import Telemetry
import JSONCore

/// The Fourier measures of a modular-addition MLP, as scalars and a spectrum.
extension Trainer {
    /// `fourier/restricted_loss`, `fourier/excluded_loss`, `fourier/circuit_share`, `fourier/key_count` and the
    /// `fourier/embedding` spectrum (a histogram over frequencies, its key frequencies in
    /// `extra.key_frequencies`) at the deployed weights; nil unless the model is the token-pair MLP
    /// on addition or subtraction.
    func fourierMeasures(step: Int) -> (values: [String: Double], spectrum: HistogramEvent)? {
        guard let model = task.model as? TokenPairMLP else { return nil }
        let sign: Int
        switch state.config[.op] {
        case .add: sign = 1
        case .subtract: sign = -1
        default: return nil
        }
        let p = model.vocabulary, layout = task.model.layout, weights = deployedParameters
        let tensors = layout.split(weights)
        let embeddings = ["embed_a.weight", "embed_b.weight"].map { name in
            tensors[layout.entries.firstIndex { $0.name == name }!].doubles
        }
        let pairs = (0..<(p * p)).map { Int32($0) }
        // Every pair (a, b); the forward pass never reads the labels.
        let everyPair = Dataset(input: .tokenPairs(a: pairs.map { $0 / Int32(p) }, b: pairs.map { $0 % Int32(p) }),
                                target: .classes([Int32](repeating: 0, count: p * p), count: p))
        let logits = output(on: everyPair, parameters: weights).doubles
        let analysis = FourierAnalysis(p: p, embeddings: embeddings, logits: logits, trainPairs: task.trainIndices, sign: sign)
        let values = ["fourier/restricted_loss": analysis.restrictedLoss, "fourier/excluded_loss": analysis.excludedLoss,
                      "fourier/circuit_share": analysis.circuitShare, "fourier/key_count": Double(analysis.keyFrequencies.count)]
        var extra = JSONObject()
        extra["key_frequencies"] = .array(analysis.keyFrequencies.map { .number(Double($0)) })
        let spectrum = HistogramEvent(run: runID, step: step, time: clock(), name: "fourier/embedding",
                                      edges: (0...analysis.spectrum.count).map { Double($0) - 0.5 }, counts: analysis.spectrum, extra: extra)
        return (values, spectrum)
    }
}
