import Foundation

/// Reads a file from where the last read stopped, like `tail -f`: new bytes as the writer appends
/// them, and a fresh start when the file is truncated or replaced (a logger that rewrites it).
struct FileTail {
    let path: String
    private var descriptor: Int32 = -1
    private var inode: UInt = 0
    /// Bytes consumed so far.
    private(set) var offset = 0
    private var chunk: [UInt8]

    /// Follows `path`, reading up to `chunkSize` bytes at a time (small for the many small files of an MLflow store).
    init(path: String, chunkSize: Int = 1 << 20) {
        self.path = path
        chunk = [UInt8](repeating: 0, count: chunkSize)
    }

    /// What a poll found.
    enum Outcome: Equatable {
        /// The file does not exist (yet).
        case missing(String)
        /// It was truncated or replaced since the last poll; the next poll starts over from byte 0.
        case restarted
        case read(bytes: Int)
    }

    /// Reads everything appended since the last call, in chunks passed to `body` (views valid during the call).
    mutating func poll(_ body: (UnsafeRawBufferPointer) -> Void) -> Outcome {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing(String(cString: strerror(errno))) }
        if descriptor >= 0 && (UInt(info.st_ino) != inode || Int(info.st_size) < offset) {
            // The caller resets its parser before the next poll reads from byte 0.
            Glibc.close(descriptor)
            descriptor = -1
            offset = 0
            return .restarted
        }
        if descriptor < 0 {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return .missing(String(cString: strerror(errno))) }
            inode = UInt(info.st_ino)
        }
        var total = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += n
            total += n
        }
        return .read(bytes: total)
    }

    /// The first line of the file (a CSV header), to notice a rewrite that did not shrink the file.
    func firstLine(limit: Int = 1 << 16) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        let end = bytes[0..<n].firstIndex(of: 0x0A) ?? n
        return Array(bytes[0..<end])
    }

    mutating func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }
}
