import JSONCore
import Testing
import Ingest
import Telemetry

/// A trainer_state.json as `Trainer.save_state` writes it (indent 2, keys sorted), from a short
/// run with logging_steps 5, eval_steps 10 and two epochs.
private let trainerState = """
{
  "best_metric": 0.875,
  "best_model_checkpoint": "out/checkpoint-20",
  "epoch": 2.0,
  "eval_steps": 10,
  "global_step": 20,
  "is_hyper_param_search": false,
  "is_local_process_zero": true,
  "is_world_process_zero": true,
  "log_history": [
    {
      "epoch": 0.5,
      "grad_norm": 3.25,
      "learning_rate": 4.5e-05,
      "loss": 2.125,
      "step": 5
    },
    {
      "epoch": 1.0,
      "grad_norm": 2.5,
      "learning_rate": 4e-05,
      "loss": 1.75,
      "step": 10
    },
    {
      "epoch": 1.0,
      "eval_accuracy": 0.75,
      "eval_loss": 1.5,
      "eval_runtime": 1.25,
      "eval_samples_per_second": 80.0,
      "eval_steps_per_second": 10.0,
      "step": 10
    },
    {
      "epoch": 2.0,
      "grad_norm": 1.5,
      "learning_rate": 0.0,
      "loss": 1.25,
      "step": 20
    },
    {
      "epoch": 2.0,
      "step": 20,
      "total_flos": 12345.0,
      "train_loss": 1.5,
      "train_runtime": 12.5,
      "train_samples_per_second": 40.0,
      "train_steps_per_second": 1.6
    }
  ],
  "logging_steps": 5,
  "max_steps": 20,
  "num_input_tokens_seen": 0,
  "num_train_epochs": 2,
  "save_steps": 500,
  "stateful_callbacks": {
    "TrainerControl": {
      "args": {
        "should_epoch_stop": false
      }
    }
  },
  "total_flos": 12345.0,
  "train_batch_size": 8,
  "trial_name": null,
  "trial_params": null
}
"""

private func read(_ text: String, skipEntries: Int = 0, announce: Bool = true) throws(SourceProblem)
    -> (items: [IngestItem], entries: Int) {
    try TrainerStateReader.read(Array(text.utf8), source: "t.json", run: "r", skipEntries: skipEntries, announce: announce)
}

/// The error `read` throws, or nil.
private func failure(_ text: String) -> String? {
    do throws(SourceProblem) {
        _ = try read(text)
        return nil
    } catch {
        return error.description
    }
}

private func scalars(_ step: Int, _ values: [String: Double]) -> IngestItem {
    .event(.scalars(ScalarsEvent(run: "r", step: step, values: values)))
}

private func problem(_ position: String, _ reason: String) -> IngestItem {
    .problem(SourceProblem(source: "t.json", position: position, reason: reason))
}

private let expectedScalars: [IngestItem] = [
    scalars(5, ["train/epoch": 0.5, "train/grad_norm": 3.25, "train/learning_rate": 4.5e-05, "train/loss": 2.125]),
    scalars(10, ["train/epoch": 1.0, "train/grad_norm": 2.5, "train/learning_rate": 4e-05, "train/loss": 1.75]),
    scalars(10, ["train/epoch": 1.0, "eval/accuracy": 0.75, "eval/loss": 1.5, "eval/runtime": 1.25,
                 "eval/samples_per_second": 80, "eval/steps_per_second": 10]),
    scalars(20, ["train/epoch": 2.0, "train/grad_norm": 1.5, "train/learning_rate": 0, "train/loss": 1.25]),
    scalars(20, ["train/epoch": 2.0, "train/total_flos": 12345, "train/train_loss": 1.5, "train/train_runtime": 12.5,
                 "train/train_samples_per_second": 40, "train/train_steps_per_second": 1.6]),
]

@Suite struct TrainerStateReaderTests {
    @Test func aRealisticTrainerStateGivesTheRunAndEveryLogEntry() throws {
        let (items, entries) = try read(trainerState)
        #expect(entries == 5)
        let config = JSONObject([
            ("best_metric", .number(0.875)), ("best_model_checkpoint", .string("out/checkpoint-20")), ("epoch", .number(2)),
            ("eval_steps", .number(10)), ("global_step", .number(20)), ("logging_steps", .number(5)), ("max_steps", .number(20)),
            ("num_input_tokens_seen", .number(0)), ("num_train_epochs", .number(2)), ("save_steps", .number(500)),
            ("total_flos", .number(12345)), ("train_batch_size", .number(8)),
        ])
        let run = IngestItem.event(.run(RunEvent(run: "r", config: config, extra: JSONObject([("source", .string("t.json"))]))))
        #expect(items == [run] + expectedScalars)
    }

    @Test func metricNamesFollowTheTrainersTensorBoardCallback() {
        #expect(TrainerStateReader.metricName("loss") == "train/loss")
        #expect(TrainerStateReader.metricName("learning_rate") == "train/learning_rate")
        #expect(TrainerStateReader.metricName("eval_loss") == "eval/loss")
        #expect(TrainerStateReader.metricName("eval_accuracy") == "eval/accuracy")
        #expect(TrainerStateReader.metricName("test_acc") == "test/acc")
        #expect(TrainerStateReader.metricName("evaluation") == "train/evaluation")
        #expect(TrainerStateReader.metricName("train_runtime") == "train/train_runtime")
    }

