import Foundation
import JSONCore
import Testing
import TestSupport

@Suite struct SnapshotCommandTests {
    let grokking = TestPaths.sample("runs/grokking.jsonl")
    let eos = TestPaths.sample("runs/eos.jsonl")

    @Test func everyFormatIsWrittenAndRerunsAreByteIdentical() throws {
        let dir = TestPaths.scratchDirectory()
        for format in ["txt", "ansi", "svg", "json", "csv"] {
            let path = dir.appendingPathComponent("a.\(format)").path
            let out = try CommandRunner.run(["snapshot", eos, "-o", path])
            #expect(out.status == 0 && out.stdout.isEmpty && out.stderr.isEmpty, "\(format): \(out.stderr)")
            let first = try Data(contentsOf: URL(fileURLWithPath: path))
            let again = try CommandRunner.run(["snapshot", eos, "--format", format])
            #expect(again.status == 0 && Data(again.stdout.utf8) == first, "\(format): stdout and -o differ or are not stable")
        }
        let txt = try String(contentsOfFile: dir.appendingPathComponent("a.txt").path, encoding: .utf8)
        #expect(txt.split(separator: "\n", omittingEmptySubsequences: false).count == 41 && txt.contains("╭ Hessian"))
        #expect(try String(contentsOfFile: dir.appendingPathComponent("a.svg").path, encoding: .utf8).hasPrefix("<?xml"))
        #expect(try String(contentsOfFile: dir.appendingPathComponent("a.csv").path, encoding: .utf8).hasPrefix("run,step,time,"))
    }

