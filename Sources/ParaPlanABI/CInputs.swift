import Foundation
import Frontend
import ParaPlan

/// C strings in and out.
enum CText {
    /// Longest text accepted (options, plans, graph stats): far above any plan the planners write.
    static let maximumBytes = 1 << 30

    static func read(_ pointer: UnsafePointer<CChar>?, _ name: String) throws(FrontendError) -> String {
        guard let pointer else { throw .badInput(name, "is NULL") }
        let length = strnlen(pointer, maximumBytes)
        guard length < maximumBytes else { throw .badInput(name, "longer than \(maximumBytes) bytes") }
        let bytes = UnsafeBufferPointer(
            start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: length)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .badInput(name, "is not valid UTF-8") }
        return text
    }

    /// A malloc'd, NUL-terminated copy for the caller to pp_free; nil only when the machine is out of memory.
    static func copy(_ bytes: Data) -> UnsafeMutablePointer<CChar>? {
        guard let memory = malloc(bytes.count + 1) else { return nil }
        let text = memory.bindMemory(to: CChar.self, capacity: bytes.count + 1)
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { memcpy(text, base, bytes.count) }
        }
        text[bytes.count] = 0
        return text
    }
}

/// Flat numeric arrays from the caller, checked for NULL, count and size before a single element is read.
enum CArray {
    static func count(_ count: Int64, limit: Int, name: String) throws(FrontendError) -> Int {
        guard count >= 0, count <= Int64(limit) else {
            throw .badInput(name, value: "\(count) items", "must hold 0 to \(limit)")
        }
        return Int(count)
    }

    static func buffer<T>(_ pointer: UnsafePointer<T>?, count: Int, name: String) throws(FrontendError)
        -> UnsafeBufferPointer<T>
    {
        guard count == 0 || pointer != nil else { throw .badInput(name, "is NULL") }
        return UnsafeBufferPointer(start: count == 0 ? nil : pointer, count: count)
    }

    /// Whole numbers that fit `Int` on every platform this runs on (64-bit).
    static func ints(_ pointer: UnsafePointer<Int64>?, count: Int64, limit: Int, name: String) throws(FrontendError)
        -> [Int]
    {
        let values = try buffer(pointer, count: try self.count(count, limit: limit, name: name), name: name)
        return values.map { Int($0) }
    }

    /// Samples with their image token counts (CSR: sample i's images are `imageTokens[offsets[i] ..< offsets[i + 1]]`)
    /// and the rank each was loaded on.
    static func samples(
        tokens: UnsafePointer<Int64>?, count: Int64, imageOffsets: UnsafePointer<Int64>?,
        imageTokens: UnsafePointer<Int64>?, loadedRanks: UnsafePointer<Int64>?
    ) throws(FrontendError) -> [Sample] {
        let n = try self.count(count, limit: Limits.sequences, name: "tokens")
        let tokenValues = try buffer(tokens, count: n, name: "tokens")
        let ranks = try loadedRanks.map { pointer throws(FrontendError) in
            try buffer(pointer, count: n, name: "loaded_rank")
        }
        var images: [[Int]] = Array(repeating: [], count: n)
        if let imageOffsets {
            let offsets = try buffer(imageOffsets, count: n + 1, name: "image_offsets")
            guard offsets[0] == 0 else { throw .badInput("image_offsets[0]", value: "\(offsets[0])", "must be 0") }
            for index in 0..<n where offsets[index + 1] < offsets[index] {
                throw .badInput(
                    "image_offsets[\(index + 1)]", value: "\(offsets[index + 1])", "must not be below the one before it"
                )
            }
            let total = try self.count(offsets[n], limit: Limits.sequences, name: "image_tokens")
            let values = try buffer(imageTokens, count: total, name: "image_tokens")
            for index in 0..<n {
                images[index] = values[Int(offsets[index])..<Int(offsets[index + 1])].map { Int($0) }
            }
        } else if imageTokens != nil {
            throw .badInput("image_tokens", "given without image_offsets")
        }
        return (0..<n).map { index in
            Sample(tokens: Int(tokenValues[index]), images: images[index], loadedRank: ranks.map { Int($0[index]) })
        }
    }

    /// Expert loads `[layers][experts]`, row-major.
    static func loads(_ pointer: UnsafePointer<Double>?, layers: Int64, experts: Int64) throws(FrontendError)
        -> [[Double]]
    {
        let (l, e) = try shape(layers: layers, experts: experts)
        let values = try buffer(pointer, count: l * e, name: "loads")
        return (0..<l).map { layer in Array(values[(layer * e)..<((layer + 1) * e)]) }
    }

    /// Origins `[layers][gpus][experts]`, row-major, or nil.
    static func origins(_ pointer: UnsafePointer<Double>?, layers: Int64, gpus: Int64, experts: Int64)
        throws(FrontendError) -> [[[Double]]]?
    {
        guard let pointer else { return nil }
        let (l, e) = try shape(layers: layers, experts: experts)
        let g = try count(gpus, limit: Limits.gpus, name: "origins")
        guard g > 0 else { throw .badInput("origins", value: "0 GPUs", "needs one row per GPU") }
        let (cells, overflow) = (l * e).multipliedReportingOverflow(by: g)
        guard !overflow, cells <= maximumCells else {
            throw .badInput("origins", value: "\(l) × \(g) × \(e)", "more than \(maximumCells) values")
        }
        let values = try buffer(pointer, count: cells, name: "origins")
        return (0..<l).map { layer in
            (0..<g).map { gpu in
                let start = (layer * g + gpu) * e
                return Array(values[start..<(start + e)])
            }
        }
    }

    /// Edge pairs `[edges][2]`, row-major.
    static func edgePairs(_ pointer: UnsafePointer<Int64>?, count: Int64) throws(FrontendError) -> UnsafeBufferPointer<
        Int64
    > {
        let edges = try self.count(count, limit: Graph.maximumEntries / 2, name: "edges")
        return try buffer(pointer, count: edges * 2, name: "edges")
    }

    /// Values in one matrix argument: 2^31 doubles (16 GiB) is beyond any machine planning a step.
    static let maximumCells = 1 << 31

    private static func shape(layers: Int64, experts: Int64) throws(FrontendError) -> (Int, Int) {
        let l = try count(layers, limit: Limits.sequences, name: "loads")
        let e = try count(experts, limit: Limits.gpus * Limits.slotsPerGPU, name: "loads")
        guard l > 0, e > 0 else {
            throw .badInput("loads", value: "\(l) × \(e)", "needs at least one layer and one expert")
        }
        guard l * e <= maximumCells else {
            throw .badInput("loads", value: "\(l) × \(e)", "more than \(maximumCells) values")
        }
        return (l, e)
    }
}
