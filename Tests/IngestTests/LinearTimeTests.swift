import Foundation
import JSONCore
import Testing
import Ingest
import Telemetry

/// Inputs that used to take quadratic time (one line of 90k keys, a trainer_state of 100k keys)
/// scale linearly: four times the input costs about four times the CPU, not sixteen. Measured as
/// a ratio of two runs in the same process, so the machine's speed does not matter.
@Suite struct LinearTimeTests {
    /// The least thread CPU time of three runs of `body`, in seconds.
    private func cpuSeconds(_ body: () -> Void) -> Double {
        (0..<3).map { _ in
            var start = timespec(), end = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
            body()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end)
            return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
        }.min()!
    }

    /// The growth of CPU time from `n` to `4n`: about 4 when linear, 16 when quadratic.
    private func growth(_ n: Int, _ run: (Int) -> Void) -> Double {
        cpuSeconds { run(4 * n) } / max(cpuSeconds { run(n) }, 1e-6)
    }

    @Test func aLineWithManyKeysDecodesInLinearTime() {
        func line(_ keys: Int) -> [UInt8] {
            Array(#"{"v":1,"type":"scalars","step":1,"values":{"#.utf8) + Array((0..<keys).map { #""k\#($0)":\#($0)"# }.joined(separator: ",").utf8) + Array("}}\n".utf8)
        }
        let small = line(5_000), large = line(20_000)
        let ratio = growth(5_000) { keys in _ = NDJSONDecoder.decodeAll(keys == 5_000 ? small : large) }
        #expect(ratio < 8, "decoding 4× the keys took \(ratio)× the time")
    }

    @Test func aTrainerStateWithManyKeysReadsInLinearTime() throws {
        func document(_ keys: Int) -> [UInt8] {
            Array(("{" + (0..<keys).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + #","log_history":[{"step":1,"loss":1}]}"#).utf8)
        }
        let small = document(5_000), large = document(20_000)
        let ratio = growth(5_000) { keys in _ = try? TrainerStateReader.read(keys == 5_000 ? small : large, source: "t", run: "r") }
        #expect(ratio < 8, "reading 4× the keys took \(ratio)× the time")
    }
}
