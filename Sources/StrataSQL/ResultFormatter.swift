// Results as text: an aligned table, CSV (RFC 4180), JSON (one object per
// row) or sqlite3's line mode. Timestamps print as ISO-8601 in UTC (or as
// integers in store units on request), reals as the shortest text that reads
// back bit-exact (NumberText), nulls as empty CSV fields, `NULL` in a table
// and `null` in JSON.
//
// Thread safety: a value; render is a pure function.

import Foundation
import Strata

/// The output formats of ``ResultFormatter``.
///
/// ```swift
/// let format = ResultFormat(rawValue: "csv")   // .csv
/// ```
public enum ResultFormat: String, Sendable, Hashable, CaseIterable {
    /// Aligned columns with a header and a row count: for people.
    case table
    /// RFC 4180 CSV with a header line; nulls are empty fields.
    case csv
    /// A JSON array with one object per row (NaN and infinities as the strings "NaN", "Infinity", "-Infinity").
    case json
    /// One `column = value` line per column, a blank line between rows (sqlite3's line mode).
    case line
}

/// Renders an ``SQLResult`` as text.
///
/// ```swift
/// let csv = ResultFormatter(format: .csv, resolution: store.resolution)
/// print(csv.render(result))
/// // device_id,bucket,avg_value
/// // sensor-00042,2026-01-01T00:00:00Z,25.5
/// ```
public struct ResultFormatter: Sendable {
    /// The format.
    public var format: ResultFormat
    /// Whether table and CSV output start with the column names.
    public var headers: Bool
    /// The store's resolution (for ISO-8601 timestamps).
    public var resolution: TimestampResolution
    /// Timestamps as integers in store units instead of ISO-8601.
    public var integerTimestamps: Bool

    /// Creates a formatter.
    public init(format: ResultFormat = .table, headers: Bool = true, resolution: TimestampResolution, integerTimestamps: Bool = false) {
        self.format = format
        self.headers = headers
        self.resolution = resolution
        self.integerTimestamps = integerTimestamps
    }

    /// The result as text without a final line break; a statement without rows gives its message.
    public func render(_ result: SQLResult) -> String {
        guard !result.columns.isEmpty else { return result.message ?? "" }
        switch format {
        case .table: return table(result)
        case .csv: return csv(result)
        case .json: return json(result)
        case .line: return line(result)
        }
    }

    /// One value as text: what a table or CSV cell shows (`""` for null).
    public func text(_ value: SQLValue) -> String {
        switch value {
        case .null: ""
        case .integer(let i): String(i)
        case .real(let d): NumberText.real(d)
        case .text(let s): s
        case .timestamp(let t): integerTimestamps ? String(t) : SQLTimestamp.format(t, resolution: resolution)
        }
    }

    // MARK: - Formats

    private func table(_ r: SQLResult) -> String {
        let cells = r.rows.map { row in row.map { v -> String in
            if case .null = v { return "NULL" }
            return Self.printable(text(v))
        } }
        let names = r.columns.map { Self.printable($0.name) }
        var widths = headers ? names.map(\.count) : Array(repeating: 0, count: names.count)
        for row in cells {
            for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) }
        }
        let rightAligned = r.columns.map { $0.type == .integer || $0.type == .real }
        func pad(_ s: String, _ i: Int, right: Bool) -> String {
            let fill = String(repeating: " ", count: widths[i] - s.count)
            return right ? fill + s : s + fill
        }
        let rule = "+" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "+") + "+"
        var lines = [rule]
        if headers {
            lines.append("| " + names.enumerated().map { pad($1, $0, right: false) }.joined(separator: " | ") + " |")
            lines.append(rule)
        }
        for row in cells {
            lines.append("| " + row.enumerated().map { pad($1, $0, right: rightAligned[$0]) }.joined(separator: " | ") + " |")
        }
        if !cells.isEmpty { lines.append(rule) }
        lines.append("(\(r.rows.count) row\(r.rows.count == 1 ? "" : "s"))")
        return lines.joined(separator: "\n")
    }

    /// Control characters shown as `\n`, `\t`, `\u{..}` so a name cannot break the table.
    static func printable(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    private func csv(_ r: SQLResult) -> String {
        var lines: [String] = []
        if headers { lines.append(r.columns.map { Self.csvField($0.name) }.joined(separator: ",")) }
        for row in r.rows { lines.append(row.map { Self.csvField(text($0)) }.joined(separator: ",")) }
        return lines.joined(separator: "\n")
    }

    /// RFC 4180: quoted when it holds a comma, quote, line break or leading/trailing space.
    static func csvField(_ s: String) -> String {
        let needsQuotes = s.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
            || s.first == " " || s.last == " "
        guard needsQuotes else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private func json(_ r: SQLResult) -> String {
        let names = r.columns.map { Self.jsonString($0.name) }
        guard !r.rows.isEmpty else { return "[]" }
        let objects = r.rows.map { row in
            "{" + zip(names, row).map { name, v in name + ":" + jsonValue(v) }.joined(separator: ",") + "}"
        }
        return "[\n" + objects.joined(separator: ",\n") + "\n]"
    }

    private func jsonValue(_ v: SQLValue) -> String {
        switch v {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .real(let d): return d.isFinite ? NumberText.real(d) : Self.jsonString(NumberText.real(d))
        case .text(let s): return Self.jsonString(s)
        case .timestamp(let t): return integerTimestamps ? String(t) : Self.jsonString(text(v))
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    private func line(_ r: SQLResult) -> String {
        let names = r.columns.map { Self.printable($0.name) }
        let width = names.map(\.count).max() ?? 0
        return r.rows.map { row in
            zip(names, row).map { name, v in
                let shown: String
                if case .null = v { shown = "NULL" } else { shown = Self.printable(text(v)) }
                return String(repeating: " ", count: width - name.count) + name + " = " + shown
            }.joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
