import Glibc

/// Hands out the same `String` for the same bytes, so that names repeated on every record (metric
/// names, tags, run ids) cost a comparison instead of an allocation and a UTF-8 validation.
public struct StringInterner: Sendable {
    private var bytes: [[UInt8]] = []
    private var strings: [String] = []
    /// Distinct strings remembered; later ones are decoded each time (a stream of unique names
    /// must not grow memory without bound).
    public let capacity: Int

    public init(capacity: Int = 256) { self.capacity = capacity }

    /// The string for `text` (decoded as UTF-8, invalid sequences repaired).
    public mutating func intern(_ text: UnsafeBufferPointer<UInt8>) -> String {
        for (i, candidate) in bytes.enumerated() where candidate.count == text.count {
            if text.isEmpty || candidate.withUnsafeBufferPointer({ memcmp($0.baseAddress!, text.baseAddress!, text.count) == 0 }) {
                return strings[i]
            }
        }
        let string = String(decoding: text, as: UTF8.self)
        if bytes.count < capacity {
            bytes.append(Array(text))
            strings.append(string)
        }
        return string
    }

    /// The string for raw bytes.
    public mutating func intern(_ text: UnsafeRawBufferPointer) -> String {
        intern(text.bindMemory(to: UInt8.self))
    }
}
