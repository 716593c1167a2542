import JSONCore
import Testing
import Telemetry

/// One example of every event kind, with awkward numbers and names.
let everyKind: [TelemetryEvent] = [
    .run(RunEvent(run: "grok-1", parent: "grok-0", task: "modular", model: "mlp",
                  config: JSONObject([("lr", .number(1e-3)), ("optimizer", .string("adamw")), ("p", .number(97))]),
                  knobs: [KnobSpec(name: "lr", value: .number(1e-3), min: 1e-6, max: 1, scale: .log, step: 2),
                          KnobSpec(name: "optimizer", value: .choice("adamw"), choices: ["sgd", "adam", "adamw"])],
                  time: 1_763_800_000.25)),
    .scalars(ScalarsEvent(run: "grok-1", step: 120, time: 1_763_800_000.25,
                          values: ["train/loss": 0.12, "test/acc": 0.41, "损失/训练": 1e308, "tiny": .leastNonzeroMagnitude,
                                   "neg-zero": -0.0, "nan": .nan, "inf": .infinity, "ninf": -.infinity,
                                   "αβγ 🚀": 123_456_789.123456789])),
    .spectrum(SpectrumEvent(run: "grok-1", step: 500, time: 1_763_800_010, top: [41.5, 12.25, -0.5], trace: 88.1,
                            traceStderr: 0.7, density: SpectralDensity(grid: [-1, 0, 1], values: [0.1, 0.8, 0.1], width: 0.05),
                            ritz: RitzNodes(nodes: [-0.9, 0.1, 41.5], weights: [0.2, 0.7, 0.1]),
                            estimator: JSONObject([("method", .string("lanczos")), ("iterations", .number(80)),
                                                   ("probes", .number(10)), ("warm_start", .bool(true))]),
                            cost: SpectrumCost(hvps: 820, seconds: 1.5), block: "layer1")),
    .pareto(ParetoEvent(run: "grok-1", step: 600, objectives: [ParetoObjective(name: "bits", direction: .minimize),
                                                               ParetoObjective(name: "test/acc", direction: .maximize)],
                        points: [ParetoPoint(values: [32, 0.99], label: "dense"), ParetoPoint(values: [4, .nan])])),
    .histogram(HistogramEvent(run: "grok-1", step: 100, name: "weights/layer1", edges: [-1, 0, 1], counts: [3, 5])),
    .knob(KnobEvent(run: "grok-1", step: 700, time: 1_763_800_020, name: "lr", old: .number(1e-3), new: .number(2e-3),
                    by: "rule:rescue", note: "halved after NaN")),
    .knob(KnobEvent(step: 701, name: "optimizer", new: .choice("sgd"))),
    .phase(PhaseEvent(run: "grok-1", step: 3000, name: "generalization",
                      evidence: JSONObject([("test/acc", .number(0.991)), ("delay_steps", .number(2500))]),
                      message: "test accuracy reached 99%")),
    .control(ControlMessage(.set(knob: "lr", value: .number(0.002)))),
    .control(ControlMessage(.set(knob: "optimizer", value: .choice("lion")), run: "grok-1", token: "s3cr3t")),
    .control(ControlMessage(.pause)),
    .control(ControlMessage(.resume)),
    .control(ControlMessage(.step(count: 1))),
    .control(ControlMessage(.step(count: 5))),
    .control(ControlMessage(.fork(knob: "lr", factors: [0.5, 1, 2], steps: 200))),
    .control(ControlMessage(.fork(knob: nil, factors: nil, steps: nil))),
    .control(ControlMessage(.rollback(to: nil))),
    .control(ControlMessage(.rollback(to: 400))),
    .control(ControlMessage(.checkpoint(path: "/tmp/ck.safetensors"))),
    .control(ControlMessage(.stop)),
    .unknown(UnknownEvent(type: "gpu_stats", fields: JSONObject([("step", .number(3)), ("util", .number(0.9))]))),
]

@Suite struct RoundTripTests {
    @Test(arguments: everyKind)
    func encodeDecodeEncodeIsStable(_ event: TelemetryEvent) throws {
        let line = event.jsonLine
        let items = NDJSONDecoder.decodeAll(line + "\n")
        #expect(items.count == 1)
        guard case .event(let decoded, let lineNumber)? = items.first else {
            Issue.record("did not decode: \(items) from \(line)")
            return
        }
        #expect(lineNumber == 1)
        #expect(decoded.jsonLine == line)
        #expect(decoded.typeName == event.typeName)
    }

    @Test func scalarsKeepExtremeValuesExactly() throws {
        guard case .scalars(let original) = everyKind[1],
              case .event(.scalars(let decoded), _)? = NDJSONDecoder.decodeAll(everyKind[1].jsonLine).first else {
            Issue.record("scalars did not round-trip"); return
        }
        #expect(decoded == original)
        #expect(decoded.values["nan"]!.isNaN)
        #expect(decoded.values["inf"] == .infinity)
        #expect(decoded.values["ninf"] == -.infinity)
        #expect(decoded.values["tiny"] == .leastNonzeroMagnitude)
        #expect(decoded.values["损失/训练"] == 1e308)
        #expect(decoded.values["neg-zero"]!.sign == .minus)
        #expect(decoded.values["αβγ 🚀"] == 123_456_789.123456789)
    }

