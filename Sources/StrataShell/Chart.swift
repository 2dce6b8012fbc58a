import Foundation
import Strata
import StrataSQL

// `.chart`: the last result as a line chart in the terminal, drawn with
// Unicode braille (each character cell is a 2 x 4 grid of dots), one line
// per device / sensor (the result's text columns), with a y axis, time
// labels and a legend; in colour on a terminal.

enum Chart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
    }

    /// Renders `result`: x the first timestamp column, y the named (or first numeric,
    /// preferring non-count) column, one line per combination of the text columns.
    static func render(_ result: SQLResult, column: String?, resolution: TimestampResolution, width: Int, color: Bool) -> String {
        guard let x = result.columns.firstIndex(where: { $0.type == .timestamp }) else {
            return "chart: the result has no timestamp column (select a time_bucket or timestamp)"
        }
        let numeric = result.columns.indices.filter { result.columns[$0].type == .real || result.columns[$0].type == .integer }
        var y: Int?
        if let column {
            y = result.columns.firstIndex { $0.name.lowercased() == column.lowercased() }
            guard let yi = y, numeric.contains(yi) else { return "chart: no numeric column named \(column)" }
        } else {
            y = numeric.first { result.columns[$0].type == .real } ?? numeric.first
        }
        guard let y else { return "chart: the result has no numeric column" }
        let labels = result.columns.indices.filter { result.columns[$0].type == .text }
        // Keyed by the names' bytes: names that differ only in Unicode normalization are
        // different devices (Strata compares names by bytes; String's == would merge them).
        var byName: [[UInt8]: Series] = [:]
        var order: [[UInt8]] = []
        for row in result.rows {
            guard case .timestamp(let t) = row[x] else { continue }
            let v: Double
            switch row[y] {
            case .real(let d) where d.isFinite: v = d
            case .integer(let i): v = Double(i)
            default: continue
            }
            let name = labels.map { i -> String in if case .text(let s) = row[i] { return s } else { return "" } }.joined(separator: " ")
            let key = Array(name.utf8)
            if byName[key] == nil {
                byName[key] = Series(name: name.isEmpty ? result.columns[y].name : name, points: [])
                order.append(key)
            }
            byName[key]!.points.append((Double(t), v))
        }
        let series = order.map { byName[$0]! }.filter { !$0.points.isEmpty }
        guard !series.isEmpty else { return "chart: nothing to draw (no rows with a time and a finite value)" }
        return draw(series, yName: result.columns[y].name, resolution: resolution, width: width, color: color)
    }

    static let colors = ["\u{1B}[34m", "\u{1B}[31m", "\u{1B}[32m", "\u{1B}[33m", "\u{1B}[35m", "\u{1B}[36m", "\u{1B}[37m"]

    static func draw(_ series: [Series], yName: String, resolution: TimestampResolution, width: Int, color: Bool) -> String {
        let all = series.flatMap(\.points)
        var (x0, x1) = (all.map(\.x).min()!, all.map(\.x).max()!)
        var (y0, y1) = (all.map(\.y).min()!, all.map(\.y).max()!)
        if x0 == x1 { x0 -= 1; x1 += 1 }
        if y0 == y1 { y0 -= 1; y1 += 1 }
        let yLabels = [y1, (y0 + y1) / 2, y0].map(format)
        let margin = yLabels.map(\.count).max()! + 1
        let cols = max(10, min(width, 200) - margin - 2)
        let rows = 12
        let w = cols * 2, h = rows * 4
        // One layer of dots per series (a cell shows the first series that drew in it).
        var cells = [[UInt8]](repeating: [UInt8](repeating: 0, count: cols), count: rows)
        var owner = [[Int]](repeating: [Int](repeating: -1, count: cols), count: rows)
        func plot(_ px: Int, _ py: Int, _ s: Int) {
            guard px >= 0, px < w, py >= 0, py < h else { return }
            let cx = px / 2, cy = py / 4
            let bit: UInt8
            switch (px % 2, py % 4) {
            case (0, 0): bit = 0x01
            case (0, 1): bit = 0x02
            case (0, 2): bit = 0x04
            case (1, 0): bit = 0x08
            case (1, 1): bit = 0x10
            case (1, 2): bit = 0x20
            case (0, _): bit = 0x40
            default: bit = 0x80
            }
            cells[cy][cx] |= bit
            if owner[cy][cx] < 0 { owner[cy][cx] = s }
        }
        for (s, line) in series.enumerated() {
            let pts = line.points.sorted { $0.x < $1.x }.map { p -> (Int, Int) in
                (Int(((p.x - x0) / (x1 - x0) * Double(w - 1)).rounded()), h - 1 - Int(((p.y - y0) / (y1 - y0) * Double(h - 1)).rounded()))
            }
            if pts.count == 1 { plot(pts[0].0, pts[0].1, s) }
            for (a, b) in zip(pts, pts.dropFirst()) {
                // Bresenham between consecutive points.
                var (x, yy) = a
                let dx = abs(b.0 - x), dy = -abs(b.1 - yy)
                let sx = x < b.0 ? 1 : -1, sy = yy < b.1 ? 1 : -1
                var err = dx + dy
                while true {
                    plot(x, yy, s)
                    if x == b.0 && yy == b.1 { break }
                    let e2 = 2 * err
                    if e2 >= dy { err += dy; x += sx }
                    if e2 <= dx { err += dx; yy += sy }
                }
            }
        }
        var out = ""
        let reset = color ? "\u{1B}[0m" : ""
        for r in 0..<rows {
            let label = r == 0 ? yLabels[0] : (r == rows / 2 ? yLabels[1] : (r == rows - 1 ? yLabels[2] : ""))
            out += String(repeating: " ", count: margin - label.count) + label + " ┤"
            for c in 0..<cols {
                let ch = cells[r][c] == 0 ? " " : String(UnicodeScalar(0x2800 + UInt32(cells[r][c]))!)
                if color && owner[r][c] >= 0 { out += colors[owner[r][c] % colors.count] + ch + reset } else { out += ch }
            }
            out += "\n"
        }
        out += String(repeating: " ", count: margin + 1) + "└" + String(repeating: "─", count: cols) + "\n"
        let start = SQLTimestamp.format(Int64(x0), resolution: resolution), end = SQLTimestamp.format(Int64(x1), resolution: resolution)
        out += String(repeating: " ", count: margin + 2) + start + String(repeating: " ", count: max(1, cols - start.count - end.count)) + end + "\n"
        let legend = series.enumerated().map { (i, s) in
            (color ? colors[i % colors.count] : "") + "⣿" + reset + " " + s.name
        }
        out += String(repeating: " ", count: margin + 2) + yName + ": " + legend.joined(separator: "  ")
        return out
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int64(v)) }
        let magnitude = abs(v)
        if magnitude >= 100 { return String(format: "%.1f", v) }
        if magnitude >= 1 { return String(format: "%.2f", v) }
        return String(format: "%.3g", v)
    }
}
