import Dispatch
import Foundation
import Synchronization

/// Reads the artifact's trace CSV (one row per operation) and its meta file. Errors name the row and column.
public enum TraceReader {
    /// Rows above this are refused before parsing (a trace of 512 workers × 50 steps has about 3 × 10^6).
    public static let maximumRows = 1 << 25

    static let requiredColumns = ["dp_rank", "stage", "rank", "step", "optype", "start_ts", "duration", "seq_id"]

    public static func operations(csv data: Data, source: String) throws(TraceError) -> [TraceOperation] {
        // A trailing NUL stops strtod at the end of the last cell.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(data.count + 1)
        bytes.append(contentsOf: data)
        bytes.append(0)
        let length = bytes.count - 1
        let headerEnd = bytes[..<length].firstIndex { $0 == 10 || $0 == 13 } ?? length
        let header = String(decoding: bytes[0..<headerEnd], as: UTF8.self)
        let names = header.split(separator: ",", omittingEmptySubsequences: false)
            .map {
                $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\u{FEFF}", with: "")
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        guard names.count > 1 || !(names.first ?? "").isEmpty else {
            throw TraceError("\(source): empty file (expected a header row)")
        }
        var column: [String: Int] = [:]
        for (index, name) in names.enumerated() where column[name] == nil { column[name] = index }
        for name in requiredColumns where column[name] == nil {
            throw TraceError("\(source): header: column \(name) missing (columns: \(names.joined(separator: ", ")))")
        }
        let parser = RowParser(bytes: bytes, source: source, cellCount: names.count, column: column)
        // Parts that start at a line start, parsed on all cores; each knows its first row number, so errors name
        // the same row as a serial read would (the first part's error wins).
        let parts = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount, length / (1 << 20)))
        var bounds = [headerEnd]
        for part in 1..<max(parts, 1) where parts > 1 {
            var cut = max(bounds.last!, length * part / parts)
            while cut < length, bytes[cut] != 10, bytes[cut] != 13 { cut += 1 }
            bounds.append(cut)
        }
        bounds.append(length)
        var firstRows = [2]
        for part in 1..<max(parts, 1) where parts > 1 {
            firstRows.append(firstRows[part - 1] + RowParser.lineCount(bytes, bounds[part - 1]..<bounds[part]))
        }
        let lastRows = firstRows.last! + RowParser.lineCount(bytes, bounds[parts - 1]..<length)
        guard lastRows - 2 <= maximumRows else {
            throw TraceError("\(source): more than \(maximumRows) rows")
        }
        let results = Mutex([Result<[TraceOperation], TraceError>](repeating: .success([]), count: parts))
        let partBounds = bounds
        let partRows = firstRows
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            // Each part's row count is known: its array is allocated once, at its size; the first part's has room for
            // every row, so the others are appended to it without copying it.
            let end = part == 0 || part + 1 == parts ? lastRows : partRows[part + 1]
            let rows = end - partRows[part]
            let result = Result { () throws(TraceError) -> [TraceOperation] in
                try parser.parse(partBounds[part]..<partBounds[part + 1], firstRow: partRows[part], rows: rows)
            }
            results.withLock { $0[part] = result }
        }
        var partsRead = results.withLock { $0 }
        var operations = try partsRead[0].get()
        partsRead[0] = .success([])  // the array's only reference is then `operations`: appending does not copy it
        for result in partsRead.dropFirst() { operations += try result.get() }
        guard !operations.isEmpty else { throw TraceError("\(source): no operations after the header") }
        return operations
    }

    /// A whole number written as digits (optionally signed, or with a zero fraction such as `3.0`); nil otherwise.
    static func integer(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
        var index = range.lowerBound
        var end = range.upperBound
        while index < end, bytes[index] == 32 { index += 1 }
        while end > index, bytes[end - 1] == 32 { end -= 1 }
        var negative = false
        if index < end, bytes[index] == 45 {
            negative = true
            index += 1
        }
        guard index < end else { return nil }
        var value = 0
        while index < end, bytes[index] >= 48, bytes[index] <= 57 {
            value = value * 10 + Int(bytes[index] - 48)
            guard value < 1 << 40 else { return nil }
            index += 1
        }
        if index < end, bytes[index] == 46 {  // a fraction of zeros only
            index += 1
            while index < end, bytes[index] == 48 { index += 1 }
        }
        guard index == end, bytes[range.lowerBound..<end].contains(where: { $0 >= 48 && $0 <= 57 }) else { return nil }
        return negative ? -value : value
    }

    /// The meta file: flat `key: value` lines (`dp_size`, `pp_size`, `tp_size`, `dsp_size`, `vpp_size`, `world_size`,
    /// `trial_name`); `#` comments allowed.
    public static func shape(meta data: Data, source: String) throws(TraceError) -> JobShape {
        guard let text = String(data: data, encoding: .utf8) else { throw TraceError("\(source): not UTF-8 text") }
        var values: [String: String] = [:]
        for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
        {
            let line = rawLine.prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw TraceError("\(source): line \(number + 1) = \"\(line)\": expected key: value")
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            guard values[key] == nil else { throw TraceError("\(source): line \(number + 1): key \(key) repeated") }
            values[key] = value
        }
        func size(_ key: String, default fallback: Int? = nil) throws(TraceError) -> Int {
            guard let text = values[key] else {
                if let fallback { return fallback }
                throw TraceError("\(source): \(key) missing")
            }
            guard let value = Int(text), value >= 1, value <= JobShape.maximumWorldSize else {
                throw TraceError("\(source): \(key) = \"\(text)\": must be a whole number from 1 to 2^18")
            }
            return value
        }
        let shape = JobShape(
            name: values["trial_name"] ?? "trace", dataParallel: try size("dp_size"),
            pipelineParallel: try size("pp_size"), tensorParallel: try size("tp_size", default: 1),
            sequenceParallel: try size("dsp_size", default: 1), virtualStages: try size("vpp_size", default: 1))
        do {
            try shape.validate()
        } catch {
            throw TraceError("\(source): \(error.message)")
        }
        if values["world_size"] != nil {
            let world = try size("world_size")
            guard world == shape.worldSize else {
                throw TraceError("\(source): world_size = \(world): must equal dp × pp × tp × dsp = \(shape.worldSize)")
            }
        }
        return shape
    }
}

