import Foundation
import JSONCore
import Telemetry

/// Reads any number of sources at once into one queue of events and problems, and sends control
/// messages back to the socket producers that can take them.
///
/// Each source runs on its own thread with its own parser state, so a bad or slow source never
/// holds up another. In `.follow` mode (the live dashboard) files are tailed and sockets stay open;
/// in `.once` mode (`snapshot`, `check`) files are read to their end, and socket sources end once
/// at least one producer (a connection that sent data) has come and every connection has closed.
public final class IngestHub: @unchecked Sendable {
    /// Whether sources are read to their end or followed.
    public enum Mode: Sendable { case follow, once }

    /// The control types a producer takes unless its `run` event lists others in `controls`.
    public static let defaultControls: Set<String> = ["set", "pause", "resume", "stop"]

    public let mode: Mode
    /// The session token control lines must carry; nil when control is disabled (`--read-only`).
    public let token: String?
    /// Seconds between polls of a followed file.
    public var pollInterval = 0.25

    /// Batches of items, one per chunk a reader took in: one lock round-trip per chunk, not per
    /// line. Bounded, so a reader far ahead of the dashboard waits.
    private let mailbox = Mailbox<[IngestItem]>(capacity: 256, policy: .block)
    let lock = NSLock()
    var listeners: [ListeningSocket] = []
    var connections: [Int: Connection] = [:]
    var nextConnection = 1
    /// Run id shown → the live producer that owns it, its id as the producer knows it, and its run event.
    var runs: [String: (connection: Int, original: String, event: RunEvent)] = [:]
    /// The run announced most recently by a connected producer (the target of a control line without `run`).
    var latestRun: String?
    /// Run ids of connected producers, oldest announcement first (the fallback when the latest run's producer leaves).
    var announcements: [String] = []
    var openFileSources = 0
    /// Connections that have sent data (scripts that only steer are not counted).
    var producersSeen = 0
    var stopped = false
    var completed = false

    /// A hub reading in `mode`; control lines need `token` (nil disables control).
    public init(mode: Mode, token: String?) { self.mode = mode; self.token = token }

    /// Where each socket source listens (private directories resolved), in the order given; kept
    /// after `stop` for the reports that name them.
    public var listenAddresses: [String] { lock.withLock { addresses } }
    private var addresses: [String] = []

