import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import JSONCore
import Testing
import Dashboard
import Snapshot
import Telemetry
import TerminalUI
import TestSupport

func recording(_ name: String) throws -> [TelemetryEvent] { try Recording(path: TestPaths.sample("runs/\(name).jsonl")).events }

func frame(_ name: String, width: Int = 120, height: Int = 40, theme: String = "default") throws -> (Buffer, DashboardState, SnapshotOptions) {
    let options = SnapshotOptions(width: width, height: height, sourceName: "\(name).jsonl")
    let state = SnapshotFrame.state(try recording(name), options)
    return (DashboardView(theme: Theme.builtIn[theme]!).render(state), state, options)
}

/// Golden txt and svg frames of each recording at 120×40 in the default theme. Recorded only with
/// TRAINSCOPE_RECORD_SNAPSHOTS=1, never in CI.
@Suite struct GoldenSnapshotTests {
    @Test(arguments: ["grokking", "eos", "pareto"])
    func framesMatchTheirGoldens(_ name: String) throws {
        let (buffer, _, _) = try frame(name)
        let outputs = ["txt": TextExport.plain(buffer), "svg": SVGExport.render(buffer, theme: Theme.builtIn["default"]!)]
        for (ext, text) in outputs.sorted(by: { $0.key < $1.key }) {
            if let problem = Golden.mismatch(text, "Tests/SnapshotTests/Goldens/\(name)-120x40.\(ext)") { Issue.record("\(problem)") }
        }
        let (again, _, _) = try frame(name)
        #expect(SVGExport.render(again, theme: Theme.builtIn["default"]!) == outputs["svg"], "the same input gives the same bytes")
    }
}

/// Collects the elements of an SVG document.
final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [(attributes: [String: String], content: String)] = []
    private var inText: [String: String]?
    private var content = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((name, attributes))
        if name == "text" { inText = attributes; content = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText != nil { content += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text", let attributes = inText { texts.append((attributes, content)); inText = nil }
    }
}

@Suite struct SVGExportTests {
    @Test(arguments: ["grokking", "eos"])
    func svgIsXMLWhoseTextRunsAreTheFramesCells(_ name: String) throws {
        let (buffer, _, _) = try frame(name)
        let svg = SVGExport.render(buffer, theme: Theme.builtIn["default"]!)
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = SVGCollector()
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        let root = try #require(collector.elements.first)
        #expect(root.name == "svg" && root.attributes["width"] == "1008" && root.attributes["height"] == "680"
                && root.attributes["viewBox"] == "0 0 10080 6800")
        // Every text element starts on a cell, spans exactly its characters' cells, and sits on a row's baseline;
        // put back on the grid, the text elements give every cell that is not drawn as a shape or a line.
        var grid = [[Character]](repeating: [Character](repeating: " ", count: buffer.width), count: buffer.height)
        for text in collector.texts {
            let x = Int(text.attributes["x"]!)!, y = Int(text.attributes["y"]!)!
            #expect(x % 84 == 0 && (y - 128) % 170 == 0)
            #expect(Int(text.attributes["textLength"]!)! == text.content.count * 84, "\(text.content)")
            #expect(!text.content.hasSuffix(" ") && !text.content.isEmpty)
            for (i, c) in text.content.enumerated() { grid[(y - 128) / 170][x / 84 + i] = c }
        }
        var drawnAsShapes = 0
        for row in 0..<buffer.height {
            for column in 0..<buffer.width {
                let c = buffer[column, row].character
                let v = c.unicodeScalars.first!.value
                let isShape = (0x2801...0x28FF).contains(v) || (0x2580...0x258F).contains(v)
                    || [0x2500, 0x2501, 0x2502, 0x2524, 0x250A, 0x254C, 0x256D, 0x256E, 0x2570, 0x256F].contains(v)
                if isShape { drawnAsShapes += 1 } else { #expect(grid[row][column] == c, "cell \(column),\(row)") }
            }
        }
        #expect(drawnAsShapes > 1000, "braille and borders are drawn as shapes")
        #expect(collector.elements.filter { $0.name == "path" }.count >= 3)
    }

    @Test func coloursFollowTheThemeAndTheCanvasFollowsItsTextColour() throws {
        #expect(SVGExport.canvasColors(Theme.builtIn["default"]!) == ("#1c1c1c", "#d0d0d0"))
        let light = try Theme.parse(try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("Themes/light.theme"), encoding: .utf8),
                                    name: "light", source: "light")
        #expect(SVGExport.canvasColors(light).background == "#ffffff")
        var b = Buffer(width: 3, height: 1)
        b.write("a&", x: 0, y: 0, style: Style(foreground: .indexed(196), bold: true))
        b[2, 0] = Cell("⣿", style: Style(foreground: .rgb(1, 2, 3)))
        let svg = SVGExport.render(b, theme: Theme.builtIn["default"]!)
        #expect(svg.contains("fill=\"#ff0000\" font-weight=\"bold\">a&amp;</text>"))
        #expect(svg.contains("<path fill=\"#010203\" d=\"M180 10h22v22h-22z"), "a full braille cell is eight dots")
        #expect(XtermPalette.hex(XtermPalette.rgb(.indexed(244))!) == "#808080" && XtermPalette.hex(XtermPalette.rgb(.indexed(75))!) == "#5fafff")
    }
}

