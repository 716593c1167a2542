import Testing
import Telemetry

/// One malformed line and the error it must produce.
struct BadLine: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let kind: NDJSONErrorKind
    /// Text the error's reason must contain.
    let reasonContains: String
    /// Expected 1-based column, when the failure has one.
    let column: Int?

    init(_ name: String, _ text: String, _ kind: NDJSONErrorKind, _ reasonContains: String, column: Int? = nil) {
        self.init(name, Array(text.utf8), kind, reasonContains, column: column)
    }

    init(_ name: String, _ bytes: [UInt8], _ kind: NDJSONErrorKind, _ reasonContains: String, column: Int? = nil) {
        self.name = name; self.bytes = bytes; self.kind = kind; self.reasonContains = reasonContains; self.column = column
    }

    var testDescription: String { name }
}

let scalarsPrefix = #"{"v":1,"type":"scalars","step":5,"#

/// The corpus: each line is placed between two valid lines, and must fail alone.
let corpus: [BadLine] = [
    BadLine("truncated object", #"{"v":1,"type":"scalars","step":1,"values":{"a":1}"#, .invalidJSON, "expected ',' or '}'"),
    BadLine("truncated inside a string", #"{"v":1,"type":"scal"#, .invalidJSON, "unterminated string", column: 15),
    BadLine("truncated after a colon", #"{"v":1,"type":"#, .invalidJSON, "unexpected end of line"),
    BadLine("trailing comma", #"{"v":1,"type":"pause",}"#, .invalidJSON, "expected a string key", column: 23),
    BadLine("garbage after the value", #"{"v":1,"type":"pause"} x"#, .invalidJSON, "after the JSON value", column: 24),
    BadLine("two objects on one line", #"{"v":1,"type":"pause"}{"v":1,"type":"pause"}"#, .invalidJSON, "after the JSON value", column: 23),
    BadLine("single quotes", "{'v':1}", .invalidJSON, "expected a string key", column: 2),
    BadLine("bare word", "hello", .invalidJSON, "expected a value", column: 1),
    BadLine("leading zero", #"{"v":01,"type":"pause"}"#, .invalidJSON, "leading zero", column: 7),
    BadLine("exponent without digits", #"{"v":1e,"type":"pause"}"#, .invalidJSON, "exponent", column: 8),
    BadLine("minus without digits", #"{"v":-,"type":"pause"}"#, .invalidJSON, "digit after '-'"),
    BadLine("misspelled Infinity", scalarsPrefix + #""values":{"a":Infinit}}"#, .invalidJSON, "expected 'Infinity'"),
    BadLine("misspelled true", #"{"v":1,"type":"pause","x":tru}"#, .invalidJSON, "expected 'true'"),
    BadLine("invalid escape", #"{"v":1,"type":"\q"}"#, .invalidJSON, "invalid escape", column: 16),
    BadLine("lone high surrogate", #"{"v":1,"type":"\ud800"}"#, .invalidJSON, "lone high surrogate"),
    BadLine("lone low surrogate", #"{"v":1,"type":"\udc00"}"#, .invalidJSON, "lone low surrogate"),
    BadLine("raw control character in a string", "{\"v\":1,\"type\":\"pa\u{1}use\"}", .invalidJSON, "control character", column: 18),
    BadLine("NUL bytes", [0, 0, 0], .invalidJSON, "byte 0x0", column: 1),
    BadLine("invalid UTF-8 in a string", Array(#"{"v":1,"type":"scalars","run":""#.utf8) + [0xFF, 0xFE] + Array(#"","step":1,"values":{}}"#.utf8),
            .invalidUTF8, "invalid UTF-8", column: 31),
    BadLine("overlong UTF-8 encoding", Array(#"{"v":1,"type":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8), .invalidUTF8, "invalid UTF-8"),
    BadLine("byte-order mark after the first line", [0xEF, 0xBB, 0xBF] + Array(#"{"v":1,"type":"pause"}"#.utf8), .invalidJSON, "byte 0xEF", column: 1),
    BadLine("top-level array", "[1,2,3]", .notAnObject, "got array"),
    BadLine("top-level number", "42", .notAnObject, "got number"),
    BadLine("top-level string", #""scalars""#, .notAnObject, "got string"),
    BadLine("top-level null", "null", .notAnObject, "got null"),
    BadLine("missing v", #"{"type":"pause"}"#, .missingField, #"missing required field "v""#),
    BadLine("missing type", #"{"v":1}"#, .missingField, #"missing required field "type""#),
    BadLine("scalars without step", #"{"v":1,"type":"scalars","values":{"a":1}}"#, .missingField, #""step""#),
    BadLine("scalars without values", #"{"v":1,"type":"scalars","step":3}"#, .missingField, #""values""#),
    BadLine("run without run id", #"{"v":1,"type":"run","task":"modular"}"#, .missingField, #""run""#),
    BadLine("set without knob", #"{"v":1,"type":"set","value":0.1}"#, .missingField, #""knob""#),
    BadLine("version as a string", #"{"v":"1","type":"pause"}"#, .wrongType, #"field "v" must be an integer, got string"#),
    BadLine("type as a number", #"{"v":1,"type":7}"#, .wrongType, #"field "type" must be a string, got number"#),
    BadLine("step as a string", #"{"v":1,"type":"scalars","step":"5","values":{}}"#, .wrongType, #""step" must be an integer"#),
    BadLine("values as an array", scalarsPrefix + #""values":[1,2]}"#, .wrongType, #""values" must be an object, got array"#),
    BadLine("metric value as a boolean", scalarsPrefix + #""values":{"loss":true}}"#, .wrongType, #"values["loss"] must be a number, got boolean"#),
    BadLine("metric value as a word", scalarsPrefix + #""values":{"loss":"low"}}"#, .wrongType, "got string"),
    BadLine("spectrum top with a string", #"{"v":1,"type":"spectrum","step":1,"top":[1,"big"]}"#, .wrongType, #""top[1]" must be a number"#),
    BadLine("phase evidence as a string", #"{"v":1,"type":"phase","step":1,"name":"x","evidence":"yes"}"#, .wrongType, #""evidence" must be an object"#),
    BadLine("fractional step", #"{"v":1,"type":"scalars","step":1.5,"values":{}}"#, .invalidValue, "must be an integer, got 1.5"),
    BadLine("NaN step", #"{"v":1,"type":"scalars","step":NaN,"values":{}}"#, .invalidValue, "must be an integer"),
    BadLine("version zero", #"{"v":0,"type":"pause"}"#, .invalidValue, "must be ≥ 1"),
    BadLine("future version", #"{"v":2,"type":"pause"}"#, .unsupportedVersion, "schema version 2 is newer"),
    BadLine("histogram edges do not fit counts", #"{"v":1,"type":"histogram","step":1,"name":"w","edges":[0,1],"counts":[1,2]}"#, .invalidValue, "needs counts + 1"),
    BadLine("histogram edges decreasing", #"{"v":1,"type":"histogram","step":1,"name":"w","edges":[1,0,2],"counts":[1,2]}"#, .invalidValue, "non-decreasing"),
    BadLine("pareto point with the wrong arity", #"{"v":1,"type":"pareto","step":1,"objectives":[{"name":"a","direction":"min"}],"points":[{"values":[1,2]}]}"#, .invalidValue, "has 2 entries for 1 objectives"),
    BadLine("pareto direction unknown", #"{"v":1,"type":"pareto","step":1,"objectives":[{"name":"a","direction":"up"}],"points":[]}"#, .invalidValue, #""objectives[0].direction" must be "min" or "max""#),
    BadLine("knob spec with an unknown scale", #"{"v":1,"type":"run","run":"r","knobs":[{"name":"lr","value":1,"scale":"cubic"}]}"#, .invalidValue, #""knobs[0].scale""#),
    BadLine("step count zero", #"{"v":1,"type":"step","count":0}"#, .invalidValue, "must be ≥ 1"),
    BadLine("duplicate key", #"{"v":1,"type":"scalars","step":1,"step":2,"values":{}}"#, .duplicateKey, #"duplicate key "step""#, column: 34),
    BadLine("duplicate metric", scalarsPrefix + #""values":{"a":1,"a":2}}"#, .duplicateKey, #"duplicate key "a""#),
    BadLine("deeply nested garbage", String(repeating: "[", count: 5000), .tooDeep, "nesting deeper than 64"),
    BadLine("deeply nested objects", #"{"v":1,"type":"pause","x":"# + String(repeating: #"{"a":"#, count: 100), .tooDeep, "nesting deeper"),
    BadLine("a 10 MB line", scalarsPrefix + #""values":{"a":""# + String(repeating: "x", count: 10 << 20) + #""}}"#, .lineTooLong, "line longer than the 1048576-byte limit"),
]

let validBefore = #"{"v":1,"type":"scalars","step":1,"values":{"loss":1}}"#
let validAfter = #"{"v":1,"type":"scalars","step":2,"values":{"loss":0.5}}"#

@Suite struct MalformedInputCorpusTests {
    @Test func corpusIsLargeEnough() { #expect(corpus.count >= 30) }

    @Test(arguments: corpus)
    func badLineIsReportedAndNeighboursSurvive(_ bad: BadLine) {
        let stream = Array((validBefore + "\n").utf8) + bad.bytes + Array(("\n" + validAfter + "\n").utf8)
        // Feed in small chunks as well as whole, so line splitting across chunk borders is exercised.
        for chunkSize in [stream.count, stream.count > 1 << 20 ? 65536 : 7] {
            var decoder = NDJSONDecoder()
            var items: [NDJSONItem] = []
            var offset = 0
            while offset < stream.count {
                decoder.feed(Array(stream[offset..<min(offset + chunkSize, stream.count)])) { items.append($0) }
                offset += chunkSize
            }
            decoder.finish { items.append($0) }
            let errors = items.compactMap { if case .error(let e) = $0 { e } else { nil } }
            let steps = items.compactMap { if case .event(.scalars(let s), _) = $0 { s.step } else { nil } }
            #expect(steps == [1, 2], "valid neighbours lost (chunk \(chunkSize))")
            #expect(errors.count == 1, "expected exactly one error, got \(errors)")
            guard let error = errors.first else { continue }
            #expect(error.kind == bad.kind, "\(error)")
            #expect(error.line == 2)
            #expect(error.reason.contains(bad.reasonContains), "\(error.reason)")
            if let column = bad.column { #expect(error.column == column, "\(error)") }
            #expect(!error.description.contains("\n"), "error text must be one line")
            #expect(error.description.hasPrefix("line 2"))
        }
    }

    @Test func toleratedQuirksAreNotErrors() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let stream = bom + Array((validBefore + "\r\n\r\n   \n\t\n" + #"{"v":1,"type":"pause"}"# + "\r\n\n" + validAfter).utf8)
        let items = NDJSONDecoder.decodeAll(stream)
        #expect(items.count == 3)
        #expect(items.allSatisfy { if case .event = $0 { true } else { false } })
        guard case .event(_, let lastLine)? = items.last else { return }
        #expect(lastLine == 7, "line numbers count empty lines")
    }

    @Test func errorsCarryTheirRealLineNumbers() {
        let text = [validBefore, "", "oops", validAfter, "{", "", "[]", validAfter].joined(separator: "\n")
        let lines = NDJSONDecoder.decodeAll(text).compactMap { if case .error(let e) = $0 { e.line } else { nil } }
        #expect(lines == [3, 5, 7])
    }

    @Test func partialLastLineIsReportedAsTruncated() {
        let items = NDJSONDecoder.decodeAll(validBefore + "\n" + #"{"v":1,"type":"scalars","st"#)
        #expect(items.count == 2)
        guard case .error(let e)? = items.last else { Issue.record("no error"); return }
        #expect(e.kind == .truncatedLine && e.line == 2)
        #expect(e.reason.hasPrefix("incomplete last line"))
    }

    @Test func completeLastLineWithoutNewlineIsKept() {
        let items = NDJSONDecoder.decodeAll(validBefore + "\n" + validAfter)
        #expect(items.count == 2)
        #expect(items.allSatisfy { if case .event = $0 { true } else { false } })
    }

    @Test func longLineSplitAcrossChunksIsSkippedWithoutBuffering() {
        var decoder = NDJSONDecoder(maxLineBytes: 100)
        var items: [NDJSONItem] = []
        decoder.feed(Array((validBefore + "\n").utf8)) { items.append($0) }
        for _ in 0..<50 { decoder.feed(Array(repeating: UInt8(ascii: "x"), count: 64)) { items.append($0) } }
        decoder.feed(Array(("\n" + validAfter + "\n").utf8)) { items.append($0) }
        decoder.finish { items.append($0) }
        #expect(items.count == 3)
        guard case .error(let e) = items[1] else { Issue.record("no error"); return }
        #expect(e.kind == .lineTooLong && e.line == 2 && e.reason.contains("3200 bytes"))
    }
}