    @Test func sizePanelLayoutAndCutOffStep() throws {
        let out = try CommandRunner.run(["snapshot", grokking, "--size", "80x24", "--panel", "grokking", "--at", "1000"])
        let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(out.status == 0 && lines.count == 25 && lines.allSatisfy { $0.count <= 80 })
        #expect(lines[0].contains("step 1000/3000") && lines[1].hasPrefix("╭ Grokking") && !out.stdout.contains("╭ Curves"))
        #expect(out.stdout.contains("memorized 166 · generalized –"))
        let pair = try CommandRunner.run(["snapshot", eos, "--layout", "pair", "--panel", "hessian", "--smoothing", "ema:5"])
        #expect(pair.status == 0 && pair.stdout.contains("╭ Curves · ema 0.99") && pair.stdout.contains("╭ Hessian")
                && !pair.stdout.contains("╭ Knobs"))
    }

    @Test func aScalingFitIsDrawnThroughItsPointsWithThePredictionBesideTheResult() throws {
        let out = try CommandRunner.run(["snapshot", TestPaths.sample("runs/scaling.jsonl"), "--panel", "pareto", "--layout", "single",
                                         "--size", "120x32"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("y test/loss ↓ · x parameters ↓ (log-log)"))
        #expect(out.stdout.contains("fit a·N^-α + c: α 1.85 [1.61, 2.24] · c 5.1e-05 [0, 1.4e-04] · ◇ N 745: 5.94e-05 [1.4e-05, 1.4e-04], got 5.95e-05"))
        // Six measured sizes stand out as points; the seventh, the held-out one, lies under its prediction's ◇
        // (the other ◇ is the fit line's).
        #expect(out.stdout.filter { $0 == "●" }.count == 6 && out.stdout.filter { $0 == "◇" }.count == 2)
    }

    @Test func aPresetIsTrainedFirst() throws {
        let out = try CommandRunner.run(["snapshot", "--preset", "eos", "--steps", "20", "--format", "csv"])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n")
        // The eos preset logs at step 1 and every 10 steps.
        #expect(lines.count == 1 + 3 && lines[1].hasPrefix("eos-s0,1,") && lines.last!.hasPrefix("eos-s0,20,"))
    }

    @Test(arguments: [
        (["snapshot"], "give a SOURCE (a .jsonl recording, '-', a socket, a TensorBoard log, a CSV file) or --preset NAME"),
        (["snapshot", "x.jsonl", "--preset", "eos"], "give either sources or --preset, not both"),
        (["snapshot", "x.jsonl", "--size", "80by24"], "The value '80by24' is invalid for '--size <WxH>': expected WIDTHxHEIGHT in cells, 1-1000 each"),
        (["snapshot", "x.jsonl", "--format", "png"], "The value 'png' is invalid for '--format <format>'. Please provide one of 'txt', 'ansi', 'svg', 'json' or 'csv'."),
        (["snapshot", "x.jsonl", "--panel", "loss"], "Please provide one of the following: curves, runs, sweep, grokking, hessian, distributions, pareto, knobs, fourier, events"),
        (["snapshot", "x.jsonl", "--smoothing", "ema:9"], "'--smoothing <KIND[:LEVEL]>': expected none, ema, twema or gaussian, optionally :LEVEL with LEVEL 0-6"),
        (["snapshot", "--preset", "eos", "--set", "lr=0"], "'--set <key=value>': lr must be in (0, 100], got 0"),
        (["snapshot", "missing.jsonl"], "missing.jsonl"),
        (["snapshot", "x.jsonl", "-o", "figure.png"], "-o figure.png: .png is not a snapshot format (txt, ansi, svg, json, csv); give --format"),
        (["check", "x.jsonl"], "give at least one --rule"),
        (["snapshot", "x.jsonl", "--panels", "curves"], "--panels is an option of figures: add --style figure"),
        (["snapshot", "x.jsonl", "--style", "figure", "--format", "txt"], "--style figure writes SVG: use --format svg or an -o name ending in .svg"),
        (["snapshot", "x.jsonl", "--style", "figure", "--panels", "curves,knobs"], "the knobs panel is a table, not a chart; figures draw curves, grokking, fourier, hessian, distributions, pareto, sweep"),
        (["snapshot", "x.jsonl", "--style", "figure", "--panels", "loss"], "unknown panel 'loss' in --panels"),
        (["snapshot", "x.jsonl", "--style", "figure", "--width", "3.3cm"], "'--width <LENGTH>': expected pixels (800, 800px) or inches (3.3in)"),
        (["snapshot", "x.jsonl", "--runs", "lr >= "], "trainscope: error: --runs: column 7: expected a value after '>='\n  lr >= \n        ^\n"),
        (["check", "x.jsonl", "--rule", "max(loss) < 1", "--runs", "lr >= 1e-3 and ("], "--runs: column 17: expected a run field"),
        (["watch", "x.jsonl", "--runs", "optimizer < adamw"], "--runs: column 13: '<' compares numbers; 'adamw' is not a number"),
        (["replay", "x.jsonl", "--runs", "(sweep"], "--runs: column 1: '(sweep' is not a regular expression"),
    ])
    func badArgumentsAreOneLineAndExitTwo(_ arguments: [String], _ message: String) throws {
        let out = try CommandRunner.run(arguments)
        #expect(out.status == 2 && out.stderr.contains(message), "\(out.stderr)")
        #expect(out.stdout.isEmpty)
    }

    @Test func aFigureIsVectorChartsOfTheChosenPanelsAtTheChosenSize() throws {
        let out = try CommandRunner.run(["snapshot", eos, "--style", "figure", "--panels", "curves:loss,hessian:eigenvalues", "--width", "7in",
                                         "--height", "2.5in", "--dpi", "100"])
        #expect(out.status == 0 && out.stderr.isEmpty, "\(out.stderr)")
        #expect(out.stdout.contains("width=\"700\" height=\"250\""))
        #expect(out.stdout.components(separatedBy: "class=\"chart\"").count == 3, "two charts")
        #expect(out.stdout.contains("data-id=\"loss\"") && out.stdout.contains("data-id=\"eigenvalues\"") && out.stdout.contains(">2/η<"))
        #expect(out.stdout.contains("fill=\"#ffffff\""), "the paper theme is white")
        let missing = try CommandRunner.run(["snapshot", eos, "--style", "figure", "--panels", "hessian:spectrum"])
        #expect(missing.status == 2 && missing.stderr.contains("no chart 'spectrum' in the hessian panel (its charts: eigenvalues, density, spectrogram)"),
                "\(missing.stderr)")
    }

    @Test func badLinesInTheSourceAreReportedAndTheRestIsDrawn() throws {
        let input = "{\"v\":1,\"type\":\"scalars\",\"step\":1,\"values\":{\"loss\":1}}\n{\"v\":1,\"type\":\nnot json\n"
        let out = try CommandRunner.run(["snapshot", "-", "--size", "60x20"], stdin: Data(input.utf8))
        #expect(out.status == 1 && out.stdout.contains("╭ Curves") && out.stdout.contains("loss"))
        #expect(out.stderr == "stdin: line 2, column 15: unexpected end of line, expected a value\nstdin: line 3, column 2: invalid literal, expected 'null'\n")
    }
}

