// trainscope-ingest-bench: NDJSON ingest rate through the same IngestHub `watch`, `snapshot` and
// `check` use, from a file and over a Unix socket, on one core (every thread of the hub pinned to
// CPU 0; the socket's producer thread, which stands for the training process, on CPU 1), against
// peers measured on the same bytes in the same run: a bare newline scan (the ceiling: no parsing),
// the decoder alone, and the general JSON parser.
// Usage: trainscope-ingest-bench [--events N] [--dir DIR] [--decoder-only | --hub-only (no peers: for profiling)]   (Benchmarks/ingest.sh runs it)
import Foundation
import Ingest
import JSONCore
import Telemetry

var events = 2_000_000
var directory = FileManager.default.temporaryDirectory.appendingPathComponent("trainscope-ingest-bench").path
var decoderOnly = false
var hubOnly = false
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    switch flag {
    case "--events": events = Int(arguments.popFirst() ?? "") ?? events
    case "--dir": directory = arguments.popFirst() ?? directory
    case "--decoder-only": decoderOnly = true
    case "--hub-only": hubOnly = true
    default: FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8)); exit(2)
    }
}
/// Pins the calling thread (and the threads it starts later) to one CPU. Glibc's module leaves out
/// the GNU `sched_setaffinity`, so it is looked up by name.
func pin(toCPU cpu: Int) {
    typealias SetAffinity = @convention(c) (pid_t, Int, UnsafeRawPointer) -> Int32
    var set = cpu_set_t()
    withUnsafeMutableBytes(of: &set) { $0[cpu / 8] = 1 << UInt8(cpu % 8) }
    guard let symbol = dlsym(nil, "sched_setaffinity"),
          unsafeBitCast(symbol, to: SetAffinity.self)(0, MemoryLayout<cpu_set_t>.size, &set) == 0 else {
        FileHandle.standardError.write(Data("cannot pin to CPU \(cpu); measuring unpinned\n".utf8))
        return
    }
}
pin(toCPU: 0)

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
    _ = FileManager.default.createFile(atPath: path, contents: Data(generated))
    return generated
}()
print("input: \(events) scalars lines, \(bytes.count / 1_000_000) MB")

func seconds(_ body: () -> Int) -> (Double, Int) {
    let start = DispatchTime.now().uptimeNanoseconds
    let count = body()
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, count)
}

/// A checksum of every metric value each path delivered (the wrapping sum of their bit patterns:
/// exact, whatever the order): the consumer reads what it is given, and every path must deliver
/// bit for bit the numbers the general JSON parser reads.
nonisolated(unsafe) var sums: [String: UInt64] = [:]

func checksum<S: Sequence<Double>>(_ values: S) -> UInt64 { values.reduce(0) { $0 &+ $1.bitPattern } }

/// Drains a `.once` hub to its end, as a columnar consumer would (the values of each block by
/// column); returns the number of scalars events and records their sum under `name`.
func drain(_ hub: IngestHub, _ name: String) -> Int {
    var count = 0
    var sum: UInt64 = 0
    while case let items = hub.waitAndDrain(), !items.isEmpty {
        for item in items {
            switch item {
            case .scalars(let block):
                count += block.count
                sum &+= checksum(block.values)
            case .event(.scalars(let event)):
                count += 1
                sum &+= checksum(event.values.values)
            default: continue
            }
        }
    }
    sums[name] = sum
    return count
}

func rate(_ count: Int, _ time: Double) -> String { String(format: "%.2f M events/s", Double(count) / time / 1e6) }

/// The bytes in 1 MiB chunks, as the hub reads a file.
func inChunks(_ body: (UnsafeRawBufferPointer) -> Void) {
    bytes.withUnsafeBytes { raw in
        for start in stride(from: 0, to: raw.count, by: 1 << 20) { body(UnsafeRawBufferPointer(rebasing: raw[start..<min(start + (1 << 20), raw.count)])) }
    }
}

// MARK: - Peers on the same bytes

if !hubOnly {
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
    print("newline scan (no parsing):  \(rate(lines, scanTime))  [\(String(format: "%.3f", scanTime)) s]")
    let (decodeTime, decoded) = seconds {
        var decoder = NDJSONBlockDecoder()
        var count = 0
        inChunks { decoder.feed($0, scalars: { count += $0.count }) { _ in } }
        return count
    }
    print("decoder alone (blocks):     \(rate(decoded, decodeTime))")
    let (eventDecodeTime, eventsDecoded) = seconds {
        var decoder = NDJSONDecoder()
        var count = 0
        inChunks { decoder.feed($0) { if case .event(.scalars, _) = $0 { count += 1 } } }
        return count
    }
    print("line decoder, event per line: \(rate(eventsDecoded, eventDecodeTime))")
    if decoderOnly { exit(0) }
    let (parseTime, parsed) = seconds {
        var count = 0
        var sum: UInt64 = 0
        bytes.withUnsafeBufferPointer { raw in
            var start = 0
            while start < raw.count, let found = memchr(raw.baseAddress! + start, 0x0A, raw.count - start) {
                let end = raw.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if let value = try? JSONParser.parse(UnsafeBufferPointer(rebasing: raw[start..<end])) {
                    count += 1
                    for (_, metric) in value.object?["values"]?.object ?? JSONObject() { sum &+= checksum([metric.number ?? 0]) }
                }
                start = end + 1
            }
        }
        sums["general JSON parser"] = sum
        return count
    }
    print("JSON parse alone:           \(String(format: "%.2f M lines/s", Double(parsed) / parseTime / 1e6))")
}

// MARK: - trainscope: IngestHub, as watch, snapshot and check use it

let (fileTime, fileCount) = seconds {
    let hub = IngestHub(mode: .once, token: nil)
    try! hub.open([.ndjsonFile(path: path)])
    return drain(hub, "file")
}

let socketPath = directory + "/bench.sock"
unlink(socketPath)
let (socketTime, socketCount) = seconds {
    let hub = IngestHub(mode: .once, token: nil)
    try! hub.open([.unixSocket(path: socketPath)])
    let producer = Thread {
        pin(toCPU: ProcessInfo.processInfo.activeProcessorCount > 1 ? 1 : 0)
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
    return drain(hub, "socket")
}

print("trainscope, file:           \(rate(fileCount, fileTime))  [\(String(format: "%.3f", fileTime)) s, \(fileCount) events]")
print("trainscope, unix socket:    \(rate(socketCount, socketTime))  [\(String(format: "%.3f", socketTime)) s, \(socketCount) events]")
print("ndjson_file_events_per_s=\(Int(Double(fileCount) / fileTime)) ndjson_socket_events_per_s=\(Int(Double(socketCount) / socketTime)) path=\(path)")
guard fileCount == events, socketCount == events, Set(sums.values).count == 1 else {
    FileHandle.standardError.write(Data("wrong result: events from the file \(fileCount), the socket \(socketCount) of \(events); sums of the values \(sums)\n".utf8))
    exit(1)
}
print("every path delivered the general JSON parser's values bit for bit (checksum \(String(sums.values.first ?? 0, radix: 16)))")
