import Glibc

/// Why an output could not be written: one line naming the path.
public struct OutputFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) { self.path = path; self.reason = reason }

    public var description: String { "\(path): \(reason)" }
}

/// Writes a whole output (a snapshot, a checkpoint, the `S` key's files) without surprising the
/// user about what is at the path:
/// - `-` is standard output;
/// - a character device (`/dev/null`, a terminal), a FIFO or a socket is written through, never replaced;
/// - a regular file is replaced atomically (written beside it, then renamed), keeping its mode and
///   owner; a read-only file is refused, not replaced;
/// - a symbolic link is followed: the file it points to is written as above, the link stays;
/// - a directory is refused; a new path is created atomically with mode 0666 less the umask.
public enum OutputFile {
    /// Writes `bytes` to `path` as described above.
    public static func write(_ bytes: [UInt8], to path: String) throws(OutputFileError) {
        if path == "-" { return try writeAll(bytes, to: STDOUT_FILENO, path: "standard output") }
        let target = resolvedTarget(path)
        var info = stat()
        guard stat(target, &info) == 0 else {
            guard errno == ENOENT else { throw error(path, "cannot inspect") }
            return try replace(target, with: bytes, shownAs: path, keeping: nil)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            // The mode bits too: root may write anything, but a file nobody may write is meant to stay.
            guard access(target, W_OK) == 0 && info.st_mode & 0o222 != 0 else {
                throw OutputFileError(path: path, reason: "is read-only; not replaced")
            }
            try replace(target, with: bytes, shownAs: path, keeping: info)
        case S_IFDIR:
            throw OutputFileError(path: path, reason: "is a directory")
        default:
            let fd = open(target, O_WRONLY | O_CLOEXEC | O_NOCTTY)
            guard fd >= 0 else { throw error(path, "cannot open") }
            defer { close(fd) }
            try writeAll(bytes, to: fd, path: path)
        }
    }

    /// Writes UTF-8 text; see `write(_:to:)`.
    public static func write(_ text: String, to path: String) throws(OutputFileError) {
        try write(Array(text.utf8), to: path)
    }

    /// The path a chain of symbolic links at `path` ends at (`path` itself when it is not a link).
    static func resolvedTarget(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n > 0 else { return current }
            let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link.hasPrefix("/") {
                current = link
            } else if let slash = current.lastIndex(of: "/") {
                current = String(current[...slash]) + link
            } else {
                current = link
            }
        }
        return current
    }

    /// Writes a temporary file in the target's directory and renames it over the target, so a
    /// reader never sees half a file; mode and owner of an existing file are kept.
    private static func replace(_ target: String, with bytes: [UInt8], shownAs path: String, keeping existing: stat?) throws(OutputFileError) {
        let directory = target.lastIndex(of: "/").map { String(target[...$0]) } ?? ""
        // Opened with O_EXCL and mode 0666, so the kernel applies the umask (reading the umask
        // would mean setting it, which races with other threads).
        var temporary = ""
        var fd: Int32 = -1
        for _ in 0..<16 where fd < 0 {
            temporary = "\(directory).trainscope-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd < 0 && errno != EEXIST { break }
        }
        guard fd >= 0 else { throw error(path, "cannot create a file beside it") }
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(temporary) }
        }
        if let existing {
            // Keep the owner first: changing it can clear the set-id bits the mode then restores.
            if existing.st_uid != geteuid() || existing.st_gid != getegid() { _ = fchown(fd, existing.st_uid, existing.st_gid) }
            guard fchmod(fd, existing.st_mode & 0o7777) == 0 else { throw error(path, "cannot keep its mode") }
        }
        try writeAll(bytes, to: fd, path: path)
        guard fsync(fd) == 0 else { throw error(path, "cannot flush") }
        guard rename(temporary, target) == 0 else { throw error(path, "cannot replace") }
        renamed = true
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(OutputFileError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw error(path, "cannot write") }
            offset += n
        }
    }

    private static func error(_ path: String, _ doing: String) -> OutputFileError {
        OutputFileError(path: path, reason: "\(doing): \(String(cString: strerror(errno)))")
    }
}
