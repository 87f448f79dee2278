import CostModel
import Foundation

/// Reads a user's file with a one-line error naming it.
public enum InputFile {
    /// For callers inside typed-throwing cost-model closures: a missing file becomes a CostModelError.
    public static func read(_ path: String) throws(CostModelError) -> Data {
        do {
            return try readOrFail(path)
        } catch {
            throw CostModelError(source: path, field: "file", value: "",
                                 reason: error.message.replacingOccurrences(of: path + ": ", with: ""))
        }
    }

    public static func readOrFail(_ path: String) throws(FrontendError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .badInput(path, "no such file")
        }
        guard !isDirectory.boolValue else { throw .badInput(path, "is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .badInput(path, "cannot be read (permissions?)")
        }
        return data
    }
}
