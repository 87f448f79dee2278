import Foundation

/// An inline SVG figure built element by element; coordinates in CSS pixels, numbers written with one decimal so the
/// same figure is the same bytes everywhere.
struct SVG {
    let width: Double
    let height: Double
    private var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// A rectangle; `data` attributes (e.g. `seconds`) let tests and tools read the figure's numbers back.
    mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, className: String,
        tooltip: String? = nil, data: [(String, String)] = [], stroke: String? = nil
    ) {
        let extra = data.map { " data-\($0.0)=\"\(escaped($0.1))\"" }.joined()
        let outline = stroke.map { " stroke=\"\($0)\" stroke-width=\"0.5\"" } ?? ""
        let open =
            "<rect class=\"\(className)\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(0, width)))\" "
            + "height=\"\(f(max(0, height)))\" fill=\"\(fill)\"\(outline)\(extra)"
        if let tooltip {
            elements.append(open + "><title>\(escaped(tooltip))</title></rect>")
        } else {
            elements.append(open + "/>")
        }
    }

    mutating func text(
        _ content: String, x: Double, y: Double, anchor: String = "start", size: Double = 11,
        weight: String = "normal", fill: String = "#222", className: String = "label"
    ) {
        elements.append(
            "<text class=\"\(className)\" x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" font-size=\"\(f(size))\" "
                + "font-weight=\"\(weight)\" fill=\"\(fill)\">\(escaped(content))</text>")
    }

    /// The figure's heading, top left, shortened to the figure's width (the full text is the figure's `<title>`).
    mutating func heading(_ content: String) {
        text(Self.fitted(content, size: 13 * 1.1, width: width - 16), x: 8, y: 18, size: 13, weight: "bold")
    }

    mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String = "#444", width: Double = 1,
        dashed: Bool = false, className: String = "axis", data: [(String, String)] = []
    ) {
        let extra = data.map { " data-\($0.0)=\"\(escaped($0.1))\"" }.joined()
        elements.append(
            "<line class=\"\(className)\" x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" "
                + "stroke=\"\(stroke)\" stroke-width=\"\(f(width))\"\(dashed ? " stroke-dasharray=\"4 3\"" : "")\(extra)/>"
        )
    }

    /// A conservative width of `content` at `size` pixels in the reports' sans-serif face (about 0.6 em a character),
    /// for laying out label columns before a browser measures them.
    static func estimatedWidth(_ content: String, size: Double) -> Double { Double(content.count) * size * emWidth }

    /// A character's width in ems, erring wide: DejaVu Sans, the reports' first face, averages about 0.55.
    private static let emWidth = 0.62

    /// `content` shortened with an ellipsis to fit `width` pixels at `size` (callers keep the full text in a tooltip).
    static func fitted(_ content: String, size: Double, width: Double) -> String {
        guard estimatedWidth(content, size: size) > width else { return content }
        let characters = max(1, Int(width / (size * emWidth)) - 1)
        return String(content.prefix(characters)) + "…"
    }

    /// The figure with its accessible title.
    func markup(title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\"><title>\(escaped(title))</title>\n"
            + elements.joined(separator: "\n") + "\n</svg>"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// Text made safe for XML content and attributes.
func escaped(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.count)
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        default: result.append(character)
        }
    }
    return result
}

/// Colours that stay distinct for colour-blind readers (Okabe and Ito) and in greyscale print.
enum Palette {
    static let colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#7F7F7F"]
    static let plan = "#0072B2", baseline = "#BBBBBB", bound = "#D55E00", idle = "#EDEDED", overhead = "#C4C4C4"

    static func colour(_ index: Int) -> String { colours[((index % colours.count) + colours.count) % colours.count] }
}

/// Round axis steps: 1, 2 or 5 × 10^k, about `count` of them up to `maximum`.
func ticks(upTo maximum: Double, count: Int = 5) -> [Double] {
    guard maximum > 0, maximum.isFinite else { return [0] }
    let raw = maximum / Double(count)
    let magnitude = pow(10, (log10(raw)).rounded(.down))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    return stride(from: 0.0, through: maximum * (1 + 1e-9), by: step).map { $0 }
}

func secondsLabel(_ value: Double) -> String {
    if value >= 10 { return String(format: "%.1f s", value) }
    if value >= 1 { return String(format: "%.2f s", value) }
    if value >= 0.1 { return String(format: "%.3f s", value) }
    // Below a tenth of a second, milliseconds keep three significant digits.
    return String(format: "%.3g ms", value * 1e3)
}
