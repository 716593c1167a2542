import Testing
import TerminalUI
import CursesBackend

@Suite struct ColorPairTableTests {
    @Test func pairsAreAllocatedOnceAndReused() {
        var table = ColorPairTable(colors: 256, maxPairs: 256)
        #expect(table.pair(foreground: .default, background: .default) == (0, false))
        #expect(table.pair(foreground: .indexed(196), background: .default) == (1, true))
        #expect(table.pair(foreground: .indexed(196), background: .default) == (1, false))
        #expect(table.pair(foreground: .indexed(46), background: .indexed(0)) == (2, true))
        #expect(table.colors(ofPair: 2)! == (46, 0))
    }

    @Test func colorsDegradeWithTheTerminal() {
        let full = ColorPairTable(colors: 256, maxPairs: 256)
        #expect(full.colorNumber(.rgb(255, 0, 0)) == 196)
        let sixteen = ColorPairTable(colors: 16, maxPairs: 64)
        #expect(sixteen.colorNumber(.indexed(196)) == 9)  // bright red
        #expect(sixteen.colorNumber(.indexed(3)) == 3)
        let eight = ColorPairTable(colors: 8, maxPairs: 64)
        #expect(eight.colorNumber(.indexed(12)) == 4)
        let mono = ColorPairTable(colors: 0, maxPairs: 0)
        #expect(mono.colorNumber(.indexed(196)) == -1)
    }

    @Test func aFullTableFallsBackToTheDefaultPair() {
        var table = ColorPairTable(colors: 256, maxPairs: 3)
        #expect(table.pair(foreground: .indexed(1), background: .default).pair == 1)
        #expect(table.pair(foreground: .indexed(2), background: .default).pair == 2)
        #expect(table.pair(foreground: .indexed(3), background: .default) == (0, false))
    }
}
