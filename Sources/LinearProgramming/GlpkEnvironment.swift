import CGlpk
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// GLPK keeps its environment (terminal switch, error hook) per thread when built with thread-local
/// storage, and in one global otherwise. Every GLPK call in ParaPlan goes through `withGlpk`, which
/// prepares the calling thread and, on a build without TLS, serialises the calls.
enum GlpkEnvironment {
    private static let serialisingLock = Mutex(())

    /// Debian's and Homebrew's builds have TLS; a build without it is not safe to enter concurrently.
    static let hasThreadLocalEnvironment: Bool = glp_config("TLS") != nil

    static func withGlpk<Result>(_ body: () -> Result) -> Result {
        if hasThreadLocalEnvironment {
            prepareThread()
            return body()
        }
        return serialisingLock.withLock { _ in
            prepareThread()
            return body()
        }
    }

    private static func prepareThread() {
        glp_term_out(GLP_OFF)
        // GLPK aborts after calling this hook. ParaPlan validates every model before GLPK sees it,
        // so reaching the hook is a ParaPlan bug: say so plainly before GLPK ends the process.
        glp_error_hook(glpkErrorHook, nil)
    }
}

private func glpkErrorHook(_ info: UnsafeMutableRawPointer?) {
    let message = "paraplan: internal error: GLPK rejected a call that passed ParaPlan's validation; please report it\n"
    _ = message.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
}
