import JSONCore
import Testing
import Telemetry

/// Every JSON syntax and field error has the row of PROTOCOL.md's error table with its name.
@Suite struct ErrorKindTests {
    @Test func syntaxAndFieldKindsMapToTheProtocolsErrorKinds() {
        #expect(JSONSyntaxError.Kind.allCases.map { NDJSONErrorKind($0) } == [.invalidJSON, .invalidUTF8, .duplicateKey, .tooDeep])
        #expect(JSONFieldError.Kind.allCases.map { NDJSONErrorKind($0) } == [.missingField, .wrongType, .invalidValue])
    }

    @Test func aFieldErrorNamesItsPathAndKind() {
        let items = NDJSONDecoder.decodeAll(#"{"v":1,"type":"spectrum","step":3,"top":[1],"cost":{"hvps":"many","seconds":1}}"# + "\n")
        #expect(items == [.error(NDJSONError(kind: .wrongType, line: 1, reason: #"field "cost.hvps" must be an integer, got string"#))])
    }
}
