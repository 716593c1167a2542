import JSONCore
import Testing

@Suite struct JSONFieldReaderTests {
    private func object(_ text: String) throws -> JSONObject {
        guard case .object(let o) = try JSONParser.parse(bytes: Array(text.utf8)) else { throw JSONFieldError(kind: .wrongType, reason: "") }
        return o
    }

    @Test func readsTypedFieldsAndKeepsTheRest() throws {
        var r = JSONFieldReader(try object(#"{"a":1,"b":"x","c":[1,"NaN","-Infinity"],"d":null,"e":true}"#))
        #expect(try r.int("a") == 1 && r.string("b") == "x")
        let c = try r.doubles("c")
        #expect(c[0] == 1 && c[1].isNaN && c[2] == -.infinity)
        #expect(try r.optionalString("d") == nil)
        #expect(r.unread == JSONObject([("e", .bool(true))]))
    }

    @Test func errorsNameTheFieldWithItsPath() throws {
        var r = JSONFieldReader(try object(#"{"n":1.5,"s":3}"#), path: "cost.")
        #expect(throws: JSONFieldError(kind: .invalidValue, reason: #"field "cost.n" must be an integer, got 1.5"#)) { try r.int("n") }
        #expect(throws: JSONFieldError(kind: .wrongType, reason: #"field "cost.s" must be a string, got number"#)) { try r.string("s") }
        #expect(throws: JSONFieldError(kind: .missingField, reason: #"missing required field "cost.x""#)) { try r.double("x") }
        #expect(throws: JSONFieldError(kind: .wrongType, reason: #"field "cost.s[0]" must be a number, got string"#)) {
            var list = JSONFieldReader(try object(#"{"s":["a"]}"#), path: "cost.")
            _ = try list.doubles("s")
        }
    }
}
