import Testing
import JSONCore
import Telemetry

@Suite struct PhaseDetectorTests {
    /// Feeds steps of `[metric: value]` and returns the phases found, as (name, step).
    func phases(_ steps: [(Int, [String: Double])], detector: inout PhaseDetector) -> [PhaseEvent] {
        steps.flatMap { step, values in detector.observe(run: "r", step: step, time: nil) { values[$0] } }
    }

    @Test func memorizationThenGeneralizationWithTheDelay() {
        var detector = PhaseDetector()
        let found = phases([(10, ["train/acc": 0.5, "test/acc": 0.1]), (100, ["train/acc": 0.995, "test/acc": 0.2]),
                            (150, ["train/acc": 1, "test/acc": 0.5]), (400, ["train/acc": 1, "test/acc": 0.99])], detector: &detector)
        #expect(found.map(\.name) == ["memorization", "generalization"])
        #expect(found.map(\.step) == [100, 400])
        #expect(found[1].evidence["delay_steps"] == .number(300) && found[1].evidence["memorization_step"] == .number(100))
        #expect(found[1].message == "test accuracy reached 99% at step 400, 300 steps (4×) after memorization")
        #expect(found.allSatisfy { $0.run == "r" && !$0.isDerived })
        #expect(phases([(500, ["train/acc": 1, "test/acc": 1])], detector: &detector).isEmpty, "each phase once")
    }

    @Test func otherLibrariesNamesAreReadAndPercentagesAreNotFractions() {
        var detector = PhaseDetector(marksDerived: true)
        let found = phases([(1, ["train_acc": 99.5, "val_acc": 50]), (2, ["train_acc": 0.999, "val_acc": 0.3]),
                            (3, ["eval/accuracy": 0.991])], detector: &detector)
        #expect(found.map(\.name) == ["memorization", "generalization"])
        #expect(found.map(\.step) == [2, 3], "99.5 is not a fraction: it is skipped, not read as reached")
        #expect(found[0].evidence["train_acc"] == .number(0.999) && found[1].evidence["eval/accuracy"] == .number(0.991))
        #expect(found.allSatisfy { $0.isDerived })
        let columns = PhaseDetector.columns(of: ["x", "accuracy", "train/acc", "val/acc", "loss"])
        #expect(columns.trainAccuracy == 2 && columns.testAccuracy == 3 && columns.trainLoss == 4,
                "trainscope's own names come before the generic ones")
    }

    @Test func aNonFiniteLossIsDivergence() {
        var detector = PhaseDetector()
        let found = phases([(1, ["train/loss": 2]), (2, ["train/loss": .nan])], detector: &detector)
        #expect(found.map(\.name) == ["diverged"] && found[0].step == 2)
        #expect(found[0].evidence["rule"] == .string("non-finite"))
        #expect(found[0].message == "training loss became NaN at step 2")
    }

    @Test func aRiseAboveTenTimesTheMinimumAndTheStartForThreeObservationsIsDivergence() {
        var detector = PhaseDetector()
        let found = phases([(1, ["loss": 4]), (2, ["loss": 0.3]), (3, ["loss": 2.9]), (4, ["loss": 3.5]), (5, ["loss": 4.5]),
                            (6, ["loss": 5]), (7, ["loss": 6])], detector: &detector)
        #expect(found.map(\.step) == [7], "2.9 and 3.5 are above 10× 0.3 but below the first loss 4; 4.5 starts the run of three")
        #expect(found[0].evidence["running_min"] == .number(0.3) && found[0].evidence["rule"] == .string("rise"))
        #expect(found[0].evidence["since"] == .number(5))
    }

    /// Full-batch gradient descent at the edge of stability: the loss spikes past both bounds for
    /// two observations (a catapult, as the eos preset's at step 145) and recovers.
    @Test func anEdgeOfStabilityCatapultIsNotDivergence() {
        var detector = PhaseDetector()
        let losses: [Double] = [0.29, 0.12, 0.09, 1.01, 0.95, 0.12, 0.1, 1.2, 0.08]
        #expect(phases(losses.enumerated().map { ($0.offset, ["train/loss": $0.element]) }, detector: &detector).isEmpty)
        #expect(detector.risingCount == 0 && detector.risingSince == nil)
    }

    @Test func aSlingshotFromNearZeroIsNotDivergence() {
        var detector = PhaseDetector()
        let losses: [Double] = [4.6, 1, 1e-3, 1e-6, 1e-2, 0.5, 1e-5]
        #expect(phases(losses.enumerated().map { ($0.offset, ["train/loss": $0.element]) }, detector: &detector).isEmpty)
    }

    @Test func aPhaseTheSourceReportedIsNotDetectedAgain() {
        var detector = PhaseDetector()
        detector.noteReported(PhaseEvent(step: 50, name: "memorization"))
        let found = phases([(60, ["train/acc": 1, "test/acc": 1])], detector: &detector)
        #expect(found.map(\.name) == ["generalization"])
        #expect(found[0].evidence["delay_steps"] == .number(10), "the reported step is the memorization step")
    }
}
