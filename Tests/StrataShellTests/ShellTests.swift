import Foundation
import Testing
import Strata
import StrataTestSupport

/// The built `strata` executable, end to end: -c, standard input, import and
/// export round trips, verify on a damaged copy, exit codes, read-only open
/// while a writer process runs, and the interactive shell in a pseudo-terminal.
@Suite(.serialized) struct ShellTests {
    /// The `strata` and `StrataCrashChild` binaries next to the test bundle (built by `swift build`).
    static func binary(_ name: String) -> String? {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    struct Output {
        var status: Int32
        var out: String
        var err: String
    }

    /// Runs `strata` with `arguments` and `input` on standard input.
    static func strata(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> Output {
        let path = try #require(binary("strata"), "the strata executable is not built: run `swift build` first (scripts/test.sh does)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = stderr
        try p.run()
        stdin.fileHandleForWriting.write(input.data(using: .utf8)!)
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, out: String(decoding: out, as: UTF8.self), err: String(decoding: err, as: UTF8.self))
    }

    static let csv = """
        device_id,sensor_type,timestamp,value,quality
        sensor-1,temperature,2026-01-01T00:00:00Z,21.5,good
        sensor-1,temperature,2026-01-01T00:10:00Z,22.25,
        sensor-1,humidity,2026-01-01T00:00:00Z,45.5,suspect
        sensor-2,temperature,1767225600000,-3.1,bad
        "sensor,3",temperature,2026-01-01T01:00:00.500Z,0.1,good

        """

    @Test func commandsRunAndPrintCSV() throws {
        let dir = StoreFixtures.temporaryDirectory("strata-shell")
        defer { StoreFixtures.removeTree(dir) }
        let r = try Self.strata([dir, "--create", "-c", """
            INSERT INTO sensor_readings (device_id, sensor_type, timestamp, value) VALUES ('d1', 'temp', '2026-01-01T00:00:00Z', 25.5), ('d1', 'temp', '2026-01-01T00:30:00Z', 24.5);
            SELECT device_id, time_bucket('1 hour', timestamp) AS bucket, avg(value) AS avg_value, count(*) AS n FROM sensor_readings GROUP BY device_id, bucket;
            """])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("device_id,bucket,avg_value,n\nd1,2026-01-01T00:00:00Z,25,2"), "\(r.out)")
        // --format json, and an error: non-zero status, message on standard error with a caret.
        let json = try Self.strata([dir, "--format", "json", "-c", "SELECT count(*) AS n FROM sensor_readings"])
        #expect(json.status == 0 && json.out.contains("\"n\""), "\(json.out) \(json.err)")
        let bad = try Self.strata([dir, "-c", "SELECT avg(value) FROM sensor_readings WHERE nonsense = 1"])
        #expect(bad.status != 0)
        #expect(bad.err.contains("^") && bad.err.contains("nonsense"), "\(bad.err)")
        #expect(bad.out.isEmpty)
    }

    /// Regression: .chart grouped rows by String, whose == is canonical equivalence, so
    /// devices named "café" in NFC and in NFD (two devices in the store) became one line.
    @Test func chartKeepsDevicesDifferingOnlyInNormalizationApart() throws {
        let dir = StoreFixtures.temporaryDirectory("strata-chart")
        defer { StoreFixtures.removeTree(dir) }
        let r = try Self.strata([dir, "--create", "-c", """
            INSERT INTO sensor_readings VALUES ('caf\u{E9}', 't', 0, 1), ('caf\u{E9}', 't', 60000, 2),
                                              ('cafe\u{301}', 't', 0, 5), ('cafe\u{301}', 't', 60000, 4);
            """, "-c", "SELECT device_id, timestamp, value FROM sensor_readings", "-c", ".chart"])
        #expect(r.status == 0, "\(r.err)")
        let legend = r.out.split(separator: "\n").last { $0.contains("value:") } ?? ""
        #expect(legend.components(separatedBy: "caf").count - 1 == 2, "two lines in the legend: \(legend)")
    }

