import Foundation
import TensorCore
import NN

/// The binary operations of the modular-arithmetic task (config key `op`).
public enum ModularOperation: String, Sendable, CaseIterable {
    /// a + b mod p
    case add
    /// a − b mod p
    case subtract = "sub"
    /// a · b mod p
    case multiply = "mul"
    /// a · b⁻¹ mod p, b ≠ 0 (p must be prime)
    case divide = "div"
    /// a² + ab + b² mod p
    case quadratic = "x2xyy2"

    /// The result of `a ∘ b mod p`, or nil for pairs outside the domain (division by 0).
    public func apply(_ a: Int, _ b: Int, p: Int) -> Int? {
        switch self {
        case .add: return (a + b) % p
        case .subtract: return ((a - b) % p + p) % p
        case .multiply: return (a * b) % p
        case .divide:
            guard b != 0 else { return nil }
            return (a * modularPower(b, p - 2, p)) % p  // Fermat: b⁻¹ = b^(p−2) mod p
        case .quadratic: return (a * a + a * b + b * b) % p
        }
    }
}

/// bᵉ mod m by repeated squaring.
func modularPower(_ base: Int, _ exponent: Int, _ modulus: Int) -> Int {
    var result = 1, b = base % modulus, e = exponent
    while e > 0 {
        if e & 1 == 1 { result = result * b % modulus }
        b = b * b % modulus
        e >>= 1
    }
    return result
}

/// True when n is prime (trial division; p is small).
public func isPrime(_ n: Int) -> Bool {
    if n < 2 { return false }
    var d = 2
    while d * d <= n {
        if n % d == 0 { return false }
        d += 1
    }
    return true
}

/// Builds the data of each task deterministically from the config and its seed.
public enum TaskFactory {
    /// The task named by `config.task`, its split, and its model.
    public static func make(_ config: TrainingConfig) -> TaskInstance {
        var rng = SeededRNG(seed: UInt64(config[.seed]) &+ 0x5EED_DA7A)
        var task: TaskInstance
        switch config[.task] {
        case .teacherStudent: task = teacherStudent(config, &rng)
        case .spirals: task = spirals(config, &rng)
        case .modular: task = modular(config, &rng)
        }
        // Its own stream, so a noiseless config builds exactly the data it always did.
        var noiseRNG = SeededRNG(seed: UInt64(config[.seed]) &+ 0x0015_E1AB)
        task.train = task.train.withLabelNoise(config[.labelNoise], rng: &noiseRNG)
        return task
    }

    /// All pairs (a, b) in the operation's domain, ordered by a·p + b; a seeded shuffle picks the
    /// first ⌊fraction·N⌋ as the train set.
    static func modular(_ config: TrainingConfig, _ rng: inout SeededRNG) -> TaskInstance {
        let p = config[.p]
        let operation = config[.op]
        var a: [Int32] = [], b: [Int32] = [], labels: [Int32] = []
        for x in 0..<p {
            for y in 0..<p {
                guard let z = operation.apply(x, y, p: p) else { continue }
                a.append(Int32(x)); b.append(Int32(y)); labels.append(Int32(z))
            }
        }
        let all = Dataset(input: .tokenPairs(a: a, b: b), target: .classes(labels, count: p))
        var order = Array(0..<all.count)
        order.shuffle(using: &rng)
        let trainCount = max(1, min(all.count - 1, Int(config[.trainFraction] * Double(all.count))))
        let trainIndices = Array(order[..<trainCount]).sorted()
        let testIndices = Array(order[trainCount...]).sorted()
        let activation = config[.activation]
        let model: any Model = config[.model] == .transformer
            ? TokenPairTransformer(vocabulary: p, dimension: config[.hidden], heads: config[.heads], classes: p,
                                   activation: activation)
            : TokenPairMLP(vocabulary: p, hidden: config[.hidden], classes: p, activation: activation,
                           embeddingStd: config[.embeddingStd])
        return TaskInstance(
            train: all.subset(trainIndices), test: all.subset(testIndices), model: model, trainIndices: trainIndices,
            splitDescription: "pairs (a,b) of the domain in order a*p+b; data.train_indices lists the train pairs",
            description: "a \(operation.rawValue) b mod \(p), train fraction \(config[.trainFraction])",
            chanceAccuracy: 1 / Double(p))
    }

    /// Regression onto a random tanh teacher MLP with Gaussian inputs and label noise.
    static func teacherStudent(_ config: TrainingConfig, _ rng: inout SeededRNG) -> TaskInstance {
        let d = config[.inputDim], n = config[.samples]
        let teacher = FeatureMLP(widths: [d, config[.teacherHidden], 1], activation: .tanh)
        let teacherWeights = teacher.initialParameters(&rng, dtype: .float64).scaled(by: 2)
        let x = rng.normalTensor([2 * n, d], std: 1, dtype: .float64)
        let clean = teacher.forward(.features(x), ParameterVariables(layout: teacher.layout, flat: teacherWeights, requiresGrad: false)).value
        let y = clean + rng.normalTensor(clean.shape, std: config[.noise], dtype: .float64)
        let all = Dataset(input: .features(x.converted(to: .float32)), target: .values(y.converted(to: .float32)))
        let model = FeatureMLP(widths: [d, config[.hidden], config[.hidden], 1],
                               activation: config[.activation])
        return TaskInstance(
            train: all.subset(Array(0..<n)), test: all.subset(Array(n..<(2 * n))), model: model, trainIndices: Array(0..<n),
            splitDescription: "2n Gaussian inputs; the first n are the train set",
            description: "teacher-student regression, d=\(d), n=\(n)", chanceAccuracy: nil)
    }

    /// Two interleaved spirals in the plane, one class each, with Gaussian jitter.
    static func spirals(_ config: TrainingConfig, _ rng: inout SeededRNG) -> TaskInstance {
        let n = config[.samples], noise = config[.noise], turns = config[.turns]
        var points: [Double] = [], labels: [Int32] = []
        for i in 0..<(2 * n) {
            let cls = i % 2
            let t = Double(i / 2) / Double(n) * turns * 2 * .pi + 0.3
            let r = t / (turns * 2 * .pi)
            let sign: Double = cls == 0 ? 1 : -1
            points += [sign * r * cos(t) + noise * rng.normal(), sign * r * sin(t) + noise * rng.normal()]
            labels.append(Int32(cls))
        }
        let all = Dataset(input: .features(Tensor(shape: [2 * n, 2], points.map(Float.init))), target: .classes(labels, count: 2))
        var order = Array(0..<(2 * n))
        order.shuffle(using: &rng)
        let trainIndices = Array(order[..<n]).sorted(), testIndices = Array(order[n...]).sorted()
        let model: any Model = config[.exits] > 1
            ? EarlyExitMLP(inputs: 2, hidden: config[.hidden], blocks: config[.exits], classes: 2, activation: config[.activation])
            : FeatureMLP(widths: [2, config[.hidden], config[.hidden], 2], activation: config[.activation])
        return TaskInstance(
            train: all.subset(trainIndices), test: all.subset(testIndices), model: model, trainIndices: trainIndices,
            splitDescription: "2n spiral points; a seeded shuffle picks n for training",
            description: "two spirals, \(turns) turns, n=\(n)", chanceAccuracy: 0.5)
    }
}