    @Test func nonFiniteNumbersAreWrittenAsStrings() {
        let line = TelemetryEvent.scalars(ScalarsEvent(step: 1, values: ["a": .nan, "b": .infinity, "c": -.infinity])).jsonLine
        #expect(line == #"{"v":1,"type":"scalars","step":1,"values":{"a":"NaN","b":"Infinity","c":"-Infinity"}}"#)
    }

    @Test func bareNonFiniteTokensAreAccepted() throws {
        let items = NDJSONDecoder.decodeAll(#"{"v":1,"type":"scalars","step":2,"values":{"a":NaN,"b":Infinity,"c":-Infinity}}"#)
        guard case .event(.scalars(let s), _)? = items.first else { Issue.record("\(items)"); return }
        #expect(s.values["a"]!.isNaN && s.values["b"] == .infinity && s.values["c"] == -.infinity)
    }

    @Test func issueExampleLinesDecodeToTheDocumentedShapes() throws {
        let scalars = #"{"v":1,"type":"scalars","run":"grok-1","step":120,"time":1763800000.25,"values":{"train/loss":0.12,"test/acc":0.41}}"#
        #expect(NDJSONDecoder.decodeAll(scalars) == [.event(.scalars(ScalarsEvent(
            run: "grok-1", step: 120, time: 1763800000.25, values: ["train/loss": 0.12, "test/acc": 0.41])), line: 1)])
        #expect(TelemetryEvent.scalars(ScalarsEvent(run: "grok-1", step: 120, time: 1763800000.25,
                                                    values: ["train/loss": 0.12, "test/acc": 0.41])).jsonLine
                == #"{"v":1,"type":"scalars","run":"grok-1","step":120,"time":1763800000.25,"values":{"test/acc":0.41,"train/loss":0.12}}"#)
        let set = #"{"v":1,"type":"set","knob":"lr","value":0.002}"#
        #expect(NDJSONDecoder.decodeAll(set) == [.event(.control(ControlMessage(.set(knob: "lr", value: .number(0.002)))), line: 1)])
        #expect(TelemetryEvent.control(ControlMessage(.set(knob: "lr", value: .number(0.002)))).jsonLine == set)
        for kind in ["pause", "resume", "step", "fork", "rollback", "checkpoint", "stop"] {
            let line = #"{"v":1,"type":"\#(kind)"}"#
            guard case .event(.control(let c), _)? = NDJSONDecoder.decodeAll(line).first else {
                Issue.record("\(kind) did not decode"); continue
            }
            #expect(c.command.typeName == kind)
            #expect(TelemetryEvent.control(c).jsonLine == line)
        }
    }

    @Test func unknownFieldsAndKindsArePreservedInOrder() throws {
        let line = #"{"v":1,"type":"scalars","step":3,"values":{"x":1},"host":"node-7","gpu":{"id":3,"util":[0.5,0.9]}}"#
        guard case .event(.scalars(let s), _)? = NDJSONDecoder.decodeAll(line).first else { Issue.record("no event"); return }
        #expect(s.extra.keys == ["host", "gpu"])
        #expect(TelemetryEvent.scalars(s).jsonLine == line)
        let unknown = #"{"v":1,"type":"weather","step":3,"sky":"clear"}"#
        guard case .event(.unknown(let u), _)? = NDJSONDecoder.decodeAll(unknown).first else { Issue.record("no event"); return }
        #expect(u.type == "weather" && u.fields.keys == ["step", "sky"])
        #expect(TelemetryEvent.unknown(u).jsonLine == unknown)
        let spec = #"{"v":1,"type":"run","run":"r","config":{},"knobs":[{"name":"lr","value":0.1,"scale":"log","unit":"1/step"}]}"#
        guard case .event(.run(let r), _)? = NDJSONDecoder.decodeAll(spec).first else { Issue.record("no event"); return }
        #expect(r.knobs[0].extra["unit"] == .string("1/step"))
    }

    @Test func numbersParseExactly() throws {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0", -0.0), ("1", 1), ("0.1", 0.1), ("123.456", 123.456), ("1e3", 1000), ("1E-3", 0.001),
            ("-2.5e+2", -250), ("9007199254740993", 9007199254740992), ("0.30000000000000004", 0.30000000000000004),
            ("1.7976931348623157e308", .greatestFiniteMagnitude), ("5e-324", .leastNonzeroMagnitude), ("1e400", .infinity),
            ("123456789012345678901234567890", 1.2345678901234568e29), ("0.000001", 1e-6),
        ]
        for (text, expected) in cases {
            let value = try JSONParser.parse(text)
            #expect(value == .number(expected), "\(text)")
        }
    }
}