/// `--runs` on the headless commands: every format shows only the runs the query selects.
@Suite struct RunQueryCommandTests {
    let pareto = TestPaths.sample("runs/pareto.jsonl")

    @Test func snapshotFormatsFollowTheQuery() throws {
        let json = try CommandRunner.run(["snapshot", pareto, "--format", "json", "--runs", "hidden >= 64 and id ~ hidden"])
        #expect(json.status == 0, "\(json.stderr)")
        let document = try JSONParser.parse(bytes: Array(json.stdout.utf8))
        let runs = document.object?["runs"]?.array?.compactMap { $0.object?["id"]?.string }
        #expect(runs == ["pareto-s0-hidden64", "pareto-s0-hidden128", "pareto-s0-hidden256"])
        #expect(document.object?["runs_query"] == .string("hidden >= 64 and id ~ hidden"))
        let first = document.object?["runs"]?.array?.first?.object
        #expect(first?["status"] == .string("done") && first?["shown"] == .bool(true))
        #expect(first?["summary"]?.object?["metrics"]?.object?["test/acc"]?.object?["goal"] == .string("max"))
        let text = try CommandRunner.run(["snapshot", pareto, "--panel", "runs", "--size", "100x20", "--runs", "best(test/acc) > 0.99"])
        #expect(text.status == 0 && text.stdout.contains("Runs · 3 of 7") && text.stdout.contains("hidden128") && !text.stdout.contains("hidden8 "),
                "\(text.stdout)")
    }

    /// The real Hugging Face Trainer fixture: `total_flos` gets a chart of its own, never the
    /// learning rate's (each chart's legend row names the metrics it draws).
    @Test func theTrainersTotalFlosNeverSharesAChartWithTheLearningRate() throws {
        let folder = TestPaths.repositoryRoot.appendingPathComponent("Tests/IngestTests/Fixtures/writers/hf_output").path
        let out = try CommandRunner.run(["snapshot", folder, "--panel", "curves", "--size", "200x80"])
        #expect(out.status == 0, "\(out.stderr)")
        let legends = out.stdout.split(separator: "\n").filter { $0.contains("━ ") }
        #expect(legends.contains { $0.contains("train/total_flos") } && legends.contains { $0.contains("train/learning_rate") })
        #expect(!legends.contains { $0.contains("train/total_flos") && $0.contains("train/learning_rate") })
    }

    /// Without `--run`, `check` takes the run with the most data (the sweep's parent has none);
    /// with `--runs`, every run the query selects.
    @Test func checkTakesTheRunWithMostDataOrEveryQueriedRun() throws {
        let one = try CommandRunner.run(["check", pareto, "--rule", "max(test/acc) > 0.5"])
        #expect(one.stdout.hasPrefix("check pareto.jsonl, run pareto-s0-hidden") && one.status == 0, "\(one.stdout)\(one.stderr)")
        let many = try CommandRunner.run(["check", pareto, "--rule", "max(test/acc) > 0.9", "--runs", "hidden <= 32 and id ~ hidden"])
        #expect(many.status == 1 && many.stdout.contains("run pareto-s0-hidden8\nFAIL") && many.stdout.contains("run pareto-s0-hidden32\nPASS"))
        #expect(many.stdout.hasSuffix("3 runs checked\n"), "\(many.stdout)")
        let none = try CommandRunner.run(["check", pareto, "--rule", "max(test/acc) > 0.9", "--runs", "lr > 1"])
        #expect(none.status == 2 && none.stderr.contains("no run in pareto.jsonl matches --runs lr > 1"))
    }
}

@Suite struct CheckCommandTests {
    let grokking = TestPaths.sample("runs/grokking.jsonl")
    let eos = TestPaths.sample("runs/eos.jsonl")

