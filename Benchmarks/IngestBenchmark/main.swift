// trainscope-ingest-bench: NDJSON ingest rate through the same IngestHub `watch`, `snapshot` and
// `check` use, from a file and over a Unix socket, against two peers measured on the same bytes in
// the same run: a bare newline scan (the ceiling: no parsing) and Python's json.loads per line.
// Usage: trainscope-ingest-bench [--events N] [--dir DIR]   (Benchmarks/ingest.sh runs it)
import Foundation
import Ingest
import Telemetry

var events = 2_000_000
var directory = FileManager.default.temporaryDirectory.appendingPathComponent("trainscope-ingest-bench").path
var decoderOnly = false
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    switch flag {
    case "--events": events = Int(arguments.popFirst() ?? "") ?? events
    case "--dir": directory = arguments.popFirst() ?? directory
    case "--decoder-only": decoderOnly = true
    default: FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8)); exit(2)
    }
}
try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
let path = directory + "/events.jsonl"

// MARK: - Input: what a PyTorch loop logging two metrics per step writes.

// Reuses the file of an earlier run with the same size (generation costs more than ingesting it).
let header = "{\"v\":1,\"type\":\"run\",\"run\":\"bench\",\"events\":\(events)}\n"
let bytes: [UInt8] = {
    let existing = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
    if existing.starts(with: Array(header.utf8)) { return existing }
    var text = header
    text.reserveCapacity(events * 100)
    for step in 0..<events {
        let loss = 2.5 * exp(-Double(step) / 4e5) + 0.01 * sin(Double(step))
        text += "{\"v\":1,\"type\":\"scalars\",\"step\":\(step),\"time\":\(1.7e9 + Double(step) * 0.001),\"values\":{\"train/loss\":\(loss),\"lr\":0.001}}\n"
    }
    let generated = Array(text.utf8)
    FileManager.default.createFile(atPath: path, contents: Data(generated))
    return generated
}()
print("input: \(events) scalars lines, \(bytes.count / 1_000_000) MB")

func seconds(_ body: () -> Int) -> (Double, Int) {
    let start = DispatchTime.now().uptimeNanoseconds
    let count = body()
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, count)
}

/// Drains a `.once` hub to its end; returns the number of scalars events.
func drain(_ hub: IngestHub) -> Int {
    var count = 0
    while case let items = hub.waitAndDrain(), !items.isEmpty {
        for case .event(.scalars) in items { count += 1 }
    }
    return count
}

// MARK: - Peers

let (scanTime, lines) = seconds {
    bytes.withUnsafeBytes { raw in
        var count = 0, start = 0
        while start < raw.count, let found = memchr(raw.baseAddress! + start, 0x0A, raw.count - start) {
            count += 1
            start = raw.baseAddress!.distance(to: UnsafeRawPointer(found)) + 1
        }
        return count
    }
}

// MARK: - trainscope

let (decodeTime, decoded) = seconds {
    var decoder = NDJSONDecoder()
    var count = 0
    decoder.feed(bytes) { if case .event(.scalars, _) = $0 { count += 1 } }
    return count
}
print("decoder alone:              \(String(format: "%.2f M events/s", Double(decoded) / decodeTime / 1e6))")
if decoderOnly { exit(0) }
let (parseTime, parsed) = seconds {
    var count = 0
    bytes.withUnsafeBufferPointer { raw in
        var start = 0
        while start < raw.count, let found = memchr(raw.baseAddress! + start, 0x0A, raw.count - start) {
            let end = raw.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if (try? JSONParser.parse(UnsafeBufferPointer(rebasing: raw[start..<end]))) != nil { count += 1 }
            start = end + 1
        }
    }
    return count
}
print("JSON parse alone:           \(String(format: "%.2f M lines/s", Double(parsed) / parseTime / 1e6))")

let (fileTime, fileCount) = seconds {
    let hub = IngestHub(mode: .once, token: nil)
    try! hub.open([.ndjsonFile(path: path)])
    return drain(hub)
}

let socketPath = directory + "/bench.sock"
unlink(socketPath)
let (socketTime, socketCount) = seconds {
    let hub = IngestHub(mode: .once, token: nil)
    try! hub.open([.unixSocket(path: socketPath)])
    let producer = Thread {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in socketPath.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        bytes.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(fd, raw.baseAddress! + sent, min(1 << 16, raw.count - sent), Int32(MSG_NOSIGNAL))
                if n <= 0 { break }
                sent += n
            }
        }
        close(fd)
    }
    producer.start()
    return drain(hub)
}

func rate(_ count: Int, _ time: Double) -> String { String(format: "%.2f M events/s", Double(count) / time / 1e6) }
print("newline scan (no parsing):  \(rate(lines, scanTime))  [\(String(format: "%.3f", scanTime)) s]")
print("trainscope, file:           \(rate(fileCount, fileTime))  [\(String(format: "%.3f", fileTime)) s, \(fileCount) events]")
print("trainscope, unix socket:    \(rate(socketCount, socketTime))  [\(String(format: "%.3f", socketTime)) s, \(socketCount) events]")
print("ndjson_file_events_per_s=\(Int(Double(fileCount) / fileTime)) ndjson_socket_events_per_s=\(Int(Double(socketCount) / socketTime)) path=\(path)")
guard fileCount == events, socketCount == events else {
    FileHandle.standardError.write(Data("lost events: file \(fileCount), socket \(socketCount) of \(events)\n".utf8))
    exit(1)
}
