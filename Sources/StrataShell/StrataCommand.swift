import ArgumentParser
import Foundation
import Strata
import StrataSQL

// The `strata` executable: arguments, opening the store, and the three ways
// in (interactive shell, -c / standard input, import / verify subcommands).

@main
struct StrataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "The Strata shell: SQL, dot-commands, import, export and checks for a Strata store.",
        discussion: """
            strata PATH                      interactive shell (.help lists the dot-commands)
            strata PATH -c "SQL; SQL"        run statements and exit
            strata PATH < script.sql         run statements (and dot-commands) from standard input
            strata import PATH FILE...       import CSV or line protocol files (creates the store)
            strata verify PATH               check every file and checksum; exit status 1 on damage
            When another process holds the store (a running gateway service), it is opened
            read-only, and the shell says so.
            """,
        subcommands: [Shell.self, Import.self, Verify.self],
        defaultSubcommand: Shell.self
    )
}

/// Opening a store the way the shell does.
enum StoreOpener {
    /// Opens `path`: a new store only with `create`; read-only when asked or when another
    /// process holds it (the note says so). A folder that is not a store is an error.
    static func open(_ path: String, create: Bool, readOnly: Bool) throws -> (Store, note: String?) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue { throw ValidationError("\(path) is a file, not a store directory") }
        if !exists && !create { throw ValidationError("no store at \(path) (--create makes a new one)") }
        var options = Options()
        options.createIfMissing = create
        options.readOnly = readOnly
        do throws(StrataError) {
            return (try Store(at: path, options: options), readOnly ? "opened read-only" : nil)
        } catch {
            guard error.kind == .locked && !readOnly else { throw error }
            options.readOnly = true
            options.createIfMissing = false
            let store = try Store(at: path, options: options)
            return (store, "\(error.reason): opened read-only (writes are refused; .verify and queries work)")
        }
    }
}

struct Shell: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shell", abstract: "Open a store and run SQL (the default command).")

    @Argument(help: "The store's directory.")
    var path: String

    @Option(name: [.short, .customLong("command")], help: "SQL (and dot-commands, one per -c) to run before exiting; may be repeated.")
    var commands: [String] = []

    @Option(help: "Output format: table, csv, json or line.")
    var format: ResultFormat?

    @Flag(help: "Create the store if the directory is missing or empty.")
    var create = false

    @Flag(name: .customLong("read-only"), help: "Open the store read-only.")
    var readOnly = false

    @Flag(name: .customLong("integer-timestamps"), help: "Print timestamps as integers in the store's units.")
    var integerTimestamps = false

    @Flag(name: .customLong("no-headers"), help: "No header line in csv output.")
    var noHeaders = false

    func run() throws {
        let (store, note) = try StoreOpener.open(path, create: create, readOnly: readOnly)
        defer { try? store.close() }
        let interactive = commands.isEmpty && Terminal.stdinIsTTY
        let session = ShellSession(store: store, path: path, format: format ?? (interactive || Terminal.stdoutIsTTY ? .table : .csv),
                                   integerTimestamps: integerTimestamps)
        session.headers = !noHeaders
        if let note { Terminal.error("strata: \(path): \(note)") }
        if !commands.isEmpty {
            for c in commands {
                session.runScript(c.components(separatedBy: "\n"), stopOnError: true)
                if session.failed { throw ExitCode(1) }
            }
        } else if interactive {
            repl(session, store: store)
        } else {
            var lines: [String] = []
            while let line = readLine(strippingNewline: true) { lines.append(line) }
            session.runScript(lines, stopOnError: true)
        }
        do { try store.close() } catch {
            Terminal.error("strata: closing: \(error)")
            throw ExitCode(1)
        }
        if session.failed { throw ExitCode(1) }
    }

    private func repl(_ session: ShellSession, store: Store) {
        Terminal.out("strata \(path): \(store.isReadOnly ? "read-only, " : "")\(store.resolution) timestamps. Statements end with ';'. .help for help, .quit to leave.")
        let editor = LineEditor(words: SQLSession.keywords + SQLSession.functions + SQLSession.columns + ShellSession.dotCommands)
        if let series = try? store.series() {
            editor.addWords(Array(Set(series.map(\.deviceID))).sorted() + Array(Set(series.map(\.sensorType))).sorted())
        }
        var buffer = ""
        while true {
            guard let line = editor.readLine(prompt: buffer.isEmpty ? "strata> " : "   ...> ") else {
                Terminal.out("")
                break
            }
            if buffer.isEmpty && line.trimmingCharacters(in: .whitespaces).hasPrefix(".") {
                let command = line.trimmingCharacters(in: .whitespaces)
                if ![".quit", ".exit", ".q"].contains(command) { editor.remember(command) }
                if !session.dot(command) { break }
                continue
            }
            if buffer.isEmpty && line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            buffer += buffer.isEmpty ? line : "\n" + line
            if ShellSession.complete(buffer) {
                editor.remember(buffer)
                session.run(buffer)
                buffer = ""
            }
        }
        session.failed = false  // errors at the prompt were shown; the session itself ended well
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import CSV or InfluxDB line protocol files into a store (created if missing).",
        discussion: """
            CSV: a header naming device_id, sensor_type, timestamp (or time, ts, timestamp_ms, ...), value
            and optionally quality; timestamps as integers in the store's units or ISO-8601.
            Line protocol: measurement = sensor type, tag device_id, field value, integer timestamps
            in --precision (default ns). Files ending in .gz are decompressed.
            A malformed line stops the import (with its line number; whole batches only are
            committed) unless --skip-bad.
            """)

    @Argument(help: "The store's directory.")
    var path: String

    @Argument(help: "Files to import.")
    var files: [String]

    @Flag(name: .customLong("skip-bad"), help: "Skip malformed lines (counted) instead of stopping.")
    var skipBad = false

    @Option(help: "Line protocol timestamp precision: s, ms, us or ns.")
    var precision: String = "ns"

    func run() throws {
        guard let p = LineProtocolReader.Precision(rawValue: precision) else { throw ValidationError("--precision takes s, ms, us or ns") }
        let (store, note) = try StoreOpener.open(path, create: true, readOnly: false)
        if let note { Terminal.error("strata: \(path): \(note)") }
        let session = ShellSession(store: store, path: path, format: .table, integerTimestamps: false)
        for file in files {
            session.importFile(file, ImportOptions(skipBad: skipBad, precision: p))
            if session.failed { break }
        }
        do { try store.close() } catch {
            Terminal.error("strata: closing: \(error)")
            throw ExitCode(1)
        }
        if session.failed { throw ExitCode(1) }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read every file and checksum of a store; exit status 1 when something is damaged.")

    @Argument(help: "The store's directory.")
    var path: String

    func run() throws {
        let (store, note) = try StoreOpener.open(path, create: false, readOnly: false)
        if let note { Terminal.error("strata: \(path): \(note)") }
        let report = try store.verify()
        Terminal.out(report.description)
        try store.close()
        if !report.isOK { throw ExitCode(1) }
    }
}

extension ResultFormat: ExpressibleByArgument {}
