import Foundation

/// Events in the Chrome trace format that Perfetto and chrome://tracing open: metadata events naming processes and
/// threads, and complete events (`ph: "X"`) with start and duration in microseconds. Written line by line in the
/// order given, with fixed decimals, so the same events are the same bytes on every machine.
struct ChromeTrace {
    private var lines: [String] = []

    mutating func process(_ pid: Int, name: String) {
        lines.append(#"{"ph":"M","name":"process_name","pid":\#(pid),"args":{"name":"\#(name)"}}"#)
        lines.append(#"{"ph":"M","name":"process_sort_index","pid":\#(pid),"args":{"sort_index":\#(pid)}}"#)
    }

    mutating func thread(_ pid: Int, _ tid: Int, name: String) {
        lines.append(#"{"ph":"M","name":"thread_name","pid":\#(pid),"tid":\#(tid),"args":{"name":"\#(name)"}}"#)
        lines.append(
            #"{"ph":"M","name":"thread_sort_index","pid":\#(pid),"tid":\#(tid),"args":{"sort_index":\#(tid)}}"#)
    }

    /// A complete event from `start` for `seconds`; `arguments` are numbers shown in the event's details.
    mutating func event(
        _ name: String, category: String, pid: Int, tid: Int, start: Double, seconds: Double,
        arguments: [(String, Double)] = []
    ) {
        let details = arguments.map { #""\#($0.0)":\#(Self.number($0.1))"# }.joined(separator: ",")
        lines.append(
            #"{"ph":"X","name":"\#(name)","cat":"\#(category)","pid":\#(pid),"tid":\#(tid),"#
                + #""ts":\#(String(format: "%.3f", start * 1e6)),"dur":\#(String(format: "%.3f", seconds * 1e6)),"#
                + #""args":{\#(details)}}"#)
    }

    var data: Data {
        Data(("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n" + lines.joined(separator: ",\n") + "\n]}\n").utf8)
    }

    /// Whole numbers as integers, others with Swift's shortest round-trip digits.
    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}

/// Why a plan's timeline cannot be drawn; the message names the input.
public struct TimelineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
