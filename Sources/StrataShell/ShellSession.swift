import Foundation
import Strata
import StrataSQL

// One shell session over an open store: runs SQL (StrataSQL) and
// dot-commands, keeps the output settings and the last result (for .chart
// and .export), and reports errors on standard error.

final class ShellSession {
    let store: Store
    let sql: SQLSession
    let path: String
    var format: ResultFormat
    var headers = true
    var timer = false
    var integerTimestamps = false
    var lastResult: SQLResult?
    /// Any statement or command failed (the exit status of a non-interactive run).
    var failed = false

    init(store: Store, path: String, format: ResultFormat, integerTimestamps: Bool) {
        self.store = store
        self.path = path
        sql = SQLSession(store: store)
        self.format = format
        self.integerTimestamps = integerTimestamps
    }

    var formatter: ResultFormatter {
        ResultFormatter(format: format, headers: headers, resolution: store.resolution, integerTimestamps: integerTimestamps)
    }

    static let dotCommands = [
        ".help", ".mode", ".headers", ".timer", ".devices", ".sensors", ".partitions", ".chunks", ".stats",
        ".import", ".export", ".verify", ".chart", ".quit", ".exit",
    ]

    static let help = """
        .help                      this help
        .mode table|csv|json|line  how results are printed
        .headers on|off            column names in csv output
        .timer on|off              print how long each statement took
        .devices                   devices, their sensors and attributes
        .sensors                   sensor types and their series
        .partitions                time windows with their files, points and bytes
        .chunks                    every chunk file
        .stats                     points, bytes and bytes/point per partition, sensor type and column
        .import FILE [--skip-bad] [--precision s|ms|us|ns]
                                   CSV (header naming device_id, sensor_type, timestamp, value[, quality])
                                   or InfluxDB line protocol (measurement = sensor type, tag device_id,
                                   field value); .gz files too
        .export FILE [SELECT ...]  the last result (or the query's) as CSV, or line protocol for .lp files
        .verify                    read every file and checksum (like SQLite's integrity_check)
        .chart [COLUMN]            the last result as a line chart: one line per device / sensor
        .quit                      leave (also Ctrl-D)
        SQL statements end with ';' and may span lines: SELECT, INSERT, DELETE, EXPLAIN,
        SHOW DEVICES|SENSORS|PARTITIONS, UPDATE devices SET attr = 'value' WHERE device_id = '...'.
        """

    // MARK: - SQL

    /// Runs SQL text (one or more statements) and prints the results.
    func run(_ text: String) {
        let started = Date()
        do throws(SQLError) {
            try sql.execute(text) { r in
                print(r)
                if !r.columns.isEmpty { lastResult = r }
            }
        } catch {
            Terminal.error(error.description)
            failed = true
        }
        if timer { Terminal.out(String(format: "Run Time: %.4f s", Date().timeIntervalSince(started))) }
    }

    func print(_ r: SQLResult) {
        let text = formatter.render(r)
        if !text.isEmpty { Terminal.out(text) }
    }

    // MARK: - Dot-commands

    /// Runs a dot-command line; false when it asks to quit.
    func dot(_ line: String) -> Bool {
        var words = Self.split(line)
        guard !words.isEmpty else { return true }
        let command = words.removeFirst().lowercased()
        switch command {
        case ".quit", ".exit", ".q":
            return false
        case ".help":
            Terminal.out(Self.help)
        case ".mode":
            guard let m = words.first.flatMap({ ResultFormat(rawValue: $0.lowercased()) }) else {
                return fail("usage: .mode table|csv|json|line (now \(format.rawValue))")
            }
            format = m
        case ".headers":
            guard let v = words.first.flatMap(Self.onOff) else { return fail("usage: .headers on|off") }
            headers = v
        case ".timer":
            guard let v = words.first.flatMap(Self.onOff) else { return fail("usage: .timer on|off") }
            timer = v
        case ".devices": run("SHOW DEVICES")
        case ".sensors": run("SHOW SENSORS")
        case ".partitions": run("SHOW PARTITIONS")
        case ".chunks": chunks()
        case ".stats": stats()
        case ".import":
            guard let file = words.first else { return fail("usage: .import FILE [--skip-bad] [--precision s|ms|us|ns]") }
            var options = ImportOptions()
            var rest = words.dropFirst()
            while let w = rest.popFirst() {
                switch w {
                case "--skip-bad": options.skipBad = true
                case "--precision":
                    guard let p = rest.popFirst().flatMap(LineProtocolReader.Precision.init(rawValue:)) else { return fail("--precision takes s, ms, us or ns") }
                    options.precision = p
                case "--csv": options.format = "csv"
                case "--lp": options.format = "lp"
                default: return fail("unknown .import option \(w)")
                }
            }
            importFile(file, options)
        case ".export":
            guard let file = words.first else { return fail("usage: .export FILE [SELECT ...]") }
            let query = line.drop(while: { $0 == " " }).dropFirst(".export".count).drop(while: { $0 == " " }).dropFirst(words[0].count)
            export(to: file, query: query.trimmingCharacters(in: .whitespaces))
        case ".verify": verify()
        case ".chart":
            guard let r = lastResult else { return fail("chart: no result yet: run a query first") }
            Terminal.out(Chart.render(r, column: words.first, resolution: store.resolution, width: Terminal.width, color: Terminal.stdoutIsTTY))
        default:
            return fail("unknown command \(command): .help lists them")
        }
        return true
    }

