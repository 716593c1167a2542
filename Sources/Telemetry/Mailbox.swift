import Foundation

/// A bounded, thread-safe queue from a producer thread (the engine, a socket reader) to the UI.
///
/// When full, `post` either blocks until the consumer drains (`.block`: nothing is lost; the
/// producer slows down) or drops the oldest element and counts it (`.dropOldest`: the producer
/// never waits).
public final class Mailbox<Element: Sendable>: @unchecked Sendable {
    /// What `post` does when the mailbox is full.
    public enum FullPolicy: Sendable { case block, dropOldest }

    /// Most elements held at once.
    public let capacity: Int
    /// Behaviour when full.
    public let policy: FullPolicy

    private let condition = NSCondition()
    private var ring: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    private var dropped = 0

    /// A mailbox holding at most `capacity` elements.
    public init(capacity: Int, policy: FullPolicy = .block) {
        precondition(capacity > 0, "mailbox capacity must be positive")
        self.capacity = capacity
        self.policy = policy
        ring = Array(repeating: nil, count: capacity)
    }

    /// Adds an element; returns false when the mailbox is closed (the element is discarded).
    @discardableResult
    public func post(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while count == capacity && !closed {
            if policy == .dropOldest {
                ring[head] = nil
                head = (head + 1) % capacity
                count -= 1
                dropped += 1
                break
            }
            condition.wait()
        }
        if closed { return false }
        ring[(head + count) % capacity] = element
        count += 1
        condition.broadcast()
        return true
    }

    /// Takes every element present now, oldest first, without waiting.
    public func drain() -> [Element] {
        condition.lock()
        defer { condition.unlock() }
        var out: [Element] = []
        out.reserveCapacity(count)
        while count > 0 {
            out.append(ring[head]!)
            ring[head] = nil
            head = (head + 1) % capacity
            count -= 1
        }
        condition.broadcast()
        return out
    }

    /// Waits until an element is present or the mailbox is closed, then takes everything present.
    /// An empty result means closed and empty.
    public func waitAndDrain() -> [Element] {
        condition.lock()
        while count == 0 && !closed { condition.wait() }
        condition.unlock()
        return drain()
    }

    /// Closes the mailbox: blocked producers return, later posts are discarded, the rest can still be drained.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Elements dropped so far under `.dropOldest`.
    public var droppedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return dropped
    }

    /// True once `close` was called.
    public var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }
}
