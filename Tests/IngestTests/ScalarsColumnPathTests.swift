import Foundation
import JSONCore
import Testing
import Telemetry
@testable import Ingest
import TestSupport

/// The `scalars` fast path must give exactly the general decoder's event for every line it
/// accepts, and decline every line it is not sure about (the general path then decides).
@Suite struct ScalarsFastPathTests {
    /// What the general path makes of a line (nil when it is an error or not `scalars`).
    func general(_ line: String) -> ScalarsEvent? {
        let bytes = Array(line.utf8)
        guard let value = try? JSONParser.parse(bytes: bytes), let event = try? TelemetryEvent(json: value),
              case .scalars(let s) = event else { return nil }
        return s
    }

    func fast(_ line: String) -> ScalarsEvent? {
        var decoder = ScalarsLineDecoder()
        return Array(line.utf8).withUnsafeBufferPointer { decoder.decode($0) }
    }

    @Test(arguments: [
        #"{"v":1,"type":"scalars","step":3,"values":{"loss":0.5}}"#,
        #"{"type":"scalars","v":1,"values":{"a":1,"b":-2.5e-3,"c":"NaN","d":"Infinity","e":"-Infinity"},"step":7,"run":"r1","time":1700000000.125}"#,
        #"{ "v" : 1 , "type" : "scalars" , "step" : 0 , "time" : null , "run" : null , "values" : { } }"#,
        #"{"v":1,"type":"scalars","step":1e3,"values":{"x":NaN,"y":Infinity,"z":-Infinity,"w":"+Infinity"}}"#,
        #"{"v":1,"type":"scalars","step":-4,"values":{"x":0.1234567890123456789,"y":1.7976931348623157e308,"z":5e-324,"q":-0.0}}"#,
        #"{"v":1,"type":"scalars","step":9007199254740992,"values":{"x":123456789012345678901234567890}}"#,
    ])
    func acceptedLinesDecodeExactlyAsTheGeneralPath(_ line: String) throws {
        let expected = try #require(general(line), "the general path accepts it")
        let got = try #require(fast(line), "the fast path accepts it")
        #expect(got == expected)
        #expect(got.values.allSatisfy { key, value in value.bitPattern == expected.values[key]!.bitPattern || value.isNaN })
    }

    @Test(arguments: [
        #"{"v":1,"type":"scalars","step":3,"values":{"loss":0.5},"extra":1}"#,      // unknown field: kept by the general path
        #"{"v":1,"type":"scalars","step":3,"values":{"lo\u0073s":0.5}}"#,           // escape
        #"{"v":1,"type":"scalars","step":3,"values":{"λ":0.5}}"#,                   // non-ASCII name
        #"{"v":1,"type":"scalars","step":3,"values":{"a":1,"a":2}}"#,               // duplicate metric
        #"{"v":1,"v":1,"type":"scalars","step":3,"values":{}}"#,                    // duplicate field
        #"{"v":1,"type":"scalars","step":3.5,"values":{}}"#,                        // not an integer
        #"{"v":2,"type":"scalars","step":3,"values":{}}"#,                          // newer version
        #"{"v":1,"type":"scalars","values":{}}"#,                                   // no step
        #"{"v":1,"type":"scalars","step":3,"values":{"a":"fast"}}"#,                // not a number
        #"{"v":1,"type":"scalars","step":3,"values":{"a":01}}"#,                    // leading zero
        #"{"v":1,"type":"scalars","step":3,"values":{"a":1}} x"#,                   // trailing garbage
        #"{"v":1,"type":"knob","step":3,"name":"lr","new":1}"#,                     // another kind
        #"{"v":1,"type":"scalars","step":3,"values":{"a":1.}}"#,                    // bad number
        #"{"v":1,"type":"scalars","step":3,"values":{"a":[1]}}"#,                   // nested
    ])
    func uncertainLinesAreDeclined(_ line: String) {
        #expect(fast(line) == nil)
    }

