/// Values a view keeps from one frame to the next: what the last frame used, and what the frame
/// before it used until this frame asks for it again. A value no frame asks for in two frames in
/// a row is let go, so what left the screen does not stay in memory.
struct FrameRetained<Key: Hashable, Value> {
    private var current: [Key: Value] = [:]
    private var previous: [Key: Value] = [:]

    /// Starts a frame.
    mutating func startFrame() {
        previous = current
        // A frame asks for about what the last one did: room for it at once, not by doubling.
        current = Dictionary(minimumCapacity: previous.count)
    }

    /// The value kept under `key` (kept for this frame too), or nil.
    mutating func value(_ key: Key) -> Value? {
        guard let found = current[key] ?? previous[key] else { return nil }
        current[key] = found
        return found
    }

    /// Keeps `value` under `key` for this frame and the next.
    mutating func keep(_ value: Value, _ key: Key) { current[key] = value }
}
