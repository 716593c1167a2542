import Glibc

/// Files trainscope made that must not outlive it (a listening socket, its private directory),
/// removed however the process ends: on a normal close, and from the handlers of SIGINT, SIGTERM
/// and SIGHUP. The handler only walks a preallocated table of C strings and calls `unlink` and
/// `rmdir`, which are async-signal-safe.
public enum ExitCleanup {
    private static let capacity = 32
    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        slots.initialize(repeating: nil, count: capacity)
        return slots
    }()
    nonisolated(unsafe) private static var handlersInstalled = false
    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        return lock
    }()

    /// Removes `path` (a file, or an empty directory) if the process is ended by a signal; the
    /// returned ticket forgets it again. Paths are removed in the order they were registered.
    @discardableResult
    public static func removeOnSignal(_ path: String) -> Int? {
        withLock {
            installHandlers()
            for i in 0..<capacity where slots[i] == nil {
                slots[i] = strdup(path)
                return i
            }
            return nil
        }
    }

    /// Forgets a path registered with `removeOnSignal` (it was removed, or is to stay).
    public static func forget(_ ticket: Int?) {
        guard let ticket else { return }
        withLock {
            let path = slots[ticket]
            slots[ticket] = nil
            free(path)
        }
    }

    /// Removes every registered path now; safe inside a signal handler.
    public static func removeAll() {
        for i in 0..<capacity {
            guard let path = slots[i] else { continue }
            if unlink(path) != 0 { rmdir(path) }
        }
    }

    /// Installs the handlers for SIGINT, SIGTERM and SIGHUP once: remove the paths, then die of the
    /// signal as before. A terminal front end that installs its own handlers calls `removeAll` in them.
    private static func installHandlers() {
        guard !handlersInstalled else { return }
        handlersInstalled = true
        // A parent may have started us with these blocked (the mask is inherited across exec):
        // they end the process all the same.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { received in
                ExitCleanup.removeAll()
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }

    private static func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return body()
    }
}
