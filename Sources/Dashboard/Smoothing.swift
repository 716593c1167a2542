import TerminalUI

/// How the curves panel smooths a series. Computed in `update` on the full-resolution points as they
/// arrive (before the multi-resolution store downsamples them), never in the view.
public enum SmoothingKind: String, Sendable, Hashable, CaseIterable {
    case none
    /// TensorBoard's debiased exponential moving average, weight per point.
    case ema
    /// Time-weighted EMA: the weight decays with the x distance between points (a half-life in
    /// steps), so series logged at different rates are smoothed alike.
    case twema
    /// A centred Gaussian window over points (σ in points); the newest 3σ points use a truncated window.
    case gaussian

    /// The next kind in the order the `s` key steps through.
    public var next: SmoothingKind { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
}

/// A smoothing kind and its strength level (`[` and `]` step through the levels).
public struct Smoothing: Sendable, Hashable {
    public var kind: SmoothingKind
    /// 0 (lightest) … `levels − 1` (strongest).
    public var level: Int

    public static let levels = 7
    public static let none = Smoothing(kind: .none, level: 3)

    public init(kind: SmoothingKind, level: Int) { self.kind = kind; self.level = Swift.min(Self.levels - 1, Swift.max(0, level)) }

    static let emaWeights = [0.6, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995]
    static let halfLives = [5.0, 10, 25, 50, 100, 250, 500]
    static let sigmas = [1, 2, 4, 8, 16, 32, 64]

    /// The EMA weight per point.
    public var emaWeight: Double { Self.emaWeights[level] }
    /// The TWEMA half-life in x units (steps).
    public var halfLife: Double { Self.halfLives[level] }
    /// The Gaussian σ in points.
    public var sigma: Int { Self.sigmas[level] }

    /// Shown in chart titles: `ema 0.95`, `twema ½ 50 steps`, `gauss σ 8`.
    public var label: String {
        switch kind {
        case .none: "raw"
        case .ema: "ema \(NumberFormat.short(emaWeight))"
        case .twema: "twema ½ \(NumberFormat.short(halfLife)) steps"
        case .gaussian: "gauss σ \(sigma)"
        }
    }
}

/// The running state of one series' smoothing: points in, finished smoothed points out.
struct Smoother: Sendable, Equatable {
    let settings: Smoothing
    private var average = 0.0
    private var debias = 0.0
    private var previousX: Double?
    /// The Gaussian's recent raw points: the last `2r + 1`, r = 3σ.
    private var window: [Point] = []
    private var windowStart = 0
    private let weights: [Double]

    struct Point: Sendable, Equatable { var x: Double; var y: Double }

    init(_ settings: Smoothing) {
        self.settings = settings
        if settings.kind == .gaussian {
            let sigma = Double(settings.sigma)
            weights = (0...(3 * settings.sigma)).map { k in
                NumberFormat.exp10(-Double(k * k) / (2 * sigma * sigma) * 0.434_294_481_903_251_8)
            }
        } else {
            weights = []
        }
    }

    var radius: Int { weights.count - 1 }

    /// Feeds one point; returns the smoothed points that are now final (non-finite y pass through as is).
    mutating func push(x: Double, y: Double) -> [Point] {
        switch settings.kind {
        case .none: return [Point(x: x, y: y)]
        case .ema, .twema:
            guard y.isFinite else { return [Point(x: x, y: y)] }
            if settings.kind == .ema {
                // TensorBoard: the new point weighs 1 − w, and dividing by the weights' sum debiases.
                let w = settings.emaWeight
                average = average * w + (1 - w) * y
                debias = debias * w + (1 - w)
            } else {
                // W&B's time-weighted form: every point weighs 1, older ones decay with their distance.
                let dx = previousX.map { Swift.max(0, x - $0) } ?? 0
                let w = NumberFormat.exp10(-dx / settings.halfLife * 0.301_029_995_663_981_2)
                average = average * w + y
                debias = debias * w + 1
            }
            previousX = x
            return [Point(x: x, y: average / debias)]
        case .gaussian:
            guard y.isFinite else { return [] }
            window.append(Point(x: x, y: y))
            if window.count - windowStart > 2 * radius + 1 { windowStart += 1 }
            if windowStart > 4096 { window.removeFirst(windowStart); windowStart = 0 }
            // The point `radius` back from the newest now has its whole right half.
            let center = window.count - 1 - radius
            guard center >= windowStart else { return [] }
            return [gaussian(at: center)]
        }
    }

    /// Smoothed values of the points that are not final yet (the newest r of a Gaussian, whose
    /// window is truncated on the right); empty for the other kinds.
    func provisional() -> [Point] {
        guard settings.kind == .gaussian else { return [] }
        let first = Swift.max(windowStart, window.count - radius)
        return (first..<window.count).map { gaussian(at: $0) }
    }

    private func gaussian(at center: Int) -> Point {
        var sum = 0.0, total = 0.0
        for i in Swift.max(windowStart, center - radius)...Swift.min(window.count - 1, center + radius) {
            let w = weights[abs(i - center)]
            sum += w * window[i].y
            total += w
        }
        return Point(x: window[center].x, y: sum / total)
    }
}