    @Test func standardInputTakesStatementsAndDotCommands() throws {
        let dir = StoreFixtures.temporaryDirectory("strata-stdin")
        defer { StoreFixtures.removeTree(dir) }
        let script = """
            INSERT INTO sensor_readings (device_id, sensor_type, timestamp, value)
              VALUES ('a', 's', 1000, 1.5),
                     ('b', 's', 2000, 2.5);
            .mode line
            SELECT device_id, value FROM sensor_readings ORDER BY value DESC LIMIT 1;
            .mode csv
            .headers off
            SELECT count(*) FROM sensor_readings
            """
        let r = try Self.strata([dir, "--create"], input: script)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("device_id = b") && r.out.contains("value = 2.5"), "\(r.out)")
        #expect(r.out.hasSuffix("2\n"), "\(r.out)")
    }

    @Test func importExportRoundTripsCSVAndLineProtocol() throws {
        let dir = StoreFixtures.temporaryDirectory("strata-import")
        defer { StoreFixtures.removeTree(dir) }
        let csv = dir + "/in.csv"
        try Self.csv.write(toFile: csv, atomically: true, encoding: .utf8)
        let store = dir + "/store"
        let imported = try Self.strata(["import", store, csv])
        #expect(imported.status == 0, "\(imported.err)")
        #expect(imported.out.contains("imported 5 rows"), "\(imported.out)")
        // Export as CSV and as line protocol; import each into a new store; the stores agree.
        let exportCSV = dir + "/out.csv", exportLP = dir + "/out.lp"
        let e1 = try Self.strata([store, "-c", ".export \(exportCSV) SELECT * FROM sensor_readings", "-c", ".export \(exportLP) SELECT * FROM sensor_readings"])
        #expect(e1.status == 0, "\(e1.err)")
        for (file, name) in [(exportCSV, "a"), (exportLP, "b")] {
            let again = try Self.strata(["import", dir + "/" + name, file])
            #expect(again.status == 0, "\(again.err)")
        }
        let query = "SELECT device_id, sensor_type, timestamp, value, quality FROM sensor_readings ORDER BY device_id, sensor_type, timestamp"
        let original = try Self.strata([store, "--format", "csv", "-c", query])
        #expect(original.out.contains("\"sensor,3\",temperature,2026-01-01T01:00:00.500Z,0.1,good"), "\(original.out)")
        #expect(original.out.contains("sensor-1,humidity,2026-01-01T00:00:00Z,45.5,suspect"))
        for name in ["a", "b"] {
            let copy = try Self.strata([dir + "/" + name, "--format", "csv", "-c", query])
            #expect(copy.out == original.out, "\(name): \(copy.out)")
        }
    }

    @Test func aMalformedLineStopsTheImportUnlessSkipped() throws {
        let dir = StoreFixtures.temporaryDirectory("strata-badimport")
        defer { StoreFixtures.removeTree(dir) }
        let file = dir + "/bad.csv"
        try "device_id,sensor_type,timestamp,value\nd,s,1,1.5\nd,s,2,not-a-number\nd,s,3,3.5\n".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try Self.strata(["import", dir + "/s", file])
        #expect(r.status != 0)
        #expect(r.err.contains("line 3") && r.err.contains("not-a-number") && r.err.contains("0 rows were committed"), "\(r.err)")
        let count = try Self.strata([dir + "/s", "--format", "csv", "--no-headers", "-c", "SELECT count(*) FROM sensor_readings"])
        #expect(count.out == "0\n" || count.out.isEmpty, "no half-applied batch: \(count.out)")
        let skipped = try Self.strata(["import", dir + "/s", file, "--skip-bad"])
        #expect(skipped.status == 0 && skipped.out.contains("imported 2 rows") && skipped.out.contains("skipped 1"), "\(skipped.out) \(skipped.err)")
    }

    @Test func verifyNamesADamagedFile() throws {
        let dir = StoreFixtures.temporaryDirectory("strata-verify")
        defer { StoreFixtures.removeTree(dir) }
        let file = dir + "/in.csv"
        var csv = "device_id,sensor_type,timestamp,value\n"
        for i in 0..<5000 { csv += "d\(i % 5),t,\(1_767_225_600_000 + Int64(i) * 10_000),\(Double(i % 97) / 4)\n" }
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try Self.strata(["import", dir + "/s", file]).status == 0)
        let ok = try Self.strata(["verify", dir + "/s"])
        #expect(ok.status == 0 && ok.out.contains("ok"), "\(ok.out) \(ok.err)")
        // Flip a byte in the middle of the data region of a chunk file.
        let chunks = try FileManager.default.contentsOfDirectory(atPath: dir + "/s/chunks").filter { $0.hasSuffix(".chunk") }.sorted()
        let victim = dir + "/s/chunks/" + chunks[0]
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: victim)))
        bytes[40] ^= 0x55
        try Data(bytes).write(to: URL(fileURLWithPath: victim))
        let damaged = try Self.strata(["verify", dir + "/s"])
        #expect(damaged.status != 0)
        #expect((damaged.out + damaged.err).contains(chunks[0]), "\(damaged.out) \(damaged.err)")
    }

    @Test func aFolderThatIsNotAStoreIsRefused() throws {
        let dir = StoreFixtures.temporaryDirectory("strata-notastore")
        defer { StoreFixtures.removeTree(dir) }
        try "my notes".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        let r = try Self.strata([dir, "--create", "-c", "SELECT 1"])
        #expect(r.status != 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["notes.txt"], "nothing created among the user's files")
        let missing = try Self.strata([dir + "/nothing", "-c", "SHOW SENSORS"])
        #expect(missing.status != 0 && missing.err.contains("--create"), "\(missing.err)")
    }

    @Test func aStoreHeldByARunningWriterOpensReadOnly() throws {
        let child = try #require(Self.binary("StrataCrashChild"), "StrataCrashChild not built")
        let dir = StoreFixtures.temporaryDirectory("strata-shell-live")
        defer { StoreFixtures.removeTree(dir) }
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: child)
        writer.arguments = ["writer", dir, "2000"]
        writer.standardOutput = Pipe()
        try writer.run()
        var waited = 0
        while !FileManager.default.fileExists(atPath: dir + "/MANIFEST") && waited < 500 {
            usleep(10_000)
            waited += 1
        }
        let r = try Self.strata([dir, "--format", "csv", "-c", "SELECT count(*) AS n FROM sensor_readings"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("read-only"), "\(r.err)")
        let write = try Self.strata([dir, "-c", "INSERT INTO sensor_readings (device_id, sensor_type, timestamp, value) VALUES ('x', 'y', 1, 1)"])
        #expect(write.status != 0 && write.err.contains("read-only"), "\(write.err)")
        writer.waitUntilExit()
    }

    /// The interactive shell in a pseudo-terminal (util-linux `script`): a multi-line
    /// statement, .mode, .chart, .timer, and history kept across sessions.
    @Test func theInteractiveShellInAPseudoTerminal() throws {
        let path = try #require(Self.binary("strata"), "the strata executable is not built")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            Issue.record("util-linux script is missing (scripts/install-deps.sh installs it)")
            return
        }
        let dir = StoreFixtures.temporaryDirectory("strata-pty")
        defer { StoreFixtures.removeTree(dir) }
        var csv = "device_id,sensor_type,timestamp,value\n"
        for h in 0..<48 {
            for d in 1...2 { csv += "sensor-\(d),temperature,\(1_767_225_600_000 + Int64(h) * 1_800_000),\(20 + Double((h * d) % 9) / 2)\n" }
        }
        try csv.write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        let home = dir + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        func session(_ keys: String) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            p.arguments = ["-qfec", "\(path) \(dir)/store --create", "/dev/null"]
            var env = ProcessInfo.processInfo.environment
            env["HOME"] = home
            env["TERM"] = "dumb"
            env["COLUMNS"] = "100"
            p.environment = env
            let stdin = Pipe(), stdout = Pipe()
            p.standardInput = stdin
            p.standardOutput = stdout
            p.standardError = stdout
            try p.run()
            // Type slowly enough for the line editor to read each line.
            for line in keys.split(separator: "\n", omittingEmptySubsequences: false) {
                stdin.fileHandleForWriting.write((line + "\n").data(using: .utf8)!)
                usleep(150_000)
            }
            try stdin.fileHandleForWriting.close()
            let data = stdout.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let first = try session("""
            .import \(dir)/in.csv
            .timer on
            SELECT device_id, time_bucket('1 hour', timestamp) AS bucket,
                   avg(value) AS avg_value
              FROM sensor_readings GROUP BY device_id, bucket ORDER BY bucket;
            .chart
            .mode csv
            SELECT count(*) AS n FROM sensor_readings;
            .quit
            """)
        #expect(first.contains("imported 96 rows"), "\(first.suffix(2000))")
        #expect(first.contains("   ...> "), "a continuation prompt for the second line")
        #expect(first.contains("Run Time:"))
        #expect(first.unicodeScalars.contains { $0.value >= 0x2801 && $0.value <= 0x28FF }, "braille dots in the chart")
        #expect(first.contains("sensor-1") && first.contains("sensor-2"))
        #expect(first.contains("n\r\n96") || first.contains("n\n96"), "\(first.suffix(600))")
        let history = try String(contentsOfFile: home + "/.strata_history", encoding: .utf8)
        #expect(history.contains("count(*)"), "history file: \(history)")
        // A new session recalls the last statement with the up arrow.
        let second = try session("\u{1B}[A\n.quit")
        #expect(second.contains("96"), "\(second.suffix(1000))")
        // Tab completes keywords and the table name.
        let third = try session("SELE\t count(*) AS k FROM sensor_rea\t WHERE device_id = 'sensor-1';\n.quit")
        #expect(third.contains("| 48 |"), "completion of SELECT and sensor_readings: \(third.suffix(1000))")
    }
}
