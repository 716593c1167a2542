import JSONCore
import Testing
import Ingest
import Telemetry

/// Feeds `text` to a stream in chunks of `chunk` bytes (whole when nil), then finishes it.
private func stream(_ text: String, source: String = "s.jsonl", fallbackRun: String = "fb", chunk: Int? = nil,
                    aliases: [String: String] = [:]) -> (items: [IngestItem], stream: NDJSONStream) {
    var stream = NDJSONStream(source: source, fallbackRun: fallbackRun)
    stream.attribution.aliases = aliases
    var items: [IngestItem] = []
    let bytes = Array(text.utf8)
    let size = max(1, chunk ?? bytes.count)
    var start = 0
    while start < bytes.count {
        Array(bytes[start..<min(start + size, bytes.count)]).withUnsafeBytes { stream.feed($0) { items.append($0) } }
        start += size
    }
    stream.finish { items.append($0) }
    // Blocks given back as one event per row, so that the expectations read as events.
    return (items.flatMap { item -> [IngestItem] in
        guard case .scalars = item else { return [item] }
        var rows: [IngestItem] = []
        item.forEachEvent { rows.append(.event($0)) }
        return rows
    }, stream)
}

private func scalars(_ step: Int, _ loss: Double, run: String?) -> TelemetryEvent {
    .scalars(ScalarsEvent(run: run, step: step, values: ["loss": loss]))
}

/// A `run` event as the stream gives it: naming the stream as its source.
private func sourcedRun(_ id: String, source: String = "s.jsonl", config: JSONObject = JSONObject()) -> TelemetryEvent {
    .run(RunEvent(run: id, config: config, extra: JSONObject([("source", .string(source))])))
}

