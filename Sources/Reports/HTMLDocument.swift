import Foundation

/// A self-contained report page: XHTML (well-formed XML, so tools can parse it), inline CSS and SVG, no scripts and
/// nothing fetched, readable on screen and in print.
struct HTMLDocument {
    let title: String
    private var body: [String] = []

    init(title: String) { self.title = title }

    /// A heading; with `anchor`, a link target (`#anchor`) a reader can jump to.
    mutating func heading(_ text: String, level: Int = 2, anchor: String? = nil) {
        let id = anchor.map { " id=\"\(escaped($0))\"" } ?? ""
        body.append("<h\(level)\(id)>\(escaped(text))</h\(level)>")
    }

    /// A line of links to anchors in the page.
    mutating func links(_ label: String, _ targets: [(text: String, anchor: String)]) {
        let items = targets.map { "<a href=\"#\(escaped($0.anchor))\">\(escaped($0.text))</a>" }.joined(
            separator: " · ")
        body.append("<p class=\"links\">\(escaped(label)) \(items)</p>")
    }

    mutating func paragraph(_ text: String) { body.append("<p>\(escaped(text))</p>") }

    /// A two-column table of names and values.
    mutating func facts(_ rows: [(String, String)]) {
        let cells = rows.map { "<tr><th scope=\"row\">\(escaped($0.0))</th><td>\(escaped($0.1))</td></tr>" }
        body.append("<table class=\"facts\">" + cells.joined() + "</table>")
    }

    /// A figure: the SVG and a caption saying what to read from it.
    mutating func figure(_ svg: String, caption: String) {
        body.append("<figure>\(svg)<figcaption>\(escaped(caption))</figcaption></figure>")
    }

    /// The body's elements alone, for a section added to a report written earlier.
    var bodyMarkup: String { body.joined(separator: "\n") }

    var markup: String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
        <head>
        <meta charset="utf-8"/>
        <title>\(escaped(title))</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; margin: 24px auto; max-width: 760px; }
        h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; } h3 { font-size: 14px; margin-top: 20px; }
        table.facts { border-collapse: collapse; font-size: 13px; }
        table.facts th { text-align: left; font-weight: normal; color: #555; padding: 2px 16px 2px 0; }
        table.facts td { padding: 2px 0; }
        figure { margin: 16px 0; page-break-inside: avoid; }
        figure svg { max-width: 100%; height: auto; }
        figcaption { font-size: 12px; color: #444; margin-top: 4px; }
        p.links { font-size: 13px; } p.links a { color: #0072B2; }
        svg text { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; }
        @media print { body { margin: 0; } }
        </style>
        </head>
        <body>
        <h1>\(escaped(title))</h1>
        \(bodyMarkup)
        </body>
        </html>

        """
    }
}
