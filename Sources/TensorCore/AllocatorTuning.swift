#if canImport(Glibc)
import Glibc
#endif

/// Process-wide allocator settings for the engine's allocation pattern.
public enum AllocatorTuning {
    /// Keeps large tensor buffers in the heap instead of mapping and unmapping pages for each one.
    ///
    /// glibc serves allocations above its mmap threshold with fresh pages and returns them on free;
    /// a training step allocates dozens of multi-megabyte temporaries, so every step paid page
    /// faults for all of them (measured on the grokking preset: 25 → 50 steps/s, system time 45% → 1%).
    /// Returns false where the C library has no `mallopt`.
    @discardableResult
    public static func keepLargeBuffersInHeap() -> Bool {
        #if canImport(Glibc)
        // malloc.h is not part of Swift's Glibc module; mallopt is looked up with its C signature.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3  // M_* in malloc.h
        return mallopt(mmapThreshold, 1 << 30) == 1 && mallopt(trimThreshold, 1 << 30) == 1
            && mallopt(topPad, 256 << 20) == 1
        #else
        return false
        #endif
    }
}
