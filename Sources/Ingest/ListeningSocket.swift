import FileOutput
import Foundation

/// A listening stream socket with trainscope's safety rules: a Unix socket is created with mode
/// 0600, in the per-user 0700 default folder when no path is given, and never in a directory other users
/// could swap it in; TCP binds loopback unless an address is given explicitly.
public final class ListeningSocket: @unchecked Sendable {
    /// Why a socket cannot be opened (one line, naming the address).
    public struct SetupError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        init(_ message: String) { self.message = message }
    }

    /// The listening descriptor.
    public let descriptor: Int32
    /// Where it listens, as a source (`unix:/run/user/1000/trainscope-x1/trainscope.sock`, `tcp://127.0.0.1:7070`).
    public let address: String
    private let socketPath: String?
    /// The socket file, removed even when a signal ends the process.
    private var cleanupTickets: [Int?] = []

    /// Opens `source` (`.unixSocket` or `.tcp`). `bindHost` replaces a TCP source's host and is the
    /// only way to listen beyond loopback (`--listen`); `environment` places the default socket.
    public init(_ source: SourceAddress, bindHost: String? = nil, backlog: Int32 = 64,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(SetupError) {
        switch source {
        case .unixSocket(var path):
            // The stable per-user default is a file in a folder that stays (a job still running finds
            // a restarted dashboard there); only the socket file is removed at exit.
            if path.isEmpty {
                let folder = Self.defaultSocketFolder(environment: environment)
                try Self.makePrivateFolder(folder)
                path = folder + "/default.sock"
            } else {
                try Self.checkParent(of: path)
            }
            guard path.utf8.count < 108 else { throw SetupError("\(path): a Unix socket path must be shorter than 108 bytes") }
            try Self.removeIfStale(path)
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw SetupError("socket: \(String(cString: strerror(errno)))") }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            }
            // Registered before the file exists, so that no signal can leave it behind.
            let tickets = [ExitCleanup.removeOnSignal(path)]
            let abandon = { tickets.forEach(ExitCleanup.forget) }
            // The umask is process-wide (another thread may be creating files), so it is left alone:
            // the file is made 0600 before `listen`, and nobody can connect before `listen` anyway.
            do { try Self.bind(fd, &addr, describing: path) } catch {
                abandon()
                throw error
            }
            guard chmod(path, 0o600) == 0 else {
                let reason = String(cString: strerror(errno))
                Glibc.close(fd)
                unlink(path)
                abandon()
                throw SetupError("\(path): chmod: \(reason)")
            }
            descriptor = fd
            socketPath = path
            address = "unix:\(path)"
            cleanupTickets = tickets
        case .tcp(let host, let port):
            let chosen = bindHost ?? host
            guard bindHost != nil || Self.isLoopback(host) else {
                throw SetupError("tcp://\(host):\(port): trainscope listens on loopback only unless --listen \(host) is given")
            }
            let ip = chosen == "localhost" ? "127.0.0.1" : chosen
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            guard inet_pton(AF_INET, ip, &addr.sin_addr) == 1 else {
                throw SetupError("\(chosen): not an IPv4 address (IPv6 listening is not supported)")
            }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw SetupError("socket: \(String(cString: strerror(errno)))") }
            var yes: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
            try Self.bind(fd, &addr, describing: "\(ip):\(port)")
            descriptor = fd
            socketPath = nil
            address = "tcp://\(ip):\(port)"
        default:
            throw SetupError("\(source): not a socket address (use unix:PATH or tcp://127.0.0.1:PORT)")
        }
        guard listen(descriptor, backlog) == 0 else {
            let reason = String(cString: strerror(errno))
            close()
            throw SetupError("\(address): listen: \(reason)")
        }
    }

    /// The folder of the per-user default socket (`unix:` alone): `$XDG_RUNTIME_DIR/trainscope`,
    /// else `/tmp/trainscope-USER`. The Python client computes the same path.
    public static func defaultSocketFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty, SourceAddress.probe(runtime).isDirectory {
            return runtime + "/trainscope"
        }
        let user = getpwuid(getuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? String(getuid())
        return "/tmp/trainscope-\(user)"
    }

    /// Creates `folder` with mode 0700, or checks that an existing one is ours and private: in a
    /// shared `/tmp`, another user could have made it first to catch our producers.
    static func makePrivateFolder(_ folder: String) throws(SetupError) {
        if mkdir(folder, 0o700) != 0 && errno != EEXIST {
            throw SetupError("\(folder): cannot make the socket folder: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard lstat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw SetupError("\(folder): not a folder; remove it, or give unix:PATH")
        }
        guard info.st_uid == getuid() else { throw SetupError("\(folder): owned by another user; remove it, or give unix:PATH") }
        if info.st_mode & 0o077 != 0 { chmod(folder, 0o700) }
    }

    /// Whether `host` is a loopback name or address.
    public static func isLoopback(_ host: String) -> Bool { host == "localhost" || host.hasPrefix("127.") }

    /// Waits for the next connection; nil once the socket is closed. When the process is out of
    /// descriptors (or memory) the socket does not go deaf: `trouble` hears it once per episode,
    /// `reclaim` is asked before each retry to free what it can, and accepting is retried with a
    /// backoff from 10 ms to 1 s until a connection gets through.
    public func accept(trouble: (String) -> Void = { _ in }, reclaim: () -> Void = {}) -> Int32? {
        var backoff: useconds_t = 10_000
        var reported = false
        while true {
            let client = Glibc.accept(descriptor, nil, nil)
            if client >= 0 { return client }
            switch errno {
            case EINTR, ECONNABORTED, EPROTO: continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                if !reported {
                    trouble("\(address): cannot accept connections (\(String(cString: strerror(errno)))); retrying until some close")
                    reported = true
                }
                reclaim()
                usleep(backoff)
                backoff = Swift.min(backoff * 2, 1_000_000)
            default:
                return nil
            }
        }
    }

    /// Whether a connection waits to be accepted (one that arrived while descriptors ran out).
    public var hasPendingConnection: Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 1 && entry.revents & Int16(POLLIN) != 0
    }

    /// Stops listening and removes the socket file.
    public func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
        if let socketPath { unlink(socketPath) }
        cleanupTickets.forEach(ExitCleanup.forget)
        cleanupTickets = []
    }

    /// A socket file nobody listens on (left by a process that was killed) is removed; a live
    /// socket or any other file at `path` is an error.
    private static func removeIfStale(_ path: String) throws(SetupError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw SetupError("\(path) already exists and is not a socket; remove it or choose another path")
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard probe >= 0 else { throw SetupError("socket: \(String(cString: strerror(errno)))") }
        defer { Glibc.close(probe) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected != 0 && errno == ECONNREFUSED else {
            throw SetupError("\(path) is in use: another process listens on it")
        }
        unlink(path)
    }

    /// A directory that others may write to without the sticky bit lets them replace the socket.
    private static func checkParent(of path: String) throws(SetupError) {
        let parent = (path as NSString).deletingLastPathComponent
        var info = stat()
        guard stat(parent.isEmpty ? "." : parent, &info) == 0 else {
            throw SetupError("\(parent): \(String(cString: strerror(errno)))")
        }
        let mode = info.st_mode
        if mode & (S_IWGRP | S_IWOTH) != 0 && mode & S_ISVTX == 0 {
            throw SetupError("\(parent) is writable by other users; put the socket in a private directory, or give unix: alone for the per-user default")
        }
    }

    private static func bind<Address>(_ fd: Int32, _ address: inout Address, describing name: String) throws(SetupError) {
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<Address>.size)) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw SetupError("\(name): bind: \(reason)")
        }
    }
}
