import Foundation
import Testing
@testable import Ingest
import Telemetry

/// The control router without listeners: producers are one end of a socket pair, so routing,
/// the token, the spec checks and run clashes are checked line by line.
@Suite struct ControlRouterTests {
    /// A producer connection whose other end the test reads.
    private struct Producer {
        let connection: Connection
        let peer: Int32

        /// The next line the router wrote to this producer, without waiting.
        func receivedLine() -> String? {
            var bytes = [UInt8](repeating: 0, count: 4096)
            let n = bytes.withUnsafeMutableBytes { recv(peer, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            return n > 0 ? String(decoding: bytes[0..<n], as: UTF8.self) : nil
        }
    }

    private func connect(_ router: ControlRouter) -> Producer {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        return Producer(connection: router.connect(descriptor: pair[0], address: "unix:/t.sock")!, peer: pair[1])
    }

    private let lr = KnobSpec(name: "lr", value: .number(0.1), min: 0, max: 1)

    private func refusal(_ result: Result<Void, ControlRefusal>) -> String? {
        if case .failure(let refusal) = result { refusal.message } else { nil }
    }

    @Test func routesToTheProducerOfTheRunWithItsOwnIdAndTheToken() {
        let router = ControlRouter(token: "secret")
        let first = connect(router), second = connect(router)
        _ = router.claim(RunEvent(run: "a", knobs: [lr]), shownAs: nil, for: first.connection)
        _ = router.claim(RunEvent(run: "b", knobs: [lr]), shownAs: nil, for: second.connection)
        #expect(refusal(router.send(ControlMessage(.set(knob: "lr", value: .number(0.5)), run: "a"))) == nil)
        #expect(first.receivedLine() == #"{"v":1,"type":"set","run":"a","knob":"lr","value":0.5,"token":"secret"}"# + "\n")
        #expect(second.receivedLine() == nil)
        // Without `run`, the latest announced run is the target.
        #expect(refusal(router.send(ControlMessage(.pause))) == nil)
        #expect(second.receivedLine()?.hasPrefix(#"{"v":1,"type":"pause","run":"b""#) == true)
    }

    @Test func aClashingRunIsShownAsASecondIdAndRoutedUnderItsOwn() {
        let router = ControlRouter(token: "t")
        let first = connect(router), second = connect(router)
        #expect(router.claim(RunEvent(run: "exp"), shownAs: nil, for: first.connection) == ("exp", nil))
        #expect(router.claim(RunEvent(run: "exp"), shownAs: nil, for: second.connection) == ("exp#2", "unix:/t.sock#1"))
        #expect(refusal(router.send(ControlMessage(.stop, run: "exp#2"))) == nil)
        #expect(second.receivedLine()?.contains(#""run":"exp""#) == true)
        #expect(first.receivedLine() == nil)
    }

    @Test func checksTheDeclaredControlsKnobsAndBounds() {
        let router = ControlRouter(token: "t")
        let producer = connect(router)
        _ = router.claim(RunEvent(run: "r", knobs: [lr], controls: ["set"]), shownAs: nil, for: producer.connection)
        #expect(refusal(router.send(ControlMessage(.pause, run: "r"))) == "run r does not take 'pause' (it takes set)")
        #expect(refusal(router.send(ControlMessage(.set(knob: "wd", value: .number(0)), run: "r")))
                == "run r declared no knob 'wd' (it declared lr)")
        #expect(refusal(router.send(ControlMessage(.set(knob: "lr", value: .number(2)), run: "r")))?.hasPrefix("lr: ") == true)
        #expect(producer.receivedLine() == nil)
    }

    @Test func tokenReadOnlyAndDepartedProducersAreRefused() {
        let router = ControlRouter(token: "t")
        #expect(refusal(router.send(ControlMessage(.stop))) == "no producer is connected to steer")
        let producer = connect(router)
        _ = router.claim(RunEvent(run: "r"), shownAs: nil, for: producer.connection)
        #expect(refusal(router.route(ControlMessage(.stop, token: "wrong"))) != nil)
        #expect(refusal(router.route(ControlMessage(.stop, token: "t"))) == nil)
        #expect(router.releaseRuns(of: producer.connection) == ["r"])
        router.forget(producer.connection)
        #expect(refusal(router.send(ControlMessage(.stop, run: "r"))) == "run r has no connected producer (files and stdin cannot be steered)")
        #expect(refusal(ControlRouter(token: nil).route(ControlMessage(.stop))) == "control is disabled (--read-only)")
    }

    @Test func socketsEndOnceProducersCameAndAllLeft() {
        let router = ControlRouter(token: "t")
        let script = connect(router), producer = connect(router)
        router.forget(script.connection)
        #expect(router.producersCameAndLeft == false)
        router.noteProducer()
        #expect(router.producersCameAndLeft == false)
        router.forget(producer.connection)
        #expect(router.producersCameAndLeft)
    }

    @Test func silentScriptsAreClosedWithAReasonAndProducersStay() {
        let router = ControlRouter(token: "t")
        let script = connect(router), producer = connect(router)
        router.heard(from: producer.connection, producer: true)
        let later = ControlRouter.monotonicSeconds() + 61
        #expect(router.closeIdle(silentFor: 60, now: later - 30) == 0, "not silent long enough")
        #expect(router.closeIdle(silentFor: 60, now: later) == 1)
        #expect(script.receivedLine()?.contains("closed: silent for 60 s while trainscope ran out of descriptors") == true)
        #expect(producer.receivedLine() == nil)
    }
}
