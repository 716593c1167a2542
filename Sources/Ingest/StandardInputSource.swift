import Glibc

/// NDJSON events read from standard input until it closes.
struct StandardInputSource: IngestSource {
    func read(into sink: IngestSink) {
        var stream = NDJSONStream(source: "stdin", fallbackRun: "stdin")
        // Each read's lines become one column block and one mailbox batch: large reads, few of both.
        var buffer = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            buffer.withUnsafeBytes { raw in sink.collecting { stream.feed(UnsafeRawBufferPointer(rebasing: raw[0..<n]), $0) } }
        }
        stream.finish(sink.post)
        if sink.mode == .follow { sink.post(.notice("stdin: end of stream")) }
    }
}