/// Parses rows of a trace CSV between two offsets of the file's bytes (read-only, so parts run concurrently).
private struct RowParser: Sendable {
    let bytes: [UInt8]
    let source: String
    let cellCount: Int
    let dp: Int, stage: Int, rank: Int, step: Int, kind: Int, start: Int, duration: Int, sequence: Int
    let chunk: Int?, microBatch: Int?
    let kindNames = OperationKind.allCases.map { ($0, Array($0.rawValue.utf8)) }

    init(bytes: [UInt8], source: String, cellCount: Int, column: [String: Int]) {
        self.bytes = bytes
        self.source = source
        self.cellCount = cellCount
        dp = column["dp_rank"]!
        stage = column["stage"]!
        rank = column["rank"]!
        step = column["step"]!
        kind = column["optype"]!
        start = column["start_ts"]!
        duration = column["duration"]!
        sequence = column["seq_id"]!
        chunk = column["mc"]
        microBatch = column["mb_id"]
    }

    /// Non-blank lines in `range`.
    static func lineCount(_ bytes: [UInt8], _ range: Range<Int>) -> Int {
        var count = 0
        var inLine = false
        for index in range {
            let byte = bytes[index]
            if byte == 10 || byte == 13 {
                inLine = false
            } else if !inLine {
                inLine = true
                count += 1
            }
        }
        return count
    }

    func parse(_ range: Range<Int>, firstRow: Int, rows: Int) throws(TraceError) -> [TraceOperation] {
        var result: [TraceOperation] = []
        result.reserveCapacity(max(rows, 0))
        var cells = [Range<Int>](repeating: 0..<0, count: cellCount)
        var row = firstRow - 1
        var position = range.lowerBound
        while position < range.upperBound {
            // Skip the line break (LF, CRLF or CR) and blank lines.
            while position < range.upperBound, bytes[position] == 10 || bytes[position] == 13 { position += 1 }
            guard position < range.upperBound else { break }
            row += 1
            var lineEnd = position
            var count = 0
            var cellStart = position
            // The scan of every byte reads through an unchecked view (the range lies inside the file's bytes).
            bytes.withUnsafeBufferPointer { bytes in
                cells.withUnsafeMutableBufferPointer { cells in
                    while lineEnd < range.upperBound, bytes[lineEnd] != 10, bytes[lineEnd] != 13 {
                        if bytes[lineEnd] == 44 {
                            if count < cells.count { cells[count] = cellStart..<lineEnd }
                            count += 1
                            cellStart = lineEnd + 1
                        }
                        lineEnd += 1
                    }
                    if count < cells.count { cells[count] = cellStart..<lineEnd }
                }
            }
            count += 1
            guard count == cellCount else {
                throw TraceError("\(source): row \(row): \(count) cells, the header has \(cellCount)")
            }
            // A quoted cell (pyarrow's CSV writer quotes strings) is read without its quotes.
            for index in cells.indices
            where cells[index].count >= 2 && bytes[cells[index].lowerBound] == 34
                && bytes[cells[index].upperBound - 1] == 34
            {
                cells[index] = (cells[index].lowerBound + 1)..<(cells[index].upperBound - 1)
            }
            position = lineEnd
            result.append(try operation(cells, row: row))
        }
        return result
    }

