/// A terminal the runtime draws frames on and reads keys from: the curses terminal, or a
/// `TestBackend` in tests. Only the runtime loop talks to it.
public protocol Backend: AnyObject {
    /// Takes over the terminal (alternate screen, raw keys).
    func start()
    /// Gives the terminal back as it was; safe to call more than once.
    func stop()
    /// The size in columns and rows.
    var size: (width: Int, height: Int) { get }
    /// The next key pressed, without waiting; nil when none is waiting.
    func readKey() -> Key?
    /// Shows `buffer` (a backend may write only the cells that changed since the last frame).
    func draw(_ buffer: Buffer)
    /// Forgets the last frame, so that the next one is written whole (after a resize).
    func invalidate()
}
