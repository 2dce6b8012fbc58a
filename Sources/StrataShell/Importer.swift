import Foundation
import Strata
import StrataSQL

// Imports readings from a file into a store through the normal write path:
// CSV with a header (ReadingsCSVReader) or InfluxDB line protocol
// (LineProtocolReader), plain or gzip-compressed, in batches of 100,000
// readings, each durable before the next is read. A malformed line stops the
// import with its number and text, and no half-applied batch: what earlier
// batches committed is said; `skipBad` counts such lines and goes on.

struct ImportOptions {
    var skipBad = false
    var precision: LineProtocolReader.Precision = .nanoseconds
    /// "csv", "lp", or nil to decide from the file name and its first line.
    var format: String?
}

struct ImportReport {
    var rows = 0
    var skipped = 0
    var seconds = 0.0
    var firstSkipped: ReadingsCSVReader.Failure?
}

enum ImportError: Error, CustomStringConvertible {
    case failure(ReadingsCSVReader.Failure, committed: Int)
    case file(String)
    case store(StrataError, committed: Int)

    var description: String {
        switch self {
        case .failure(let f, let n): "\(f)\nimport stopped: \(n) rows were committed before that line; the rest of its batch and the file were not imported (--skip-bad skips such lines)"
        case .file(let s): s
        case .store(let e, let n): "\(e)\nimport stopped: \(n) rows were committed"
        }
    }
}

struct Importer {
    static let batchSize = 100_000

    static func run(_ path: String, into store: Store, options: ImportOptions) throws -> ImportReport {
        guard FileManager.default.fileExists(atPath: path) else { throw ImportError.file("no such file: \(path)") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let gzip = path.hasSuffix(".gz")
        let source: LineSource = try gzip ? LineSource(command: ["gzip", "-dc", path]) : LineSource(file: path)
        defer { source.close() }
        var progress = Progress(totalBytes: size)
        var report = ImportReport()
        let start = Date()
        var batch: [Reading] = []
        batch.reserveCapacity(batchSize)
        var committed = 0

        let name = gzip ? String(path.dropLast(3)) : path
        var format = options.format
        if format == nil {
            if name.hasSuffix(".csv") { format = "csv" }
            if name.hasSuffix(".lp") || name.hasSuffix(".line") || name.hasSuffix(".influx") { format = "lp" }
        }
        var csv: ReadingsCSVReader?
        var lp: LineProtocolReader?
        var lineNumber = 0
        func flush() throws {
            guard !batch.isEmpty else { return }
            do throws(StrataError) {
                try store.write(batch)
            } catch {
                throw ImportError.store(error, committed: committed)
            }
            committed += batch.count
            batch.removeAll(keepingCapacity: true)
        }
        while let line = source.nextLine() {
            lineNumber += 1
            let reading: Reading?
            do throws(ReadingsCSVReader.Failure) {
                reading = try line.withUnsafeBufferPointer { (b) throws(ReadingsCSVReader.Failure) -> Reading? in
                    if csv == nil && lp == nil {
                        let text = String(decoding: b, as: UTF8.self)
                        let looksCSV = text.contains(",") && text.lowercased().contains("device") && !text.contains("=")
                        if format == "csv" || (format == nil && looksCSV) {
                            csv = try ReadingsCSVReader(header: text, resolution: store.resolution)
                            return nil
                        }
                        lp = LineProtocolReader(precision: options.precision, resolution: store.resolution)
                    }
                    if b.isEmpty || (b.count == 1 && b[0] == 13) { return nil }
                    if csv != nil { return try csv!.reading(from: b, line: lineNumber) }
                    return try lp!.reading(from: b, line: lineNumber)
                }
            } catch let f {
                guard options.skipBad else {
                    progress.finish()
                    throw ImportError.failure(f, committed: committed)
                }
                report.skipped += 1
                if report.firstSkipped == nil { report.firstSkipped = f }
                continue
            }
            guard let reading else { continue }
            batch.append(reading)
            if batch.count >= batchSize {
                try flush()
                progress.update(bytes: gzip ? 0 : source.bytesRead, rows: committed)
            }
        }
        if let e = source.failure { throw ImportError.file(e) }
        try flush()
        progress.finish()
        report.rows = committed
        report.seconds = Date().timeIntervalSince(start)
        return report
    }
}

/// Lines of a file or of a command's output, read in large chunks.
final class LineSource {
    private let handle: FileHandle
    private let process: Process?
    private var buffer: [UInt8] = []
    private var position = 0
    private var ended = false
    private(set) var bytesRead = 0
    private(set) var failure: String?

    init(file path: String) throws {
        guard let h = FileHandle(forReadingAtPath: path) else { throw ImportError.file("cannot open \(path)") }
        handle = h
        process = nil
    }

    init(command: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = command
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        process = p
        handle = pipe.fileHandleForReading
    }

    func close() {
        try? handle.close()
        process?.terminate()
    }

    /// The next line without its line break, or nil at the end.
    func nextLine() -> [UInt8]? {
        while true {
            if let nl = buffer[position...].firstIndex(of: 10) {
                let line = Array(buffer[position..<nl])
                position = nl + 1
                return line
            }
            if ended {
                guard position < buffer.count else { return nil }
                let line = Array(buffer[position...])
                position = buffer.count
                return line
            }
            buffer.removeFirst(position)
            position = 0
            let chunk = handle.readData(ofLength: 8 << 20)
            if chunk.isEmpty {
                ended = true
                if let p = process {
                    p.waitUntilExit()
                    if p.terminationStatus != 0 { failure = "\(p.arguments?.joined(separator: " ") ?? "command") failed" }
                }
            } else {
                bytesRead += chunk.count
                buffer.append(contentsOf: chunk)
            }
        }
    }
}