    @Test func holdingRulesExitZeroWithAReport() throws {
        let out = try CommandRunner.run(["check", grokking, "--rule", "phase generalization before 3000", "--rule", "max(train/loss) < 10",
                                         "--rule", "test/acc >= 0.99 after 1560"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout == """
        check grokking.jsonl, run grokking-s0
        PASS  phase generalization before 3000  —  generalization at step 1560
        PASS  max(train/loss) < 10  —  max(train/loss) = 6.53292 (< 10)
        PASS  test/acc >= 0.99 after 1560  —  held at 145 steps (1560…3000); closest at step 1560: test/acc = 0.990284 (>= 0.99)
        3 of 3 rules hold

        """)
    }

    @Test func aFailingRuleExitsOneAndSaysWhere() throws {
        let out = try CommandRunner.run(["check", eos, "--rule", "sharpness <= 2.2/lr after 1000", "--rule", "sharpness <= 2/lr after 1000"])
        #expect(out.status == 1)
        let lines = out.stdout.split(separator: "\n")
        #expect(lines[1].hasPrefix("PASS  sharpness <= 2.2/lr after 1000  —  held at 201 steps (1000…3000)"))
        #expect(lines[2].hasPrefix("FAIL  sharpness <= 2/lr after 1000  —  at step ") && lines[2].contains("2/lr = 4"))
        #expect(lines[3] == "1 of 2 rules hold")
    }

    @Test func malformedRulesArePositionedAndExitTwo() throws {
        let out = try CommandRunner.run(["check", grokking, "--rule", "max(train/loss) < 10", "--rule", "max(train/loss) <> 3"])
        #expect(out.status == 2 && out.stdout.isEmpty)
        #expect(out.stderr == """
        trainscope: rule 2: column 18: expected a value (a number, a metric or min/max/mean/first/last(metric)), found '>'
          max(train/loss) <> 3
                           ^

        """)
    }

    @Test func presetsAndRunsCanBeChosen() throws {
        let out = try CommandRunner.run(["check", "--preset", "eos", "--steps", "10", "--rule", "max(train/loss) < 1", "--run", "nope"])
        #expect(out.status == 2 && out.stderr.contains("no run 'nope' in preset eos (runs: eos-s0)"))
    }
}

/// `--theme NAME` finds the user's themes first, whatever the working directory; a path is a file.
@Suite struct ThemeLookupTests {
    @Test func aUserThemeIsFoundFromAnyDirectory() throws {
        let config = TestPaths.scratchDirectory()
        let folder = config.appendingPathComponent("trainscope/themes")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // The light theme under a new name, with a text colour nothing else uses.
        var light = try String(contentsOfFile: TestPaths.repositoryRoot.appendingPathComponent("Themes/light.theme").path, encoding: .utf8)
        light = light.split(separator: "\n").map { $0.hasPrefix("text ") || $0.hasPrefix("text=") ? "text = #123456" : String($0) }.joined(separator: "\n")
        try light.write(to: folder.appendingPathComponent("mine.theme"), atomically: true, encoding: .utf8)
        let elsewhere = TestPaths.scratchDirectory()
        let sample = TestPaths.sample("runs/eos.jsonl")
        let named = try CommandRunner.run(["snapshot", sample, "--theme", "mine", "--format", "svg"],
                                          environment: ["XDG_CONFIG_HOME": config.path], currentDirectory: elsewhere)
        #expect(named.status == 0 && named.stdout.contains("#123456"), "\(named.stderr)")
        let shipped = try CommandRunner.run(["snapshot", sample, "--theme", "okabe-ito", "--format", "svg"],
                                            environment: ["XDG_CONFIG_HOME": config.path], currentDirectory: elsewhere)
        #expect(shipped.status == 0, "\(shipped.stderr)")
        let path = try CommandRunner.run(["snapshot", sample, "--theme", folder.appendingPathComponent("mine.theme").path, "--format", "svg"])
        #expect(path.status == 0 && path.stdout.contains("#123456"))
        let missing = try CommandRunner.run(["snapshot", sample, "--theme", "nosuch"], environment: ["XDG_CONFIG_HOME": config.path])
        #expect(missing.status == 2 && missing.stderr.hasPrefix("trainscope: error: unknown theme 'nosuch' (looked in \(folder.path), "))
    }
}
