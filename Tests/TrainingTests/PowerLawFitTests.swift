import Foundation
import Testing
import Telemetry
@testable import Training
import TestSupport

/// The scaling-law fit against scipy (Fixtures/scaling: make_power_law.py and its output) and on
/// exact data; the scaling study's front.
@Suite struct PowerLawFitTests {
    struct Fixture: Decodable {
        let sizes: [Double]
        let losses: [Double]
        let scipy: [String: Double]
    }

    @Test func exactDataIsRecovered() throws {
        let sizes = [10.0, 20, 50, 100, 200, 500]
        let fit = try #require(PowerLawFit.fit(sizes: sizes, losses: sizes.map { 3 * Double.pow($0, -0.7) + 0.02 }))
        #expect(abs(fit.alpha - 0.7) < 1e-6 && abs(fit.a - 3) < 1e-5 && abs(fit.c - 0.02) < 1e-7)
        #expect(PowerLawFit.fit(sizes: [1, 2], losses: [1, 0.5]) == nil)
        #expect(PowerLawFit.fit(sizes: [1, 2, 3], losses: [1, 0, 0.5]) == nil)
    }

    @Test func noisyDataMatchesScipy() throws {
        let url = TestPaths.repositoryRoot.appendingPathComponent("Tests/TrainingTests/Fixtures/scaling/power_law.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let fit = try #require(PowerLawFit.fit(sizes: fixture.sizes, losses: fixture.losses))
        for (name, value) in [("a", fit.a), ("alpha", fit.alpha), ("c", fit.c)] {
            #expect(abs(value - fixture.scipy[name]!) <= 1e-5 * abs(fixture.scipy[name]!), "\(name) \(value) vs scipy \(fixture.scipy[name]!)")
        }
        let intervals = fit.bootstrap(sizes: fixture.sizes, losses: fixture.losses, queries: [30_000])
        #expect(intervals.alpha.contains(fit.alpha) && intervals.alpha.upperBound - intervals.alpha.lowerBound < 0.3, "α interval \(intervals.alpha)")
        #expect(intervals.at[0].contains(fit(30_000)))
        #expect(fit.bootstrap(sizes: fixture.sizes, losses: fixture.losses, queries: [30_000]).alpha == intervals.alpha, "seeded")
    }

    /// A small scaling study: the front carries a fit once three widths are trained, predicts the
    /// held-out width before training it, and shows the result beside the prediction.
    @Test func scalingStudyPredictsTheHeldOutWidth() throws {
        var config = try smallConfig("scaling", ["steps": "40", "samples": "64"])
        try config.set(.evalEvery, 40)
        let study = Study(id: "s", base: config, plan: try ScalingPlan(base: config, widths: [1, 2, 3], heldOut: 5), clock: fixedClock)
        var fronts: [ParetoEvent] = []
        while !study.isFinished {
            for case .pareto(let p) in study.step() { fronts.append(p) }
        }
        #expect(fronts.count == 4)
        #expect(ScalingFit(json: fronts[1].extra["fit"]) == nil, "no fit before three points")
        let before = try #require(ScalingFit(json: fronts[2].extra["fit"]))
        #expect(before.prediction?.size == 5 * 5 + 7 * 5 + 1 && before.actual == nil)
        let after = try #require(ScalingFit(json: fronts[3].extra["fit"]))
        #expect(after.prediction == before.prediction && after.actual == fronts[3].points.last!.values[1])
        #expect(fronts[3].points.last!.label!.contains("held out; predicted"))
        #expect(ScalingFit(json: after.jsonValue) == after)
    }
}