    /// Random lines in many shapes: whenever the fast path answers, the general path agrees.
    @Test func randomLinesAgreeWithTheGeneralPath() {
        var rng = SplitMix64(seed: 7)
        let names = ["loss", "train/loss", "test/acc", "lr", "a b", "x"]
        var accepted = 0
        for _ in 0..<3000 {
            var fields: [String] = [#""v":1"#, #""type":"scalars""#, "\"step\":\(Int(rng.next() % 100_000))"]
            if rng.next() % 2 == 0 { fields.append("\"time\":\(1.7e9 + Double(rng.next() % 1_000_000) / 1000)") }
            if rng.next() % 3 == 0 { fields.append(#""run":"r\#(rng.next() % 3)""#) }
            var values: [String] = []
            for name in names where rng.next() % 2 == 0 {
                let kind = rng.next() % 6
                let number: String = switch kind {
                case 0: "\(Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF))"
                case 1: "\(Double(rng.next() % 10_000) / 1000)"
                case 2: "\"NaN\""
                case 3: "\(Int64(bitPattern: rng.next()) % 1_000_000)e\(Int(rng.next() % 40) - 20)"
                case 4: "-\(Double(rng.next() % 1_000_000) / 7)"
                default: "\(rng.next() % 3 == 0 ? "0.0000000000000000000012345" : "1234567.891011121314")"
                }
                values.append("\"\(name)\":\(number)")
            }
            fields.append("\"values\":{\(values.joined(separator: ","))}")
            fields.shuffle(using: &rng)
            let line = "{" + fields.joined(separator: rng.next() % 4 == 0 ? " , " : ",") + "}"
            let expected = general(line)
            if let got = fast(line) {
                accepted += 1
                #expect(got == expected, "\(line)")
            }
        }
        #expect(accepted == 3000, "every generated line has the common shape")
    }
}

/// The column path (`NDJSONBlockDecoder`: lines that repeat a template become rows of
/// a block) gives the same events, errors and line numbers as decoding line by line, whatever the
/// chunking, for streams that mix shapes, special values, bad lines, blank lines and CRLF endings.
@Suite struct ScalarsColumnPathTests {
    /// Line-by-line decoding, with blocks expanded back into events.
    static func columnar(_ bytes: [UInt8], chunks: inout SplitMix64) -> [NDJSONItem] {
        var decoder = NDJSONBlockDecoder()
        var items: [NDJSONItem] = []
        var start = 0
        bytes.withUnsafeBytes { raw in
            while start < raw.count {
                let end = min(raw.count, start + 1 + Int(chunks.next() % 700))
                decoder.feed(UnsafeRawBufferPointer(rebasing: raw[start..<end]), scalars: { block in
                    block.forEachEvent { items.append(.event(.scalars($0), line: 0)) }
                }) { items.append($0) }
                start = end
            }
        }
        decoder.finish { items.append($0) }
        return items
    }

    /// Items without line numbers on events (blocks carry none); errors keep theirs.
    static func comparable(_ items: [NDJSONItem]) -> [NDJSONItem] {
        items.map { if case .event(let event, _) = $0 { .event(event, line: 0) } else { $0 } }
    }

    @Test func randomStreamsDecodeAsLineByLine() {
        var rng = SplitMix64(seed: 21)
        let shapes: [(String) -> String] = [
            { #"{"v":1,"type":"scalars","step":\#($0),"time":1700000000.5,"values":{"train/loss":\#($0),"lr":0.001}}"# },
            { #"{"v":1,"type":"scalars","run":"eval","step":\#($0),"values":{"test/acc":\#($0)}}"# },
            { #"{"type":"scalars","v":1,"values":{"a":\#($0),"b":\#($0),"c":\#($0)},"step":\#($0),"time":null}"# },
        ]
        var lines = 0
        for stream in 0..<40 {
            var text = ""
            var shape = 0
            for _ in 0..<150 {
                if rng.next() % 10 == 0 { shape = Int(rng.next() % UInt64(shapes.count)) }
                let number: String = switch rng.next() % 8 {
                case 0: "\"NaN\""
                case 1: "-\(Double(rng.next() % 1_000_000) / 7)"
                case 2: "\(rng.next() % 100)e\(Int(rng.next() % 10) - 5)"
                case 3: "1.5"                                           // not an integer where a step goes
                case 4: "01"                                            // a malformed number
                default: "\(rng.next() % 100_000)"
                }
                var line = shapes[shape](number)
                switch rng.next() % 40 {
                case 0: line = ""
                case 1: line = "{bad json"
                case 2: line = #"{"v":1,"type":"knob","step":3,"name":"lr","new":0.1,"by":"user"}"#
                case 3: line = " " + line
                default: break
                }
                text += line + (rng.next() % 7 == 0 ? "\r\n" : "\n")
                lines += 1
            }
            if stream % 2 == 1 { text += shapes[0]("7") }               // a last line without newline
            let bytes = Array(text.utf8)
            let expected = Self.comparable(NDJSONDecoder.decodeAll(bytes))
            let got = Self.comparable(Self.columnar(bytes, chunks: &rng))
            #expect(got == expected, "stream \(stream)")
        }
        #expect(lines == 6000)
    }

    /// Lines one byte away from the template (a digit, a sign, a quote, a brace or a space put
    /// anywhere) decode as they do line by line: a match against the template never accepts a line
    /// the full parser would read differently.
    @Test func mutatedLinesDecodeAsLineByLine() {
        var rng = SplitMix64(seed: 22)
        let line = #"{"v":1,"type":"scalars","run":"r","step":120,"time":1700000000.25,"values":{"train/loss":2.5090804742995068,"lr":1e-3,"x":"NaN"}}"#
        let alphabet = Array(#"0123456789.eE-+,:"{} ]aN"#.utf8)
        for round in 0..<30 {
            var text = ""
            for _ in 0..<100 {
                var bytes = Array(line.utf8)
                if rng.next() % 3 != 0 {
                    let at = Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 3 {
                    case 0: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                    default: bytes.remove(at: at)
                    }
                }
                text += String(decoding: bytes, as: UTF8.self) + "\n"
            }
            let bytes = Array(text.utf8)
            #expect(ScalarsColumnPathTests.comparable(ScalarsColumnPathTests.columnar(bytes, chunks: &rng))
                    == ScalarsColumnPathTests.comparable(NDJSONDecoder.decodeAll(bytes)), "round \(round)")
        }
    }

    /// The column path really takes the common stream as blocks: one per chunk, not one per line.
    @Test func repeatedLinesBecomeFewBlocks() {
        let text = (0..<1000).map { #"{"v":1,"type":"scalars","step":\#($0),"values":{"loss":\#(Double($0) / 3)}}"# + "\n" }.joined()
        var decoder = NDJSONBlockDecoder()
        var blocks: [ScalarsBlock] = []
        var others = 0
        Array(text.utf8).withUnsafeBytes { decoder.feed($0, scalars: { blocks.append($0) }) { _ in others += 1 } }
        #expect(blocks.count == 1 && others == 0)
        #expect(blocks.first?.steps == Array(0..<1000))
        #expect(blocks.first?.values == (0..<1000).map { Double($0) / 3 })
        #expect(blocks.first?.names == ["loss"] && blocks.first?.isTimed == false)
    }
}
