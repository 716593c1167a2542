/// A `Backend` in memory, for tests of the runtime loop (ratatui's `TestBackend`): scripted keys
/// and sizes in, every drawn frame out, and whether the terminal was given back.
public final class TestBackend: Backend {
    /// Keys still to be read, in order.
    public var keys: [Key]
    /// The size the runtime sees; tests change it to simulate a resize.
    public var size: (width: Int, height: Int)
    /// Every frame drawn, in order.
    public private(set) var frames: [Buffer] = []
    /// Whether `start` was called and `stop` not since.
    public private(set) var isStarted = false
    /// How many times the terminal was given back.
    public private(set) var stopCount = 0
    /// How many times the last frame was forgotten.
    public private(set) var invalidations = 0

    public init(width: Int, height: Int, keys: [Key] = []) {
        size = (width, height)
        self.keys = keys
    }

    public func start() { isStarted = true }

    public func stop() {
        guard isStarted else { return }
        isStarted = false
        stopCount += 1
    }

    public func readKey() -> Key? { keys.isEmpty ? nil : keys.removeFirst() }

    public func draw(_ buffer: Buffer) { frames.append(buffer) }

    public func invalidate() { invalidations += 1 }

    /// The last frame's rows as text (trailing spaces kept), or nil before the first frame.
    public var lastFrameLines: [String]? { frames.last?.lines }
}