    @discardableResult
    private func fail(_ message: String) -> Bool {
        Terminal.error(message)
        failed = true
        return true
    }

    static func onOff(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "on", "1", "yes", "true": true
        case "off", "0", "no", "false": false
        default: nil
        }
    }

    /// Words of a dot-command line; "quoted words" keep their spaces.
    static func split(_ line: String) -> [String] {
        var out: [String] = []
        var word = ""
        var quote: Character?
        var started = false
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
                started = true
            } else if c == " " || c == "\t" {
                if started { out.append(word); word = ""; started = false }
            } else {
                word.append(c)
                started = true
            }
        }
        if started { out.append(word) }
        return out
    }

    // MARK: - Inspection

    private func chunks() {
        do {
            var rows: [[SQLValue]] = []
            for p in try store.partitions() {
                for f in p.files {
                    let kind = f.isMixed ? "mixed" : (f.isCold ? "cold" : "window")
                    rows.append([.text(f.name), .timestamp(p.start), .text(kind), .integer(Int64(f.series)), .integer(Int64(f.points)),
                                 .integer(Int64(f.bytes)), f.points > 0 ? .real((Double(f.bytes) / Double(f.points) * 1000).rounded() / 1000) : .null])
                }
            }
            print(table(["file": .text, "window": .timestamp, "kind": .text, "series": .integer, "points": .integer, "bytes": .integer,
                         "bytes_per_point": .real], rows))
        } catch {
            fail("error: \(error)")
        }
    }

    private func stats() {
        do {
            let report = try store.storageReport()
            func lines(_ title: String, _ type: SQLType, _ ls: [StorageReport.Line], name: (String) -> SQLValue) -> SQLResult {
                table([title: type, "points": .integer, "bytes": .integer, "bytes_per_point": .real], ls.map { l in
                    [name(l.name), .integer(Int64(l.points)), .integer(Int64(l.bytes)), .real((l.bytesPerPoint * 1000).rounded() / 1000)]
                })
            }
            print(lines("partition", .timestamp, report.partitions) { .timestamp(Int64($0) ?? 0) })
            print(lines("sensor_type", .text, report.sensorTypes) { .text($0) })
            print(lines("column", .text, report.columns) { .text($0) })
            let s = store.statistics()
            let total = report.points > 0 ? String(format: "%.3f", Double(report.bytes) / Double(report.points)) : "-"
            Terminal.out("total: \(report.points) points in \(report.bytes) bytes of chunk files (\(total) bytes/point); \(s.series) series; "
                + "memtable \(s.memtablePoints) points; log \(s.walBytes) bytes written this session")
        } catch {
            fail("error: \(error)")
        }
    }

    /// A result built here (for the inspection commands), columns in the given order.
    private func table(_ columns: KeyValuePairs<String, SQLType>, _ rows: [[SQLValue]]) -> SQLResult {
        SQLResult(columns: columns.map { SQLColumn(name: $0.key, type: $0.value) }, rows: rows, message: nil, kind: .show)
    }

    private func verify() {
        do {
            let report = try store.verify()
            Terminal.out(report.description)
            if !report.isOK { failed = true }
        } catch {
            fail("error: \(error)")
        }
    }

    // MARK: - Import and export

    func importFile(_ file: String, _ options: ImportOptions) {
        do {
            let r = try Importer.run(file, into: store, options: options)
            var text = String(format: "imported %d rows from %@ in %.1f s (%@ rows/s)", r.rows, file, r.seconds,
                              Progress.count(Int(Double(r.rows) / max(r.seconds, 1e-6))))
            if r.skipped > 0 { text += "; skipped \(r.skipped) malformed lines (the first: \(r.firstSkipped!))" }
            Terminal.out(text)
        } catch {
            fail("\(error)")
        }
    }

    func export(to file: String, query: String) {
        var result = lastResult
        if !query.isEmpty {
            do {
                result = try sql.execute(query).last { !$0.columns.isEmpty }
            } catch {
                fail("\(error)")
                return
            }
        }
        guard let result else { fail("export: no result: run a query first, or give one"); return }
        let text: String
        var note = ""
        if file.hasSuffix(".lp") || file.hasSuffix(".line") || file.hasSuffix(".influx") {
            guard let (lines, precision) = Self.lineProtocol(result, resolution: store.resolution) else {
                fail("export: line protocol needs device_id, sensor_type, timestamp and value columns")
                return
            }
            text = lines
            if precision != .nanoseconds {
                note = " (line protocol with timestamps in \(precision.rawValue): a timestamp lies outside the nanosecond range; "
                    + "import with --precision \(precision.rawValue))"
            }
        } else {
            text = ResultFormatter(format: .csv, headers: true, resolution: store.resolution, integerTimestamps: integerTimestamps).render(result)
        }
        do {
            try (text.hasSuffix("\n") ? text : text + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            Terminal.out("exported \(result.rows.count) rows to \(file)" + note)
        } catch {
            fail("export: cannot write \(file): \(error.localizedDescription)")
        }
    }

    /// Rows with device_id, sensor_type, timestamp and value (and maybe quality) as line
    /// protocol, at the finest precision every timestamp fits in (nanoseconds unless a
    /// timestamp lies outside 1677-2262); nil without those columns.
    static func lineProtocol(_ r: SQLResult, resolution: TimestampResolution) -> (text: String, precision: LineProtocolReader.Precision)? {
        func col(_ n: String) -> Int? { r.columns.firstIndex { $0.name.lowercased() == n } }
        guard let d = col("device_id"), let s = col("sensor_type"), let t = col("timestamp") ?? col("time"), let v = col("value") else { return nil }
        let q = col("quality")
        var readings: [Reading] = []
        for row in r.rows {
            guard case .text(let device) = row[d], case .text(let sensor) = row[s], case .timestamp(let ts) = row[t] else { continue }
            let value: Double
            switch row[v] {
            case .real(let x): value = x
            case .integer(let i): value = Double(i)
            default: continue
            }
            var quality = Quality.good
            if let q, case .text(let name) = row[q] { quality = Quality(name: name) ?? .good }
            readings.append(Reading(deviceID: device, sensorType: sensor, timestamp: ts, value: value, quality: quality))
        }
        // From nanoseconds down to the store's own unit, which always fits.
        let candidates = LineProtocolReader.Precision.allCases.sorted { $0.perSecond > $1.perSecond }
            .filter { $0.perSecond >= Int64(resolution.unitsPerSecond) }
        for precision in candidates {
            var out: [String] = []
            out.reserveCapacity(readings.count)
            for reading in readings {
                guard let line = LineProtocolReader.line(reading, precision: precision, resolution: resolution) else { break }
                out.append(line)
            }
            if out.count == readings.count { return (out.joined(separator: "\n"), precision) }
        }
        return nil
    }

    // MARK: - Input

    /// Reads statements and dot-commands from lines (a script or standard input):
    /// dot-commands on a line of their own between statements; SQL until a `;`
    /// (the last statement may lack it). Stops at the first error when `stopOnError`.
    func runScript(_ lines: [String], stopOnError: Bool) {
        var buffer = ""
        for line in lines {
            if buffer.isEmpty && line.trimmingCharacters(in: .whitespaces).hasPrefix(".") {
                if !dot(line.trimmingCharacters(in: .whitespaces)) { return }
                if failed && stopOnError { return }
                continue
            }
            buffer += buffer.isEmpty ? line : "\n" + line
            if Self.complete(buffer) {
                run(buffer)
                buffer = ""
                if failed && stopOnError { return }
            }
        }
        if !buffer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { run(buffer) }
    }

    /// True when `text` ends a statement: a `;` outside strings, quoted names and comments.
    static func complete(_ text: String) -> Bool {
        var inString = false, inName = false, inLineComment = false, inBlock = false
        var lastSignificant: Character?
        var previous: Character?
        for c in text {
            if inLineComment {
                if c == "\n" { inLineComment = false }
            } else if inBlock {
                if previous == "*" && c == "/" { inBlock = false; previous = nil; continue }
            } else if inString {
                if c == "'" { inString = false }
            } else if inName {
                if c == "\"" { inName = false }
            } else if c == "'" {
                inString = true
            } else if c == "\"" {
                inName = true
            } else if previous == "-" && c == "-" {
                inLineComment = true
                lastSignificant = nil
            } else if previous == "/" && c == "*" {
                inBlock = true
            } else if !c.isWhitespace {
                lastSignificant = c
            }
            previous = c
        }
        return !inString && !inName && !inBlock && lastSignificant == ";"
    }
}
