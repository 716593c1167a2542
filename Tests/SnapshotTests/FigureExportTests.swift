import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Dashboard
import Snapshot
import Telemetry
import TerminalUI
import TestSupport

/// The figure of a recording's grid layout (or `panels`) in the paper theme at its default size.
func figure(_ name: String, panels: [FigurePanelSelection]? = nil) throws -> String {
    let state = SnapshotFrame.state(try recording(name), SnapshotOptions(sourceName: "\(name).jsonl"))
    let theme = Theme.builtIn["paper"]!
    let charts = try FigureView(theme: theme).charts(state, panels ?? FigureView.defaultPanels(state)).get()
    let size = FigureExport.defaultSize(charts: charts.count)
    return FigureExport.render(charts, width: size.width, height: size.height, theme: theme)
}

/// What a figure's SVG says about its charts: each plot's clip box, series paths and ticks.
struct FigureReading {
    struct Chart {
        var id = ""
        var plot = (x: 0.0, y: 0.0, width: 0.0, height: 0.0)
        var series: [(key: String, vertices: Int, points: Int, ys: [Double])] = []
        var ticks: [(axis: String, value: Double, label: String)] = []
    }
    var charts: [Chart] = []
    var texts: [String] = []

    init(_ svg: String) throws {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = SVGCollector()
        parser.delegate = collector
        try #require(parser.parse(), "well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        var inClip = false
        for (name, a) in collector.elements {
            if name == "g", a["class"] == "chart" { charts.append(Chart(id: a["data-id"] ?? "")) }
            if name == "clipPath" { inClip = true }
            if name == "rect", inClip, !charts.isEmpty {
                charts[charts.count - 1].plot = (Double(a["x"]!)!, Double(a["y"]!)!, Double(a["width"]!)!, Double(a["height"]!)!)
                inClip = false
            }
            if name == "path" || name == "g", a["class"] == "series", let key = a["data-key"] {
                charts[charts.count - 1].series.append((key, Int(a["data-vertices"]!)!, Int(a["data-points"]!)!, Self.ys(a["d"] ?? "")))
            }
        }
        texts = collector.texts.map(\.content)
        // A tick belongs to the chart whose group it follows in the document.
        var chart = -1
        var textIndex = 0
        for (name, a) in collector.elements {
            if name == "g", a["class"] == "chart" { chart += 1 }
            if name == "text" {
                let content = collector.texts[textIndex].content
                textIndex += 1
                if a["class"] == "tick", let axis = a["data-axis"], let value = a["data-value"].flatMap(Double.init) {
                    charts[chart].ticks.append((axis, value, content))
                }
            }
        }
    }

    /// The y coordinates of a path's vertices (`M x y L x y …`).
    static func ys(_ d: String) -> [Double] {
        let numbers = d.split(whereSeparator: { "ML ".contains($0) }).compactMap { Double($0) }
        return stride(from: 1, to: numbers.count, by: 2).map { numbers[$0] }
    }
}

/// Golden figure SVGs of the three recordings, recorded only with TRAINSCOPE_RECORD_SNAPSHOTS=1.
@Suite struct FigureGoldenTests {
    @Test(arguments: ["grokking", "eos", "pareto"])
    func figuresMatchTheirGoldens(_ name: String) throws {
        let svg = try figure(name)
        if let problem = Golden.mismatch(svg, "Tests/SnapshotTests/Goldens/\(name)-figure.svg") { Issue.record("\(problem)") }
        #expect(try figure(name) == svg, "the same input gives the same bytes")
    }
}

