import Foundation

/// One kind of source (standard input, an NDJSON, CSV or trainer_state file, a TensorBoard
/// directory, a socket): reads its input on a thread of its own and posts what it finds.
protocol IngestSource: Sendable {
    /// Reads until the input ends (`.once`) or the hub stops (`.follow`), posting into `sink`.
    func read(into sink: IngestSink)
}

/// What a source reads into: the hub's mailbox, its mode, its poll pace and its threads.
protocol IngestSink: AnyObject, Sendable {
    /// Whether sources are read to their end or followed.
    var mode: IngestHub.Mode { get }
    /// Queues one item.
    func post(_ item: IngestItem)
    /// Queues a batch of items with one lock round-trip.
    func post(batch: [IngestItem])
    /// Sleeps between polls of a followed source; false once the hub stopped meanwhile.
    func pause() -> Bool
    /// Runs `body` on a new thread (a producer connection of a socket source).
    func spawn(_ body: @escaping @Sendable () -> Void)
    /// Tells the hub that a producer connection ended, which may complete a `.once` hub.
    func producerLeft()
}

extension IngestSink {
    /// Runs `body` with an `emit` that gathers items, then posts them as one batch.
    func collecting(_ body: (_ emit: (IngestItem) -> Void) -> Void) {
        var batch: [IngestItem] = []
        body { batch.append($0) }
        if !batch.isEmpty { post(batch: batch) }
    }

    /// Reads the file at `path` with `parser` until its end (`.once`) or until the hub stops
    /// (`.follow`). `restart` resets the parser when the file was truncated or replaced;
    /// `rewritten` (asked before each read) and `settle` (after it) reset it and return true when
    /// the file was rewritten in place, so it is read again from byte 0.
    func tail<Parser>(_ path: String, parser: inout Parser, feed: (inout Parser, UnsafeRawBufferPointer) -> Void,
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
}
