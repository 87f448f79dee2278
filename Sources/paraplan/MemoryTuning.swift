#if canImport(Glibc)
    import Glibc
#endif

/// A short-lived CLI run allocates and frees arrays of megabytes (a 6 MB trace read into 100,000 operations and the
/// what-if's replays). glibc serves each such array from its own mmap and unmaps it at free, so every array that
/// follows faults its pages in afresh: 14,000 page faults and about 20 ms of system time on a 107,000-operation trace.
/// Raising glibc's mmap and trim thresholds keeps them in the heap, where later arrays reuse pages already mapped.
/// `mallopt` is looked up at run time (Swift's Glibc module leaves malloc.h out); without it nothing changes.
enum MemoryTuning {
    static func keepFreedMemory() {
        #if canImport(Glibc)
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            let trimThreshold: Int32 = -1
            let mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD in malloc.h
            _ = mallopt(mmapThreshold, 1 << 30)
            _ = mallopt(trimThreshold, 1 << 30)
        #endif
    }
}
