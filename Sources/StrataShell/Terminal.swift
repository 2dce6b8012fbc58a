import Foundation

// Terminal facts and output helpers: whether a stream is a terminal, its
// width, writing to standard error, and the import progress bar.

enum Terminal {
    static var stdinIsTTY: Bool { isatty(STDIN_FILENO) == 1 }
    static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    /// Columns of the terminal on standard output (80 when it is not one).
    static var width: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 20 { return c }
        return 80
    }

    static func error(_ text: String) {
        FileHandle.standardError.write((text.hasSuffix("\n") ? text : text + "\n").data(using: .utf8)!)
    }

    static func out(_ text: String) {
        FileHandle.standardOutput.write((text.hasSuffix("\n") ? text : text + "\n").data(using: .utf8)!)
    }
}

/// A progress bar on standard error for long imports (only on a terminal).
struct Progress {
    let total: Int
    let enabled: Bool
    let started = Date()
    private var last = Date.distantPast

    init(totalBytes: Int) {
        total = totalBytes
        enabled = Terminal.stderrIsTTY && totalBytes > 0
    }

    mutating func update(bytes: Int, rows: Int, force: Bool = false) {
        guard enabled else { return }
        let now = Date()
        guard force || now.timeIntervalSince(last) >= 0.2 else { return }
        last = now
        let elapsed = max(now.timeIntervalSince(started), 1e-3)
        let fraction = min(1, Double(bytes) / Double(max(total, 1)))
        let rate = Double(rows) / elapsed
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(format: "\r%@ %3.0f%%  %@ rows  %@ rows/s  ETA %@ ", bar, fraction * 100, Self.count(rows), Self.count(Int(rate)), Self.duration(eta))
        FileHandle.standardError.write(line.data(using: .utf8)!)
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!)
    }

    static func count(_ n: Int) -> String {
        if n >= 10_000_000 { return String(format: "%.0fM", Double(n) / 1e6) }
        if n >= 1_000_000 { return String(format: "%.1fM", Double(n) / 1e6) }
        if n >= 10_000 { return String(format: "%.0fK", Double(n) / 1e3) }
        return String(n)
    }

    static func duration(_ s: Double) -> String {
        s >= 60 ? String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60) : String(format: "%.0fs", s)
    }
}