@Suite struct DataExportTests {
    @Test func jsonCarriesThePanelsData() throws {
        let (_, state, options) = try frame("eos")
        let text = JSONExport.document(state, options)
        let json = try JSONParser.parse(bytes: Array(text.utf8))
        guard case .object(let doc) = json, case .array(let runs)? = doc["runs"], case .object(let run)? = runs.first,
              case .array(let series)? = run["series"], case .object(let spectrum)? = run["spectrum"] else {
            Issue.record("unexpected shape: \(text.prefix(200))")
            return
        }
        #expect(doc["trainscope_snapshot"] == .number(1) && doc["source"] == .string("eos.jsonl") && doc["layout"] == .string("grid"))
        #expect(doc["panels"] == .array([.string("curves"), .string("hessian"), .string("knobs"), .string("distributions"), .string("events")]))
        #expect(run["id"] == .string("eos-s0") && run["latest_step"] == .number(3000) && run["config"]?.object?["lr"] == .number(0.5))
        for case .object(let s) in series {
            let points = s["points"]!.number!, shown = s["shown"]!.number!
            guard case .array(let steps)? = s["step"], case .array(let values)? = s["value"] else { Issue.record("series arrays"); continue }
            #expect(steps.count == Int(shown) && values.count == Int(shown) && shown <= points)
            #expect(s["downsampled"] == .bool(shown < points))
        }
        guard case .array(let eigen)? = spectrum["eigenvalues"], case .array(let densities)? = spectrum["densities"] else {
            Issue.record("spectrum arrays")
            return
        }
        #expect(eigen.count == 2 && densities.count == 6)
        #expect(JSONExport.document(state, options) == text, "the same input gives the same bytes")
    }

    @Test func jsonCarriesSmoothedSeriesPhasesAndTheCutOffStep() throws {
        let options = SnapshotOptions(width: 120, height: 40, layout: .single, panel: .grokking, atStep: 1000,
                                      smoothing: Smoothing(kind: .ema, level: 3), sourceName: "g")
        let state = SnapshotFrame.state(try recording("grokking"), options)
        let text = JSONExport.document(state, options)
        #expect(state.currentRun?.latestStep == 1000 && state.currentRun?.phases.map(\.name) == ["memorization", "circuit_formation", "cleanup"])
        #expect(text.contains("\"smoothed_step\":[") && text.contains("\"at_step\":1000") && text.contains("\"layout\":\"single\""))
    }

    @Test func csvIsWideWithOneRowPerRunAndStep() throws {
        let events = try recording("grokking")
        let csv = CSVExport.wide(events, state: SnapshotFrame.state(events, SnapshotOptions()))
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        // Every metric the run logs, sorted, after the three fixed columns.
        let metrics = Set(events.flatMap { event -> [String] in if case .scalars(let s) = event { Array(s.values.keys) } else { [] } }).sorted()
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header == ["run", "step", "time"] + metrics)
        #expect(metrics.contains("grad/noise_scale") && metrics.contains("fourier/restricted_loss") && metrics.contains("weights/norm/out"))
        #expect(lines.count == 1 + 602)
        let column = { (name: String) in header.firstIndex(of: name)! }
        let first = lines[1].split(separator: ",", omittingEmptySubsequences: false)
        let firstTime = events.lazy.compactMap { if case .scalars(let s) = $0 { s.time } else { nil } }.first!
        #expect(first[0] == "grokking-s0" && first[1] == "1" && first[2] == Substring(JSONValue.number(firstTime).jsonText)
            && first[column("train/loss")] == "6.53291654586792")
        let second = lines[2].split(separator: ",", omittingEmptySubsequences: false)
        #expect(second[1] == "5" && second.count == header.count && second[column("test/acc")] == "" && second[column("test/loss")] == "",
                "test metrics are logged every 10 steps")
        let mixedEvents: [TelemetryEvent] = [.scalars(ScalarsEvent(run: "a,b", step: 2, values: ["x": .nan])),
                                             .scalars(ScalarsEvent(run: "a,b", step: 1, time: 5, values: ["y": 0.5]))]
        let mixed = CSVExport.wide(mixedEvents, state: SnapshotFrame.state(mixedEvents, SnapshotOptions()))
        #expect(mixed == "run,step,time,x,y\n\"a,b\",1,5,,0.5\n\"a,b\",2,,NaN,\n")
    }

    /// Config keys that differ become columns; a run query keeps only the runs it selects.
    @Test func csvHasTheDifferingConfigAndFollowsTheRunQuery() throws {
        let events = try recording("pareto")
        var options = SnapshotOptions()
        let all = CSVExport.wide(events, state: SnapshotFrame.state(events, options))
        #expect(all.hasPrefix("run,step,time,config.hidden,config.seed") || all.hasPrefix("run,step,time,config.hidden,"), "\(all.prefix(200))")
        options.runQuery = try RunQuery("hidden >= 128")
        let some = CSVExport.wide(events, state: SnapshotFrame.state(events, options))
        let runs = Set(some.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] })
        #expect(runs == ["pareto-s0-hidden128", "pareto-s0-hidden256"], "\(runs)")
    }
}
