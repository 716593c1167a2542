import Testing
@testable import Rules

/// Rules deep or long enough to overflow the stack are refused with one clear error instead.
@Suite struct RuleDepthTests {
    private func checkError(_ text: String) -> String? {
        do throws(CheckRuleError) { _ = try CheckRule.parse(text); return nil } catch { return error.reason }
    }

    @Test func deepParenthesesAreRefused() {
        let deep = String(repeating: "(", count: 30_000) + "1" + String(repeating: ")", count: 30_000) + " < 2"
        #expect(checkError(deep) == "nested deeper than 32 levels of parentheses and signs")
        let negations = String(repeating: "-", count: 10_000) + "x < 2"
        #expect(checkError(negations) != nil)
        let fine = String(repeating: "(", count: 32) + "1" + String(repeating: ")", count: 32) + " < 2"
        #expect(checkError(fine) == nil)
    }

    @Test func longSumsAreRefused() {
        let sum = (0..<200_000).map { _ in "x" }.joined(separator: " + ") + " < 1"
        #expect(checkError(sum) == "more than 256 operations in one rule")
        let fine = (0..<200).map { _ in "x" }.joined(separator: " + ") + " < 1"
        #expect(checkError(fine) == nil)
    }

    @Test func aRulesFileWithDeepNestingIsOneError() throws {
        let text = "deep: when " + String(repeating: "(", count: 100_000) + "loss" + String(repeating: ")", count: 100_000) + " > 1 then stop\r\n"
        #expect(throws: RuleFileError.self) { try RuleFile.parse(text, source: "rules.txt") }
        let crlf = "halve: when loss > 1 then scale lr by 0.5\r\nok: when loss < 0.1 then pause\r\n"
        #expect(try RuleFile.parse(crlf, source: "rules.txt").rules.map(\.name) == ["halve", "ok"])
    }
}
