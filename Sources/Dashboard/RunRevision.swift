/// How many times `update` changed a run. Not part of what the run is: two runs with the same data
/// are equal whatever their histories (a block of rows and the same rows one by one).
public struct RunRevision: Sendable, Equatable {
    public private(set) var count = 0

    public init() {}

    mutating func bump() { count &+= 1 }

    public static func == (_: RunRevision, _: RunRevision) -> Bool { true }
}