private func runLine(_ id: String) -> String { #"{"v":1,"type":"run","run":"\#(id)"}"# }

private func scalarsLine(_ step: Int, _ loss: Double, run: String? = nil) -> String {
    #"{"v":1,"type":"scalars",\#(run.map { #""run":"\#($0)","# } ?? "")"step":\#(step),"values":{"loss":\#(loss)}}"#
}

@Suite struct NDJSONStreamTests {
    // MARK: - RunAttribution

    @Test func eventsWithoutARunBelongToTheLatestRun() {
        let text = [runLine("a"), scalarsLine(1, 1.5), runLine("b"), scalarsLine(2, 2.5), scalarsLine(3, 3.5, run: "a"), scalarsLine(4, 4.5)]
            .joined(separator: "\n") + "\n"
        let (items, s) = stream(text)
        #expect(items == [
            .event(sourcedRun("a")),
            .event(scalars(1, 1.5, run: "a")),
            .event(sourcedRun("b")),
            .event(scalars(2, 2.5, run: "b")),
            .event(scalars(3, 3.5, run: "a")),
            .event(scalars(4, 4.5, run: "b")),
        ])
        #expect(s.attribution.currentRun == "b")
        #expect(s.attribution.announced == ["a", "b"])
    }

    @Test func dataBeforeAnyRunEventGetsTheFallbackRunAnnounced() {
        let text = [scalarsLine(1, 1.5), scalarsLine(2, 2.5), runLine("x"), scalarsLine(3, 3.5)].joined(separator: "\n") + "\n"
        let (items, s) = stream(text, fallbackRun: "metrics")
        #expect(items == [
            .event(sourcedRun("metrics")),
            .event(scalars(1, 1.5, run: "metrics")),
            .event(scalars(2, 2.5, run: "metrics")),
            .event(sourcedRun("x")),
            .event(scalars(3, 3.5, run: "x")),
        ])
        #expect(s.attribution.announced == ["metrics", "x"])
    }

    @Test func dataNamingItsRunNeedsNoFallback() {
        let (items, s) = stream(scalarsLine(1, 1.5, run: "named") + "\n" + scalarsLine(2, 2.5) + "\n")
        #expect(items == [
            .event(scalars(1, 1.5, run: "named")),
            .event(sourcedRun("fb")),
            .event(scalars(2, 2.5, run: "fb")),
        ])
        #expect(s.attribution.announced == ["fb"])
    }

    @Test func aliasesRenameTheRunOnEveryEvent() {
        let lines = [
            #"{"v":1,"type":"run","run":"exp","config":{"lr":0.1}}"#,
            scalarsLine(1, 1.5),
            scalarsLine(2, 2.5, run: "exp"),
            #"{"v":1,"type":"knob","run":"exp","step":2,"name":"lr","new":0.05}"#,
            #"{"v":1,"type":"phase","step":3,"name":"diverged"}"#,
            #"{"v":1,"type":"custom","run":"exp","x":1}"#,
            scalarsLine(4, 4.5, run: "other"),
        ]
        let (items, s) = stream(lines.joined(separator: "\n") + "\n", aliases: ["exp": "exp#2"])
        #expect(items == [
            .event(sourcedRun("exp#2", config: JSONObject([("lr", .number(0.1))]))),
            .event(scalars(1, 1.5, run: "exp#2")),
            .event(scalars(2, 2.5, run: "exp#2")),
            .event(.knob(KnobEvent(run: "exp#2", step: 2, name: "lr", new: .number(0.05)))),
            .event(.phase(PhaseEvent(run: "exp#2", step: 3, name: "diverged"))),
            .event(.unknown(UnknownEvent(type: "custom", fields: JSONObject([("run", .string("exp#2")), ("x", .number(1))])))),
            .event(scalars(4, 4.5, run: "other")),
        ])
        #expect(s.attribution.currentRun == "exp#2")
        #expect(s.attribution.announced == ["exp#2"])
    }

    @Test func aRunThatNamesItsSourceKeepsIt() {
        let (items, _) = stream(#"{"v":1,"type":"run","run":"r","source":"logs/tb"}"# + "\n")
        #expect(items == [.event(sourcedRun("r", source: "logs/tb"))])
    }

    @Test func attributionDirectly() {
        var attribution = RunAttribution(fallbackRun: "fb")
        #expect(attribution.attribute(scalars(1, 1, run: nil)) == [.run(RunEvent(run: "fb")), scalars(1, 1, run: "fb")])
        #expect(attribution.attribute(scalars(2, 2, run: nil)) == [scalars(2, 2, run: "fb")])
        attribution.aliases["y"] = "y#3"
        #expect(attribution.attribute(.run(RunEvent(run: "y"))) == [.run(RunEvent(run: "y#3"))])
        #expect(attribution.attribute(scalars(3, 3, run: nil)) == [scalars(3, 3, run: "y#3")])
        #expect(attribution.attribute(.run(RunEvent(run: "y"))) == [.run(RunEvent(run: "y#3"))])
        #expect(attribution.announced == ["fb", "y#3"], "a run announced twice is listed once")
    }

    // MARK: - Problems

    @Test func problemsNameTheSourceLineAndColumn() {
        let lines = [
            runLine("a"),
            #"{"v":1,"type":"scalars","step":1,"values":{"loss":1},}"#,
            #"{"v":1,"type":"scalars","step":"two","values":{"loss":2}}"#,
            "not json",
            scalarsLine(5, 5.5),
        ]
        let (items, _) = stream(lines.joined(separator: "\n") + "\n", source: "unix:/tmp/x.sock#3")
        let problems = items.compactMap { if case .problem(let p) = $0 { p.description } else { nil } }
        #expect(problems == [
            "unix:/tmp/x.sock#3: line 2, column 54: expected a string key, found '}'",
            "unix:/tmp/x.sock#3: line 3: field \"step\" must be an integer, got string",
            "unix:/tmp/x.sock#3: line 4, column 2: invalid literal, expected 'null'",
        ])
        #expect(items.compactMap { if case .event(let e) = $0 { e } else { nil } } == [sourcedRun("a", source: "unix:/tmp/x.sock#3"), scalars(5, 5.5, run: "a")])
    }

    @Test func aColumnCountsFromAByteOrderMarkAndCRLFIsTolerated() {
        let text = "\u{FEFF}" + runLine("a") + "\r\n" + #"{"v":1,"type":"scalars","step":1,"values":{"loss":1}} x"# + "\r\n" + scalarsLine(2, 2.5) + "\r\n"
        let (items, _) = stream(text)
        #expect(items == [
            .event(sourcedRun("a")),
            .problem(SourceProblem(source: "s.jsonl", position: "line 2, column 55", reason: "unexpected 'x' after the JSON value")),
            .event(scalars(2, 2.5, run: "a")),
        ])
    }

    @Test func aTruncatedLastLineIsAProblemAndTheLinesBeforeSurvive() {
        let text = runLine("a") + "\n" + scalarsLine(1, 1.5) + "\n" + #"{"v":1,"type":"scalars","step":2,"val"#
        let (items, _) = stream(text)
        #expect(items == [
            .event(sourcedRun("a")),
            .event(scalars(1, 1.5, run: "a")),
            // The string that opens at byte 34 is never closed.
            .problem(SourceProblem(source: "s.jsonl", position: "line 3, column 34",
                                   reason: "incomplete last line (no newline): unterminated string")),
        ])
    }

    @Test func aCompleteLastLineWithoutNewlineIsAnEvent() {
        let (items, _) = stream(runLine("a") + "\n" + scalarsLine(1, 1.5))
        #expect(items == [.event(sourcedRun("a")), .event(scalars(1, 1.5, run: "a"))])
    }

    @Test(arguments: [1, 3, 7, 50])
    func anyChunkingGivesTheSameItems(chunk: Int) {
        let text = [scalarsLine(1, 1.5), "garbage", runLine("b"), scalarsLine(2, 2.5), #"{"v":2,"type":"run","run":"c"}"#]
            .joined(separator: "\n") + "\n" + #"{"v":1,"type":"sca"#
        let whole = stream(text).items
        #expect(stream(text, chunk: chunk).items == whole)
        #expect(whole.count == 7)
    }
}
