// The shell's text inputs: CSV and line protocol readers, and the SQL parser.
// Each must throw on anything malformed, never trap.
import Strata
@_spi(Fuzzing) import StrataSQL

/// Lines of the input: the first as a CSV header, the rest as readings.
public func readCSV(_ data: UnsafePointer<UInt8>, _ size: Int) {
    let lines = UnsafeBufferPointer(start: data, count: size).split(separator: 10, omittingEmptySubsequences: false)
    guard let header = lines.first else { return }
    guard var reader = try? ReadingsCSVReader(header: String(decoding: header, as: UTF8.self), resolution: .milliseconds) else { return }
    for (n, line) in lines.dropFirst().enumerated() {
        Array(line).withUnsafeBufferPointer { b in _ = try? reader.reading(from: b, line: n + 2) }
    }
}

/// Lines of the input as line protocol, at a precision chosen by the first byte.
public func readLineProtocol(_ data: UnsafePointer<UInt8>, _ size: Int) {
    guard size > 0 else { return }
    let precision = LineProtocolReader.Precision.allCases[Int(data[0]) % 4]
    var reader = LineProtocolReader(precision: precision, resolution: .microseconds)
    let lines = UnsafeBufferPointer(start: data + 1, count: size - 1).split(separator: 10, omittingEmptySubsequences: false)
    for (n, line) in lines.enumerated() {
        Array(line).withUnsafeBufferPointer { b in _ = try? reader.reading(from: b, line: n + 1) }
    }
}

/// The input as SQL text: lexed, parsed and planned (nothing runs).
public func parseSQL(_ data: UnsafePointer<UInt8>, _ size: Int) {
    SQLFuzzing.parse(String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self))
}
