import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a command's output where the user pointed it, as a shell redirection would: `-` is standard output, a
/// symbolic link is followed (never replaced), a device or pipe is written in place (never replaced by a file), a
/// regular file is replaced atomically (no half-written plan is ever left), and every write error is reported.
public enum OutputFile {
    public static func write(_ data: Data, to path: String) throws(FrontendError) {
        if path == "-" {
            try writeAll(data, descriptor: STDOUT_FILENO, path: "standard output")
            return
        }
        var target = path
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
            // Follow the link to what it names (which need not exist yet), as `>` would.
            guard let resolved = resolvedLink(path) else {
                throw .badInput(path, "is a symbolic link that cannot be followed")
            }
            target = resolved
        }
        if stat(target, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFDIR: throw .badInput(path, "is a directory, not a file")
            case S_IFREG: break
            default:
                let descriptor = open(target, O_WRONLY)
                guard descriptor >= 0 else {
                    throw .badInput(path, "cannot be opened for writing (\(String(cString: strerror(errno))))")
                }
                defer { close(descriptor) }
                try writeAll(data, descriptor: descriptor, path: path)
                return
            }
        }
        do {
            try data.write(to: URL(fileURLWithPath: target), options: .atomic)
        } catch {
            throw .badInput(path, "cannot write here (\(reason(error)))")
        }
    }

    private static func writeAll(_ data: Data, descriptor: Int32, path: String) throws(FrontendError) {
        var failure: Int32 = 0
        data.withUnsafeBytes { raw in
            guard var base = raw.baseAddress else { return }
            var left = raw.count
            while left > 0 {
                let written = Glibc.write(descriptor, base, left)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                left -= written
                base += written
            }
        }
        if failure != 0 { throw .badInput(path, "cannot write (\(String(cString: strerror(failure))))") }
    }

    private static func resolvedLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let destination = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if destination.hasPrefix("/") { return destination }
        return (URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(destination)).path
    }

    private static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let code = underlying?.code, underlying?.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(code)))
        }
        return (error as NSError).localizedDescription
    }
}