@Suite struct FigureExportTests {
    @Test(arguments: ["grokking", "eos", "pareto"])
    func aFigureIsChartsNotTheTerminal(_ name: String) throws {
        let svg = try figure(name)
        let reading = try FigureReading(svg)
        #expect(!reading.charts.isEmpty)
        let cellGlyphs = svg.unicodeScalars.filter { (0x2500...0x259F).contains($0.value) || (0x2800...0x28FF).contains($0.value) }
        #expect(cellGlyphs.isEmpty, "no braille, box or block characters: \(String(String.UnicodeScalarView(cellGlyphs.prefix(10))))")
        #expect(!svg.contains("monospace") && !svg.contains("href") && svg.components(separatedBy: "url(").dropFirst().allSatisfy { $0.hasPrefix("#plot") },
                "no terminal font, no external references")
        for hint in ["trainscope", "help", "quit", "focus", "zoom"] { #expect(!reading.texts.contains { $0.contains(hint) }, "no status bar or hints: \(hint)") }
        for chart in reading.charts {
            #expect(!chart.series.isEmpty || ["spectrogram", "density", "spectrum"].contains(chart.id), "\(chart.id) draws its data")
            for series in chart.series {
                #expect(series.vertices > 0, "\(chart.id) \(series.key) is drawn")
                #expect(series.vertices <= 2 * Int(chart.plot.width.rounded(.up)) || series.points <= series.vertices,
                        "\(chart.id) \(series.key): \(series.vertices) vertices over \(chart.plot.width) px")
            }
        }
    }

    /// Linear ticks are evenly spaced by 1, 2 or 5 × 10ⁿ; log ticks are 1, 2 or 5 × 10ⁿ themselves.
    @Test(arguments: ["grokking", "eos", "pareto"])
    func tickValuesAreNiceNumbers(_ name: String) throws {
        func isNice(_ v: Double) -> Bool {
            let m = abs(v) / NumberFormat.exp10(NumberFormat.log10(abs(v)).rounded(.down))
            return [1.0, 2, 5, 10].contains { abs(m - $0) < 1e-6 }
        }
        for chart in try FigureReading(try figure(name)).charts {
            for axis in ["x", "y"] {
                let values = chart.ticks.filter { $0.axis == axis }.map(\.value).sorted()
                #expect(values.count >= 2, "\(chart.id) \(axis) has ticks")
                guard values.count >= 2 else { continue }
                let steps = zip(values, values.dropFirst()).map { $1 - $0 }
                let even = steps.allSatisfy { abs($0 - steps[0]) <= 1e-6 * abs(steps[0]) }
                #expect((even && isNice(steps[0])) || values.allSatisfy { $0 == 0 || isNice($0) }, "\(chart.id) \(axis): \(values)")
            }
        }
    }

    @Test func everyPointIsAVertexWhenThePlotHasRoomAndSpikesSurviveWhenItHasNot() throws {
        var few = SeriesStore(), many = SeriesStore()
        for i in 0..<50 { few.append(x: Double(i * 10), y: sin(Double(i))) }
        for i in 0..<200_000 { many.append(x: Double(i), y: i == 123_457 ? 50 : sin(Double(i) / 1000)) }
        func chart(_ store: SeriesStore, _ range: ClosedRange<Double>) -> FigureChart {
            var chart = FigureChart(id: "c", panel: .curves, title: "c", x: FigureAxis("step", range: range), y: FigureAxis("y"))
            chart.series = [FigureSeries(label: "s", key: "s", style: Style(foreground: .indexed(1)),
                                         data: .columns(points: store.count) { store.columns(edges: $0).columns })]
            return chart
        }
        let theme = Theme.builtIn["paper"]!
        let sparse = try FigureReading(FigureExport.render([chart(few, 0...490)], width: 640, height: 400, theme: theme)).charts[0]
        #expect(sparse.series[0].vertices == 50 && sparse.series[0].points == 50)
        let dense = try FigureReading(FigureExport.render([chart(many, 0...199_999)], width: 640, height: 400, theme: theme)).charts[0]
        let width = Int(dense.plot.width.rounded(.up))
        #expect(dense.series[0].vertices <= 2 * width && dense.series[0].vertices >= width, "\(dense.series[0].vertices) over \(width) px")
        #expect(dense.series[0].points == 200_000)
        // The one spike is the highest vertex, near the top of the plot (4% margin).
        let top = try #require(dense.series[0].ys.min())
        #expect(abs(top - (dense.plot.y + 0.04 / 1.08 * dense.plot.height)) < 2, "top vertex \(top), plot \(dense.plot)")
    }

    @Test func controlCharactersInRunIDsAreVisibleEscapes() throws {
        let id = "evil\u{1b}]52;c;aGk=\u{07}"
        var events: [TelemetryEvent] = [.run(RunEvent(run: id))]
        for step in 1...20 { events.append(.scalars(ScalarsEvent(run: id, step: step, values: ["train/loss": 1 / Double(step)]))) }
        events.append(.run(RunEvent(run: "calm")))
        for step in 1...20 { events.append(.scalars(ScalarsEvent(run: "calm", step: step, values: ["train/loss": 2 / Double(step)]))) }
        let state = SnapshotFrame.state(events, SnapshotOptions())
        let theme = Theme.builtIn["paper"]!
        let svg = FigureExport.render(try FigureView(theme: theme).charts(state, [FigurePanelSelection(panel: .curves)]).get(), width: 640, height: 400,
                                      theme: theme)
        #expect(!svg.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x07 })
        #expect(svg.contains("\\x1b]52;c;aGk=\\x07"), "the legend names the run with its escapes shown")
        _ = try FigureReading(svg)
    }

    @Test func scalesGiveNiceTicksOnEveryKindOfAxis() {
        func labels(_ scale: AxisScale, _ range: ClosedRange<Double>) -> [String] {
            FigureScale(mapping: AxisMapping(scale: scale, range: range), start: 0, end: 400).ticks(spacing: 80).compactMap(\.label)
        }
        #expect(FigureScale.niceStep(0.083) == 0.1 && FigureScale.niceStep(0.15) == 0.2 && FigureScale.niceStep(3.2) == 5 && FigureScale.niceStep(700) == 1000)
        #expect(labels(.linear, 0...0.414) == ["0", "0.1", "0.2", "0.3", "0.4"])
        #expect(labels(.linear, -3...7) == ["−2", "0", "2", "4", "6"])
        #expect(labels(.linear, 0...3000) == ["0", "1000", "2000", "3000"])
        #expect(labels(.linear, 0...4e6) == ["0", "10⁶", "2×10⁶", "3×10⁶", "4×10⁶"])
        #expect(labels(.log, 1...3000) == ["10⁰", "10¹", "10²", "10³"])
        let minor = FigureScale(mapping: AxisMapping(scale: .log, range: 1...3000), start: 0, end: 400).ticks(spacing: 80).filter { $0.label == nil }
        #expect(minor.count == 8 + 8 + 8 + 2, "2…9 in each decade, and 2000, 3000")
        #expect(labels(.log, 1e-6...10) == ["10⁻⁶", "10⁻⁴", "10⁻²", "10⁰"], "every other decade where all would crowd")
        #expect(labels(.log, 0.2...3) == ["0.2", "0.5", "1", "2"], "under two decades: 1, 2, 5")
        #expect(labels(.symlog, -100...100) == ["0", "10²", "−10²", "10⁰", "−10⁰"], "signed decades down to the linear part, every other one")
    }

    /// The figure turned into a PNG by rsvg-convert (skipped where it is not installed): the size
    /// the SVG asks for, and far more drawn than a blank page of the same size.
    @Test func rsvgRendersTheFigure() throws {
        guard let rsvg = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first(where: FileManager.default.isExecutableFile) else { return }
        let dir = TestPaths.scratchDirectory()
        func png(_ svg: String, _ name: String) throws -> Data {
            let input = dir.appendingPathComponent("\(name).svg"), output = dir.appendingPathComponent("\(name).png")
            try svg.write(to: input, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: rsvg)
            process.arguments = [input.path, "-o", output.path]
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0)
            return try Data(contentsOf: output)
        }
        let chart = try png(try figure("grokking", panels: [FigurePanelSelection(panel: .grokking)]), "grokking")
        let blank = try png(FigureExport.render([], width: 1200, height: 290, theme: Theme.builtIn["paper"]!), "blank")
        func size(_ data: Data) -> (Int, Int) {
            let be = { (o: Int) in data[o..<o + 4].reduce(0) { $0 << 8 | Int($1) } }
            return (be(16), be(20))
        }
        #expect(size(chart) == (1200, 290), "three grokking charts at 400 × 290")
        #expect(chart.count > 8 * blank.count, "\(chart.count) bytes against a blank page's \(blank.count)")
    }
}
