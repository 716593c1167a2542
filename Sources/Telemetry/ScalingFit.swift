import JSONCore

/// A fitted scaling law drawn through a front's points: the `fit` field of a `pareto` event
/// (PROTOCOL.md, "Scaling fits"). Values only: the producer fits, consumers draw.
public struct ScalingFit: Sendable, Equatable {
    /// One point of the fitted curve: size, the law's loss there, and its interval.
    public struct Sample: Sendable, Equatable {
        public var size: Double
        public var loss: Double
        public var low: Double
        public var high: Double

        public init(size: Double, loss: Double, low: Double, high: Double) {
            self.size = size; self.loss = loss; self.low = low; self.high = high
        }
    }

    /// The law as text (`a·N^-α + c`) and its parameters by name (`a`, `alpha`, `c`).
    public var law: String
    public var parameters: [(name: String, value: Double, low: Double?, high: Double?)]
    /// The curve over the fitted range and beyond, ascending in size.
    public var curve: [Sample]
    /// The loss predicted for a size not yet trained, with its interval; `actual` once it is trained.
    public var prediction: Sample?
    public var actual: Double?

    public init(law: String, parameters: [(name: String, value: Double, low: Double?, high: Double?)], curve: [Sample],
                prediction: Sample? = nil, actual: Double? = nil) {
        self.law = law; self.parameters = parameters; self.curve = curve; self.prediction = prediction; self.actual = actual
    }

    public static func == (lhs: ScalingFit, rhs: ScalingFit) -> Bool {
        lhs.law == rhs.law && lhs.curve == rhs.curve && lhs.prediction == rhs.prediction && lhs.actual == rhs.actual
            && lhs.parameters.count == rhs.parameters.count
            && zip(lhs.parameters, rhs.parameters).allSatisfy { $0.name == $1.name && $0.value == $1.value && $0.low == $1.low && $0.high == $1.high }
    }

    /// `{"law": …, "parameters": {"alpha": [value, low, high], …}, "curve": [[N, L, low, high], …],
    /// "prediction": [N, L, low, high], "actual": L}`.
    public var jsonValue: JSONValue {
        var object = JSONObject()
        object["law"] = .string(law)
        object["parameters"] = .object(JSONObject(parameters.map { p in
            (p.name, JSONValue.numbers([p.value] + (p.low.map { [$0] } ?? []) + (p.high.map { [$0] } ?? [])))
        }))
        object["curve"] = .array(curve.map { .numbers([$0.size, $0.loss, $0.low, $0.high]) })
        if let prediction { object["prediction"] = .numbers([prediction.size, prediction.loss, prediction.low, prediction.high]) }
        if let actual { object["actual"] = .number(actual) }
        return .object(object)
    }

    /// Reads the `fit` field back; nil when it is absent or malformed (consumers then draw the points alone).
    public init?(json: JSONValue?) {
        guard let object = json?.object, let law = object["law"]?.string, let curveValues = object["curve"]?.array else { return nil }
        func sample(_ value: JSONValue) -> Sample? {
            guard let xs = value.array?.compactMap(\.number), xs.count == 4, xs.allSatisfy(\.isFinite) else { return nil }
            return Sample(size: xs[0], loss: xs[1], low: xs[2], high: xs[3])
        }
        let curve = curveValues.compactMap(sample)
        guard curve.count == curveValues.count else { return nil }
        var parameters: [(name: String, value: Double, low: Double?, high: Double?)] = []
        for (name, value) in object["parameters"]?.object ?? JSONObject() {
            guard let xs = value.array?.compactMap(\.number), !xs.isEmpty else { return nil }
            parameters.append((name, xs[0], xs.count > 2 ? xs[1] : nil, xs.count > 2 ? xs[2] : nil))
        }
        self.init(law: law, parameters: parameters, curve: curve, prediction: object["prediction"].flatMap(sample),
                  actual: object["actual"]?.number)
    }
}
