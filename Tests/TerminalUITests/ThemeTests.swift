import Foundation
import Testing
import TerminalUI
import TestSupport

@Suite struct ThemeTests {
    func themeFile(_ name: String) throws -> String {
        try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("Themes/\(name).theme"), encoding: .utf8)
    }

    @Test func compiledInThemesEqualTheirFiles() throws {
        #expect(try themeFile("default") == Theme.defaultThemeText)
        #expect(try themeFile("mono") == Theme.monoThemeText)
        #expect(try themeFile("paper") == Theme.paperThemeText)
        #expect(Theme.builtIn.keys.sorted() == ["default", "mono", "paper"])
    }

    @Test(arguments: ["default", "mono", "light", "okabe-ito"])
    func everyShippedThemeParses(_ name: String) throws {
        let theme = try Theme.parse(try themeFile(name), name: name, source: "\(name).theme")
        #expect(theme.series.count >= 4)
        if name == "mono" {
            let styles = [theme.text, theme.border, theme.title, theme.error] + theme.series
            #expect(styles.allSatisfy { $0.foreground == .default && $0.background == .default })
        }
    }

    @Test func valuesMeanWhatTheFormatSays() throws {
        let theme = try Theme.parse(try themeFile("okabe-ito"), name: "okabe-ito", source: "t")
        #expect(theme.series[0] == Style(foreground: .rgb(0xE6, 0x9F, 0x00)))
        #expect(theme.error == Style(foreground: .rgb(0xD5, 0x5E, 0x00), bold: true))
        #expect(theme.statusBar == Style(foreground: .indexed(238), reverse: true))
    }

    /// Each bad file: one error with line and column, and the reason.
    @Test(arguments: [
        ("text default", "t:1:1: expected `key = value`"),
        ("txt = default", "t:1:1: unknown key 'txt'"),
        ("  border = 240\nborder = 241", "t:2:1: key 'border' given twice"),
        ("axis = 300", "t:1:8: '300' is not a colour"),
        ("axis = #12345", "t:1:8: '#12345' is not a colour"),
        ("axis = blink 12", "t:1:8: 'blink' is not a colour"),
        ("axis = bold", "t:1:12: attributes must be followed by a colour"),
        ("axis =", "t:1:7: key 'axis' has no value"),
        ("axis = 1 2", "t:1:11: key 'axis' takes one colour, got 2"),
        ("text = default", "t:1:1: missing key 'dim_text'"),
    ])
    func badThemesArePositionedErrors(_ text: String, _ expected: String) {
        do {
            _ = try Theme.parse(text, name: "t", source: "t")
            Issue.record("parsed: \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func commentsBlankLinesAndCRLFAreFine() throws {
        let text = try themeFile("default").replacingOccurrences(of: "\n", with: "  # note\r\n") + "\r\n\n   \n"
        #expect(try Theme.parse(text, name: "default", source: "t") == Theme.builtIn["default"]!)
    }
}
