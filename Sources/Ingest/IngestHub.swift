import Foundation
import Telemetry

/// Reads any number of sources at once into one queue of events and problems, and sends control
/// messages back to the socket producers that can take them.
///
/// Each source (one `IngestSource` per kind) runs on its own thread with its own parser state, so
/// a bad or slow source never holds up another; the hub starts the threads, owns the mailbox and
/// knows when reading is complete, and its `ControlRouter` knows which producer owns which run.
/// In `.follow` mode (the live dashboard) files are tailed and sockets stay open; in `.once` mode
/// (`snapshot`, `check`) files are read to their end, and socket sources end once at least one
/// producer (a connection that sent data) has come and every connection has closed.
public final class IngestHub: IngestSink, @unchecked Sendable {
    /// Whether sources are read to their end or followed.
    public enum Mode: Sendable { case follow, once }

    public let mode: Mode
    /// The session token control lines must carry; nil when control is disabled (`--read-only`).
    public var token: String? { router.token }
    /// Seconds between polls of a followed file.
    public var pollInterval = 0.25

    /// Batches of items, one per chunk a reader took in: one lock round-trip per chunk, not per
    /// line. Bounded, so a reader far ahead of the dashboard waits.
    private let mailbox = Mailbox<[IngestItem]>(capacity: 256, policy: .block)
    private let router: ControlRouter
    private let lock = NSLock()
    private var listeners: [ListeningSocket] = []
    private var addresses: [String] = []
    private var openFileSources = 0
    private var stopped = false
    private var completed = false

    /// A hub reading in `mode`; control lines need `token` (nil disables control).
    public init(mode: Mode, token: String?) {
        self.mode = mode
        router = ControlRouter(token: token)
    }

    /// Where each socket source listens (private directories resolved), in the order given; kept
    /// after `stop` for the reports that name them.
    public var listenAddresses: [String] { lock.withLock { addresses } }

    /// Opens every source; socket sources are bound before this returns (so their addresses can be
    /// printed), and a source that cannot be opened is an error before anything starts.
    public func open(_ sources: [SourceAddress], bindHost: String? = nil) throws(ListeningSocket.SetupError) {
        var opened: [ListeningSocket] = []
        var readers: [IngestSource] = []
        let folders = sources.filter { if case .logFolder = $0 { true } else { false } }.count
        for source in sources {
            switch source {
            case .unixSocket, .tcp:
                do { opened.append(try ListeningSocket(source, bindHost: bindHost)) } catch {
                    opened.forEach { $0.close() }
                    throw error
                }
            case .standardInput: readers.append(StandardInputSource())
            case .ndjsonFile(let path): readers.append(NDJSONFileSource(path: path))
            case .csvFile(let path): readers.append(CSVFileSource(path: path))
            case .trainerState(let path): readers.append(TrainerStateFileSource(path: path))
            case .tensorBoard(let path): readers.append(TensorBoardSource(root: path, prefix: nil))
            case .logFolder(let path):
                readers.append(LogFolderSource(root: path, prefix: folders > 1 ? (path as NSString).lastPathComponent : nil))
            }
        }
        lock.withLock {
            listeners = opened
            addresses = opened.map(\.address)
            openFileSources = readers.count
        }
        for listener in opened {
            let source = SocketSource(listener: listener, router: router)
            spawn { [self] in source.read(into: self) }
        }
        for reader in readers {
            spawn { [self] in
                reader.read(into: self)
                lock.withLock { openFileSources -= 1 }
                checkCompletion()
            }
        }
        checkCompletion()
    }

    /// Everything received since the last call, without waiting.
    public func drain() -> [IngestItem] { mailbox.drain().flatMap { $0 } }

    /// Waits for items; returns an empty array once a `.once` hub has read everything.
    public func waitAndDrain() -> [IngestItem] { mailbox.waitAndDrain().flatMap { $0 } }

    /// Stops every source: listeners close (removing their socket files) and producers are hung up on.
    public func stop() {
        let toClose = lock.withLock { () -> [ListeningSocket] in
            stopped = true
            defer { listeners = [] }
            return listeners
        }
        toClose.forEach { $0.close() }
        router.hangUpAll()
        mailbox.close()
    }

    /// Sends a control message to the producer of its run (the latest connected run when `run` is
    /// absent), after checking that the producer declared the knob and takes this kind of control.
    public func send(_ message: ControlMessage) -> Result<Void, ControlRefusal> { router.send(message) }

    // MARK: - IngestSink

    func post(_ item: IngestItem) { mailbox.post([item]) }

    func post(batch: [IngestItem]) { mailbox.post(batch) }

    func pause() -> Bool {
        Thread.sleep(forTimeInterval: pollInterval)
        return !lock.withLock { stopped }
    }

    func spawn(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        // Room for the 512 levels of nesting that whole-file JSON sources (trainer_state) may have.
        thread.stackSize = 4 << 20
        thread.start()
    }

    func producerLeft() { checkCompletion() }

    /// Closes the queue once a `.once` hub has nothing left to read.
    private func checkCompletion() {
        let open = lock.withLock { listeners }
        // Producers still waiting to be accepted (descriptors ran out) are producers to come.
        let producersDone = open.isEmpty || (router.producersCameAndLeft && !open.contains { $0.hasPendingConnection })
        let done = lock.withLock { () -> Bool in
            guard mode == .once, !completed, openFileSources == 0, producersDone else { return false }
            completed = true
            return true
        }
        if done { stop() }
    }
}
