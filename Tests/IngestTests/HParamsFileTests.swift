import Ingest
import JSONCore
import Testing

@Suite struct HParamsFileTests {
    /// What `yaml.dump` writes for Lightning's `save_hyperparameters` (block style, sorted keys).
    @Test func lightningsHParamsBecomeAFlatConfig() {
        let text = """
        # written by CSVLogger
        act: relu
        batch_size: 32
        betas:
        - 0.9
        - 0.999
        flags: [1, 2]
        lr: 0.001
        model:
          depth: 2
          head:
            dropout: .nan
        name: 'it''s "quoted"'
        nothing: null
        empty:
        use_bn: true
        weight_decay: 1.0e-05
        """
        let (config, problems) = HParamsFile.read(text, source: "hparams.yaml")
        #expect(problems.isEmpty, "\(problems)")
        #expect(config["act"] == .string("relu") && config["batch_size"] == .number(32) && config["lr"] == .number(0.001))
        #expect(config["betas"] == .array([.number(0.9), .number(0.999)]) && config["flags"] == .array([.number(1), .number(2)]))
        #expect(config["model.depth"] == .number(2) && config["model.head.dropout"]?.number?.isNaN == true)
        #expect(config["name"] == .string(#"it's "quoted""#) && config["nothing"] == .null && config["empty"] == .null)
        #expect(config["use_bn"] == .bool(true) && config["weight_decay"] == .number(1e-5))
        #expect(config["model"] == nil, "a mapping is its dotted keys, not a value of its own")
    }

    /// Each bad line is one problem with its line and column; the lines around it are kept.
    @Test(arguments: [
        ("lr: 0.1\n\tbatch: 3\nseed: 1", "hparams.yaml: line 2, column 1: a tab in the indentation (YAML indents with spaces); line skipped"),
        ("lr: 0.1\njust words\nseed: 1", "hparams.yaml: line 2, column 1: expected `key: value`; line skipped"),
        ("lr: 0.1\n- 3\nseed: 1", "hparams.yaml: line 2, column 1: a list item outside a list; line skipped"),
        ("lr: 0.1\nopt: !!python/object:torch.optim.Adam {}\nseed: 1", "hparams.yaml: line 2, column 6: a tagged value (!!python/object:torch.optim.Adam) is not plain data for 'opt'; line skipped"),
        ("lr: 0.1\nname: 'open\nseed: 1", "hparams.yaml: line 2, column 7: a quoted string is never closed for 'name'; line skipped"),
        ("lr: 0.1\nlayers: [1, 2\nseed: 1", "hparams.yaml: line 2, column 9: a '[' list is never closed for 'layers'; line skipped"),
        ("lr: 0.1\nnote: |\nseed: 1", "hparams.yaml: line 2, column 7: block strings are not read for 'note'; line skipped"),
        ("lr: 0.1\n: 3\nseed: 1", "hparams.yaml: line 2, column 1: a key is empty; line skipped"),
    ])
    func badLinesAreReportedAndTheRestKept(_ text: String, _ message: String) {
        let (config, problems) = HParamsFile.read(text, source: "hparams.yaml")
        #expect(problems.map(\.description) == [message])
        #expect(config["lr"] == .number(0.1) && config["seed"] == .number(1), "\(config.keys)")
    }

    @Test func deepNestingAndHugeInputEndQuickly() {
        var deep = ""
        for level in 0..<40 { deep += String(repeating: " ", count: level) + "k\(level):\n" }
        let (config, problems) = HParamsFile.read(deep, source: "deep.yaml")
        #expect(problems.first?.description == "deep.yaml: line 33, column 33: nested more than 32 levels; line skipped")
        #expect(config.keys.count <= 2)
        let wide = (0..<50_000).map { "key\($0): \($0)" }.joined(separator: "\n")
        #expect(HParamsFile.read(wide, source: "wide.yaml").config.keys.count == 50_000)
    }

    /// The fuzzer's find: thousands of blanks around keys and values (trimmed in one pass now).
    @Test func blanksAroundKeysAndValuesAreCutWhateverTheirNumber() {
        let blanks = String(repeating: " ", count: 20_000)
        let (config, problems) = HParamsFile.read("lr: 0.1\(blanks)\nname:\(blanks)adam\(blanks)\n", source: "h.yaml")
        #expect(problems.isEmpty && config["lr"] == .number(0.1) && config["name"] == .string("adam"), "\(config.keys) \(problems)")
    }
}
