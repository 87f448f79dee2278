import CostModel
import Foundation

/// Reads a user's file with a one-line error naming it.
public enum InputFile {
    /// No ParaPlan input comes near this; a device or a pipe that never ends stops here instead of filling memory.
    public static let maximumBytes = 1 << 31

    /// For callers inside typed-throwing cost-model closures: a missing file becomes a CostModelError.
    public static func read(_ path: String) throws(CostModelError) -> Data {
        do {
            return try readOrFail(path)
        } catch {
            throw CostModelError(
                source: path, field: "file", value: "",
                reason: error.message.replacingOccurrences(of: path + ": ", with: ""))
        }
    }

    /// Regular files, and pipes and devices as a shell would read them (`--lengths <(generate)`, `/dev/stdin`),
    /// up to `maximumBytes`.
    public static func readOrFail(_ path: String) throws(FrontendError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .badInput(path, "no such file")
        }
        guard !isDirectory.boolValue else { throw .badInput(path, "is a directory, not a file") }
        guard FileManager.default.isReadableFile(atPath: path), let handle = FileHandle(forReadingAtPath: path) else {
            throw .badInput(path, "cannot be opened for reading (no read permission)")
        }
        defer { try? handle.close() }
        var data = Data()
        // A regular file's size is known: one allocation instead of a copy per doubling (a 6 MB trace).
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > 0 {
            data.reserveCapacity(min(size, maximumBytes))
        }
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 20)
            } catch {
                throw .badInput(path, "cannot be read: \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { return data }
            guard data.count + chunk.count <= maximumBytes else {
                throw .badInput(path, "is larger than \(maximumBytes >> 30) GiB, more than any ParaPlan input needs")
            }
            data.append(chunk)
        }
    }
}
