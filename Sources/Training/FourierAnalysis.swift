import Foundation

/// What a network that groks modular addition has learned, in Fourier terms (Nanda et al. 2023,
/// "Progress measures for grokking via mechanistic interpretability"): the embeddings' spectrum
/// over the p frequencies, the key frequencies, and the restricted and excluded losses.
///
/// With s = a + b mod p (a − b for subtraction) and ω_k = 2πk/p, the logits of class c over the
/// p² inputs are projected onto the directions cos(ω_k s) and sin(ω_k s), k = 1 … ⌊p/2⌋:
/// - the key frequencies are the fewest that carry `keyPower` of the logits' power along those
///   directions, largest first. Nanda et al.'s transformer uses about 5; the square-activation
///   MLP of the grokking preset spreads its circuit over about 30 (as Gromov 2023 predicts), so a
///   fixed count would miss most of it;
/// - restricted loss: the loss, over all p² pairs, of the logits kept to the key directions plus
///   each class's mean logit — what the Fourier circuit alone achieves. It falls before test loss;
/// - excluded loss: the loss, over the train pairs, of the logits with the key directions removed —
///   what memorization alone achieves. It rises while the circuit forms, as train loss stays low;
/// - circuit share: the share of the logits' variance (about each class's mean) along all the
///   cos/sin(ω_k s) directions.
public struct FourierAnalysis: Sendable, Equatable {
    /// The share of the logits' Fourier power along s that the key frequencies carry.
    public static let keyPower = 0.9

    /// The norm of each frequency k = 0 … ⌊p/2⌋ over both embedding tables: √Σ_h (C_kh² + S_kh²),
    /// C_kh = Σ_t E[t, h] cos(ω_k t), S_kh = Σ_t E[t, h] sin(ω_k t).
    public let spectrum: [Double]
    /// The key frequencies (k ≥ 1), largest logit power first.
    public let keyFrequencies: [Int]
    public let circuitShare: Double
    public let restrictedLoss: Double
    public let excludedLoss: Double

    /// Measures embeddings (each `[p, h]`, row-major) and `logits` `[p², p]` over every pair in
    /// order a·p + b; `trainPairs` are the train pairs' indices in that order; `sign` is +1 for
    /// a + b, −1 for a − b.
    public init(p: Int, embeddings: [[Double]], logits: [Double], trainPairs: [Int], sign: Int) {
        precondition(logits.count == p * p * p, "logits must be [p², p]")
        let frequencies = p / 2 + 1
        // cos(ω_k t) and sin(ω_k t), `[frequency][t]`.
        let cosTable = (0..<frequencies).map { k in (0..<p).map { cos(2 * Double.pi * Double(k * $0 % p) / Double(p)) } }
        let sinTable = (0..<frequencies).map { k in (0..<p).map { sin(2 * Double.pi * Double(k * $0 % p) / Double(p)) } }
        var power = [Double](repeating: 0, count: frequencies)
        for table in embeddings {
            let hidden = table.count / p
            // Every hidden unit's sums at once, row by row (each still adds over t in order).
            var c = [Double](repeating: 0, count: hidden), s = c
            for k in 0..<frequencies {
                for h in 0..<hidden { c[h] = 0; s[h] = 0 }
                for t in 0..<p {
                    let cosine = cosTable[k][t], sine = sinTable[k][t], row = t * hidden
                    for h in 0..<hidden {
                        c[h] += table[row + h] * cosine
                        s[h] += table[row + h] * sine
                    }
                }
                for h in 0..<hidden { power[k] += c[h] * c[h] + s[h] * s[h] }
            }
        }
        spectrum = power.map { $0.squareRoot() }

        // Sums of each class's logits along the diagonals s(a, b) = s: `diagonal[s·p + c]`.
        func pairSum(_ a: Int, _ b: Int) -> Int { ((a + sign * b) % p + p) % p }
        var diagonal = [Double](repeating: 0, count: p * p), mean = [Double](repeating: 0, count: p)
        for a in 0..<p {
            for b in 0..<p {
                let s = pairSum(a, b), row = (a * p + b) * p
                for c in 0..<p {
                    diagonal[s * p + c] += logits[row + c]
                    mean[c] += logits[row + c]
                }
            }
        }
        mean = mean.map { $0 / Double(p * p) }
        var variance = 0.0
        for row in 0..<(p * p) {
            for c in 0..<p { variance += (logits[row * p + c] - mean[c]) * (logits[row * p + c] - mean[c]) }
        }
        // Each class's coefficients on cos(ω_k s) and sin(ω_k s); ‖cos(ω_k s)‖² over the p² pairs is p²/2.
        var cosines = [[Double]](), sines = [[Double]](), logitPower = [Double](repeating: 0, count: frequencies)
        for k in 0..<frequencies {
            var alpha = [Double](repeating: 0, count: p), beta = [Double](repeating: 0, count: p)
            if k > 0 {
                // Row by row of the diagonal sums; each class still adds over s in order.
                for s in 0..<p {
                    let cosine = cosTable[k][s], sine = sinTable[k][s]
                    for c in 0..<p {
                        alpha[c] += diagonal[s * p + c] * cosine
                        beta[c] += diagonal[s * p + c] * sine
                    }
                }
                for c in 0..<p {
                    alpha[c] /= Double(p * p) / 2
                    beta[c] /= Double(p * p) / 2
                    logitPower[k] += (alpha[c] * alpha[c] + beta[c] * beta[c]) * Double(p * p) / 2
                }
            }
            cosines.append(alpha)
            sines.append(beta)
        }
        let total = logitPower.reduce(0, +)
        circuitShare = variance > 0 ? total / variance : 0
        var keys: [Int] = [], carried = 0.0
        for k in (1..<frequencies).sorted(by: { logitPower[$0] != logitPower[$1] ? logitPower[$0] > logitPower[$1] : $0 < $1 }) {
            guard carried < Self.keyPower * total || keys.isEmpty else { break }
            keys.append(k)
            carried += logitPower[k]
        }
        keyFrequencies = keys
        // The key directions' part of the logits, a function of s alone: `keyPart[s·p + c]`.
        var keyPart = [Double](repeating: 0, count: p * p)
        for k in keys {
            for s in 0..<p {
                for c in 0..<p { keyPart[s * p + c] += cosines[k][c] * cosTable[k][s] + sines[k][c] * sinTable[k][s] }
            }
        }
        // Every s has exactly p pairs, so the mean over all pairs is the mean over s.
        restrictedLoss = (0..<p).map { s in
            Self.crossEntropy((0..<p).map { mean[$0] + keyPart[s * p + $0] }, label: s)
        }.reduce(0, +) / Double(p)
        excludedLoss = trainPairs.map { index in
            let s = pairSum(index / p, index % p)
            return Self.crossEntropy((0..<p).map { logits[index * p + $0] - keyPart[s * p + $0] }, label: s)
        }.reduce(0, +) / Double(max(trainPairs.count, 1))
    }

    /// −log softmax(logits)[label], computed stably.
    static func crossEntropy(_ logits: [Double], label: Int) -> Double {
        let top = logits.max()!
        return top + log(logits.map { exp($0 - top) }.reduce(0, +)) - logits[label]
    }
}