    /// Opens every source; socket sources are bound before this returns (so their addresses can be
    /// printed), and a source that cannot be opened is an error before anything starts.
    public func open(_ sources: [SourceAddress], bindHost: String? = nil) throws(ListeningSocket.SetupError) {
        var opened: [ListeningSocket] = []
        for source in sources {
            switch source {
            case .unixSocket, .tcp:
                do { opened.append(try ListeningSocket(source, bindHost: bindHost)) } catch {
                    opened.forEach { $0.close() }
                    throw error
                }
            default: continue
            }
        }
        let tensorBoardSources = sources.filter { if case .tensorBoard = $0 { true } else { false } }.count
        lock.withLock {
            listeners = opened
            addresses = opened.map(\.address)
            openFileSources = sources.count - opened.count
        }
        for listener in opened { spawn { [self] in acceptLoop(listener) } }
        for source in sources {
            switch source {
            case .unixSocket, .tcp: continue
            case .standardInput: spawn { [self] in readStandardInput() }
            case .ndjsonFile(let path): spawn { [self] in followNDJSON(path) }
            case .csvFile(let path): spawn { [self] in followCSV(path) }
            case .trainerState(let path): spawn { [self] in followTrainerState(path) }
            case .tensorBoard(let path):
                let prefix = tensorBoardSources > 1 ? (path as NSString).lastPathComponent : nil
                spawn { [self] in followTensorBoard(path, prefix: prefix) }
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
        let (toClose, toHangUp) = lock.withLock { () -> ([ListeningSocket], [Connection]) in
            stopped = true
            defer { listeners = [] }
            return (listeners, Array(connections.values))
        }
        toClose.forEach { $0.close() }
        toHangUp.forEach { shutdown($0.descriptor, Int32(SHUT_RDWR)) }
        mailbox.close()
    }

    // MARK: - Control

    /// Sends a control message to the producer of its run (the latest connected run when `run` is
    /// absent), after checking that the producer declared the knob and takes this kind of control.
    public func send(_ message: ControlMessage) -> Result<Void, ControlRefusal> {
        guard let token else { return .failure(ControlRefusal("control is disabled (--read-only)")) }
        let target = lock.withLock { () -> (id: String, owner: (connection: Int, original: String, event: RunEvent)?, connection: Connection?)? in
            guard let id = message.run ?? latestRun else { return nil }
            let owner = runs[id]
            return (id, owner, owner.flatMap { connections[$0.connection] })
        }
        guard let target else { return .failure(ControlRefusal("no producer is connected to steer")) }
        guard let owner = target.owner, let connection = target.connection else {
            return .failure(ControlRefusal("run \(target.id) has no connected producer (files and stdin cannot be steered)"))
        }
        let accepted = owner.event.controls.map(Set.init) ?? Self.defaultControls
        let kind = message.command.typeName
        guard accepted.contains(kind) else {
            return .failure(ControlRefusal("run \(target.id) does not take '\(kind)' (it takes \(accepted.sorted().joined(separator: ", ")))"))
        }
        if case .set(let knob, let value) = message.command {
            guard let spec = owner.event.knobs.first(where: { $0.name == knob }) else {
                let declared = owner.event.knobs.map(\.name)
                return .failure(ControlRefusal("run \(target.id) declared no knob '\(knob)'"
                    + (declared.isEmpty ? " (it declared none)" : " (it declared \(declared.joined(separator: ", ")))")))
            }
            if case .failure(let error) = spec.check(value) { return .failure(ControlRefusal("\(knob): \(error.message)")) }
        }
        var outgoing = message
        outgoing.run = owner.original
        outgoing.token = token
        guard connection.write(TelemetryEvent.control(outgoing).jsonLine + "\n") else {
            return .failure(ControlRefusal("run \(target.id): the producer is not reading (send timed out or it hung up)"))
        }
        return .success(())
    }

    // MARK: - Threads

    func spawn(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.stackSize = 1 << 20
        thread.start()
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    func post(_ item: IngestItem) { mailbox.post([item]) }

    func post(batch: [IngestItem]) { mailbox.post(batch) }

    /// Runs `body` with an `emit` that gathers items, then posts them as one batch.
    func collecting(_ body: (_ emit: (IngestItem) -> Void) -> Void) {
        var batch: [IngestItem] = []
        body { batch.append($0) }
        if !batch.isEmpty { mailbox.post(batch) }
    }

    /// Called when a source ends; closes the queue once a `.once` hub has nothing left to read.
    func checkCompletion(fileSourceEnded: Bool = false) {
        let done = lock.withLock { () -> Bool in
            if fileSourceEnded { openFileSources -= 1 }
            guard mode == .once, !completed, openFileSources == 0 else { return false }
            guard listeners.isEmpty || (producersSeen > 0 && connections.isEmpty) else { return false }
            completed = true
            return true
        }
        if done { stop() }
    }

    /// Sleeps between polls of a followed source; false when the hub stopped meanwhile.
    private func pause() -> Bool {
        Thread.sleep(forTimeInterval: pollInterval)
        return !isStopped
    }

    // MARK: - Files and standard input

    private func readStandardInput() {
        defer { checkCompletion(fileSourceEnded: true) }
        var stream = NDJSONStream(source: "stdin", fallbackRun: "stdin")
        // Each read's lines become one column block and one mailbox batch: large reads, few of both.
        var buffer = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            buffer.withUnsafeBytes { raw in collecting { stream.feed(UnsafeRawBufferPointer(rebasing: raw[0..<n]), $0) } }
        }
        stream.finish(post)
        if mode == .follow { post(.notice("stdin: end of stream")) }
    }

    /// Reads a file source with `parser` until its end (`.once`) or until the hub stops (`.follow`).
    /// `restart` resets the parser when the file was truncated or replaced; `rewritten` (asked before
    /// each read) and `settle` (after it) reset it and return true when the file was rewritten in
    /// place, so it is read again from byte 0.
    private func tail<Parser>(_ path: String, parser: inout Parser, feed: (inout Parser, UnsafeRawBufferPointer) -> Void,
                              restart: (inout Parser) -> Void, rewritten: (inout Parser) -> Bool = { _ in false },
                              settle: (inout Parser) -> Bool = { _ in false }) {
        var file = FileTail(path: path)
        defer { file.close() }
        var reportedMissing = false
        while true {
            if rewritten(&parser) {
                post(.notice("\(path): the file was rewritten; reading it again"))
                file.close()
                file = FileTail(path: path)
            }
            switch file.poll({ feed(&parser, $0) }) {
            case .missing(let reason):
                if mode == .once {
                    post(.problem(SourceProblem(source: path, reason: reason)))
                    return
                }
                if !reportedMissing { post(.notice("\(path): \(reason); waiting for it to appear")) }
                reportedMissing = true
            case .restarted:
                post(.notice("\(path): the file was truncated or replaced; reading it again"))
                restart(&parser)
                continue
            case .read:
                reportedMissing = false
                if settle(&parser) {
                    post(.notice("\(path): the file was rewritten while being read; reading it again"))
                    file.close()
                    file = FileTail(path: path)
                    continue
                }
            }
            if mode == .once || !pause() { return }
        }
    }

    private func followNDJSON(_ path: String) {
        defer { checkCompletion(fileSourceEnded: true) }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        var stream = NDJSONStream(source: path, fallbackRun: name)
        tail(path, parser: &stream, feed: { stream, chunk in collecting { stream.feed(chunk, $0) } },
             restart: { $0 = NDJSONStream(source: path, fallbackRun: name) })
        stream.finish(post)
    }

    private func followCSV(_ path: String) {
        defer { checkCompletion(fileSourceEnded: true) }
        let run = Self.runName(forFile: path, generic: ["metrics"])
        let tag = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        var reader = CSVMetricsReader(source: path, run: run, valueName: tag)
        var header: [UInt8]?
        // Lightning's CSVLogger rewrites the whole file, with a wider header, when a new metric
        // appears. The header is compared before and after each read: rows read across a rewrite
        // are dropped and the file is read again, skipping the rows already shown.
        let startOver = { (reader: inout CSVMetricsReader) in
            let shown = reader.rowsRead
            reader = CSVMetricsReader(source: path, run: run, valueName: tag)
            reader.skipRows = shown
        }
        var batch: [IngestItem] = []
        tail(path, parser: &reader, feed: { reader, chunk in reader.feed(chunk) { batch.append($0) } }, restart: { reader in
            batch = []
            startOver(&reader)
        }, rewritten: { reader in
            let current = FileTail(path: path).firstLine()
            let changed = header != nil && current != nil && current != header && reader.header != nil
            if changed { startOver(&reader) }
            if current != nil { header = current }
            return changed
        }, settle: { reader in
            let current = FileTail(path: path).firstLine()
            guard header != nil, current != nil, current != header else {
                if !batch.isEmpty { mailbox.post(batch) }
                batch = []
                return false
            }
            batch = []
            startOver(&reader)
            header = current
            return true
        })
        reader.finish { batch.append($0) }
        if !batch.isEmpty { mailbox.post(batch) }
    }

    private func followTrainerState(_ path: String) {
        defer { checkCompletion(fileSourceEnded: true) }
        let run = Self.runName(forFile: path, generic: ["trainer_state"])
        var shown = 0
        var announced = false
        var previous: [UInt8]?
        var failedOnce = false
        while true {
            if let bytes = FileManager.default.contents(atPath: path).map(Array.init), bytes != previous || failedOnce {
                do throws(SourceProblem) {
                    let (items, entries) = try TrainerStateReader.read(bytes, source: path, run: run, skipEntries: shown, announce: !announced)
                    if !items.isEmpty { mailbox.post(items) }
                    announced = true
                    shown = max(shown, entries)
                    failedOnce = false
                } catch {
                    // The Trainer rewrites the file in place: a half-written copy fails once and
                    // parses at the next poll, so a follower reports only a failure that persists.
                    if mode == .once || failedOnce { post(.problem(error)) }
                    failedOnce = mode == .follow && !failedOnce
                }
                previous = bytes
            } else if mode == .once {
                post(.problem(SourceProblem(source: path, reason: "cannot read the file")))
            }
            if mode == .once || !pause() { return }
        }
    }

    private func followTensorBoard(_ root: String, prefix: String?) {
        defer { checkCompletion(fileSourceEnded: true) }
        var files: [String: (tail: FileTail, reader: TensorBoardFileReader)] = [:]
        var order: [String] = []
        var announced: Set<String> = []
        var reportedEmpty = false
        while true {
            for path in Self.eventFiles(under: root) where files[path] == nil {
                let run = TensorBoardRunName.of(file: path, root: SourceAddress.probe(root).isDirectory ? root : (root as NSString).deletingLastPathComponent, prefix: prefix)
                files[path] = (FileTail(path: path), TensorBoardFileReader(source: path, run: run))
                order.append(path)
                if announced.insert(run).inserted {
                    post(.event(.run(RunEvent(run: run, extra: JSONObject([("source", .string(root))])))))
                }
            }
            if order.isEmpty && !reportedEmpty {
                post(mode == .once ? .problem(SourceProblem(source: root, reason: "no events.out.tfevents.* files found"))
                                   : .notice("\(root): no event files yet; waiting for them"))
                reportedEmpty = true
            }
            for path in order {
                var entry = files[path]!
                files[path] = nil
                switch entry.tail.poll({ chunk in collecting { entry.reader.feed(chunk, $0) } }) {
                case .restarted: entry.reader = TensorBoardFileReader(source: path, run: entry.reader.run)
                case .missing, .read: break
                }
                if mode == .once { entry.reader.finish(post) } else { entry.reader.flush(post) }
                files[path] = entry
            }
            if mode == .once || !pause() { return }
        }
    }

    /// Every TensorBoard event file at or below `root`, ordered by path (writers put the creation
    /// time in the name, so a run's files come oldest first).
    static func eventFiles(under root: String) -> [String] {
        guard SourceAddress.probe(root).isDirectory else { return [root] }
        var found: [String] = []
        if let walker = FileManager.default.enumerator(atPath: root) {
            while let relative = walker.nextObject() as? String {
                if (relative as NSString).lastPathComponent.contains("tfevents") { found.append(root + "/" + relative) }
            }
        }
        return found.sorted()
    }

    /// A run name for a single file: its parent directory for generic names (`metrics.csv`,
    /// `trainer_state.json`, skipping a `checkpoint-N` directory), else the file's own name.
    static func runName(forFile path: String, generic: Set<String>) -> String {
        let name = (path as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension
        if !generic.isEmpty && !generic.contains(stem) { return stem }
        var directories = (((path as NSString).deletingLastPathComponent) as NSString).pathComponents.filter { $0 != "/" && $0 != "." }
        if let last = directories.last, last.hasPrefix("checkpoint-") { directories.removeLast() }
        return directories.last ?? stem
    }
}