    @Test func skipEntriesAndAnnounceLeaveOutWhatWasShown() throws {
        let (items, entries) = try read(trainerState, skipEntries: 3, announce: false)
        #expect(entries == 5)
        #expect(items == Array(expectedScalars.suffix(2)))
        let (all, _) = try read(trainerState, skipEntries: 5, announce: false)
        #expect(all.isEmpty)
        let (again, _) = try read(trainerState, skipEntries: 9, announce: true)
        #expect(again.count == 1)
        if case .event(.run(let event))? = again.first { #expect(event.run == "r") } else { Issue.record("expected the run event") }
    }

    @Test func entriesWithoutNumbersGiveNoEvent() throws {
        let (items, entries) = try read(#"{"log_history": [{"step": 3}, {"step": 4, "note": "x", "flag": true}]}"#, announce: false)
        #expect(entries == 2)
        #expect(items.isEmpty)
    }

    @Test func pythonsNaNAndInfinityAreValues() throws {
        // json.dumps writes a diverged loss as a bare NaN.
        let (items, _) = try read(#"{"log_history": [{"loss": NaN, "grad_norm": Infinity, "step": 7}]}"#, announce: false)
        #expect(items == [scalars(7, ["train/loss": .nan, "train/grad_norm": .infinity])])
    }

    // MARK: - Bad input

    @Test func invalidJSONIsReportedAtItsLineAndColumn() {
        let text = """
        {
          "log_history": [
            {"loss": 1.0, "step": 1},
            {"loss": 0.5 "step": 2}
          ]
        }
        """
        // `"step"` after `0.5 ` starts at byte 18 of line 4.
        #expect(failure(text) == "t.json: line 4, column 18: expected ',' or '}' in object, found '\"'")
    }

    @Test func invalidJSONOnTheFirstLineAndAtTheEnd() {
        #expect(failure("{\"log_history\": [}") == "t.json: line 1, column 18: unexpected '}', expected a value")
        // Cut off after a newline: the position is just past the last byte, on the next line.
        #expect(failure("{\n  \"log_history\": [\n") == "t.json: line 3, column 1: unexpected end of line, expected a value")
        #expect(failure("") == "t.json: line 1, column 1: unexpected end of line, expected a value")
    }

    @Test func aDocumentThatIsNotAnObject() {
        #expect(failure("[1, 2]") == "t.json: expected a JSON object with log_history, got array")
        #expect(failure("\"log_history\"") == "t.json: expected a JSON object with log_history, got string")
    }

    @Test func aDocumentWithoutLogHistory() {
        #expect(failure(#"{"global_step": 3}"#) == "t.json: no log_history array; is this a trainer_state.json?")
        #expect(failure(#"{"log_history": {"step": 1}}"#) == "t.json: no log_history array; is this a trainer_state.json?")
    }

    @Test func badEntriesAreProblemsAndTheEntriesAroundThemSurvive() throws {
        let text = """
        {"global_step": 4, "log_history": [
          {"loss": 1.0, "step": 1},
          5,
          {"loss": 0.75, "step": 2},
          ["loss", 0.5],
          {"loss": 0.5},
          {"loss": 0.375, "step": 2.5},
          {"loss": 0.25, "step": "3"},
          {"loss": 0.125, "step": 4}
        ]}
        """
        let (items, entries) = try read(text, announce: false)
        #expect(entries == 8)
        #expect(items == [
            scalars(1, ["train/loss": 1.0]),
            problem("log_history[1]", "expected an object, got number; skipped"),
            scalars(2, ["train/loss": 0.75]),
            problem("log_history[3]", "expected an object, got array; skipped"),
            problem("log_history[4]", "no integer 'step'; skipped"),
            problem("log_history[5]", "no integer 'step'; skipped"),
            problem("log_history[6]", "no integer 'step'; skipped"),
            scalars(4, ["train/loss": 0.125]),
        ])
        let lines = items.compactMap { if case .problem(let p) = $0 { p.description } else { nil } }
        #expect(lines.first == "t.json: log_history[1]: expected an object, got number; skipped")
        #expect(lines.last == "t.json: log_history[6]: no integer 'step'; skipped")
    }
}

/// A trainer_state.json is read as Python reads it: a BOM, repeated keys and deep nesting do not
/// refuse the file; the repeats are reported.
@Suite struct TrainerStateToleranceTests {
    @Test func aByteOrderMarkIsSkipped() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"log_history":[{"step":1,"loss":0.5}]}"#.utf8)
        let (items, entries) = try TrainerStateReader.read(bytes, source: "t.json", run: "r")
        #expect(entries == 1 && items.count == 2)
    }

    @Test func repeatedKeysKeepTheLastValueAndAreReported() throws {
        let text = #"{"best_metric":1,"best_metric":2,"log_history":[{"step":1,"loss":0.5,"loss":0.25}]}"#
        let (items, _) = try TrainerStateReader.read(Array(text.utf8), source: "t.json", run: "r")
        let problems = items.compactMap { if case .problem(let p) = $0 { p.description } else { nil } }
        #expect(problems == [#"t.json: line 1, column 18: duplicate key "best_metric"; the last value is kept"#,
                             #"t.json: line 1, column 70: duplicate key "loss"; the last value is kept"#])
        #expect(items.contains(.event(.scalars(ScalarsEvent(run: "r", step: 1, values: ["train/loss": 0.25])))))
    }

    @Test func nestingDeeperThanEventsAllowIsRead() throws {
        let deep = String(repeating: #"{"a":"#, count: 300) + "1" + String(repeating: "}", count: 300)
        let text = #"{"deep":"# + deep + #","log_history":[{"step":3,"loss":1}]}"#
        #expect(try TrainerStateReader.read(Array(text.utf8), source: "t.json", run: "r").entries == 1)
    }

    @Test func manyKeysAreReadInLinearTime() throws {
        let keys = (0..<100_000).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        let text = #"{"#  + keys + #","log_history":[{"step":1,"loss":1}]}"#
        #expect(try TrainerStateReader.read(Array(text.utf8), source: "t.json", run: "r").entries == 1)
    }
}