    private func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    private func operation(_ cells: [Range<Int>], row: Int) throws(TraceError) -> TraceOperation {
        func integer(_ at: Int, _ name: String, minimum: Int = 0) throws(TraceError) -> Int {
            guard let value = TraceReader.integer(bytes, cells[at]), value >= minimum, value < 1 << 31 else {
                throw TraceError(
                    "\(source): row \(row), column \(name) = \"\(text(cells[at]))\": must be a whole number ≥ \(minimum)"
                )
            }
            return value
        }
        func optional(_ at: Int?, _ name: String) throws(TraceError) -> Int? {
            guard let at else { return nil }
            if let value = TraceReader.integer(bytes, cells[at]), value >= -1, value < 1 << 31 {
                return value < 0 ? nil : value
            }
            let cell = text(cells[at]).trimmingCharacters(in: .whitespaces)
            if cell.isEmpty || cell == "<NA>" || cell == "nan" || cell == "NaN" { return nil }
            let value = try integer(at, name, minimum: -1)
            return value < 0 ? nil : value
        }
        func seconds(_ at: Int, _ name: String) throws(TraceError) -> Double {
            guard let value = decimal(cells[at]), value.isFinite, abs(value) < 1e12 else {
                throw TraceError(
                    "\(source): row \(row), column \(name) = \"\(text(cells[at]))\": must be a finite number of seconds"
                )
            }
            return value
        }
        guard let operationKind = kindOf(cells[kind]) else {
            throw TraceError(
                "\(source): row \(row), column optype = \"\(text(cells[kind]))\": unknown operation type (known: "
                    + OperationKind.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        let length = try seconds(duration, "duration")
        guard length >= 0 else {
            throw TraceError("\(source): row \(row), column duration = \(length): must not be negative")
        }
        return TraceOperation(
            worker: Worker(dataParallelRank: try integer(dp, "dp_rank"), stage: try integer(stage, "stage")),
            globalRank: try integer(rank, "rank"), step: try integer(step, "step"), kind: operationKind,
            start: try seconds(start, "start_ts"), duration: length, sequence: try integer(sequence, "seq_id"),
            chunk: try optional(chunk, "mc"), microBatch: try optional(microBatch, "mb_id"))
    }

    /// A byte comparison against the 14 names: no allocation or hashing per row.
    private func kindOf(_ range: Range<Int>) -> OperationKind? {
        for (kind, name) in kindNames where name.count == range.count {
            var equal = true
            for offset in 0..<name.count where bytes[range.lowerBound + offset] != name[offset] {
                equal = false
                break
            }
            if equal { return kind }
        }
        return nil
    }

    /// Exact powers of ten: every one up to 10^22 is a Double.
    private static let powersOfTen: [Double] = (0...22).map { power in
        (0..<power).reduce(1.0) { value, _ in value * 10 }
    }

    /// A decimal number filling the cell (spaces around allowed). Plain decimals (sign, at most 15 digits, a point, no
    /// exponent) as mantissa ÷ 10^k: both exact, one correctly rounded division, so the same Double strtod gives
    /// (Clinger's fast path); anything else is read in place with strtod (C locale). The file's bytes end with a NUL,
    /// so strtod cannot run past them.
    private func decimal(_ range: Range<Int>) -> Double? {
        guard !range.isEmpty else { return nil }
        if let value = bytes.withUnsafeBufferPointer({ buffer -> Double? in
            var index = range.lowerBound
            let negative = buffer[index] == 45
            if negative { index += 1 }
            var mantissa: Int64 = 0
            var digits = 0
            var fraction = 0
            var point = false
            while index < range.upperBound {
                let byte = buffer[index]
                if byte >= 48 && byte <= 57 {
                    if digits > 0 || byte != 48 { digits += 1 }
                    mantissa = mantissa &* 10 &+ Int64(byte - 48)
                    if point { fraction += 1 }
                } else if byte == 46 && !point {
                    point = true
                } else {
                    return nil
                }
                index += 1
            }
            guard digits <= 15, fraction <= 22, index > range.lowerBound + (negative ? 1 : 0) + (point ? 1 : 0) - 1,
                range.count > (negative ? 1 : 0) + (point ? 1 : 0)
            else { return nil }
            let value = Double(mantissa) / Self.powersOfTen[fraction]
            return negative ? -value : value
        }) {
            return value
        }
        return bytes.withUnsafeBufferPointer { buffer -> Double? in
            guard let base = buffer.baseAddress else { return nil }
            let first = UnsafeRawPointer(base + range.lowerBound).assumingMemoryBound(to: CChar.self)
            var stop: UnsafeMutablePointer<CChar>?
            let value = strtod(first, &stop)
            guard let stop else { return nil }
            var consumed = UnsafeRawPointer(stop).assumingMemoryBound(to: UInt8.self) - base
            guard consumed > range.lowerBound else { return nil }
            while consumed < range.upperBound, buffer[consumed] == 32 { consumed += 1 }
            return consumed == range.upperBound ? value : nil
        }
    }
}
