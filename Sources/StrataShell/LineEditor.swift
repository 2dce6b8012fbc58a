import CEditLine
import Foundation

// Interactive input through libedit's readline interface: line editing,
// history kept across sessions in ~/.strata_history, and tab completion of
// keywords, functions, columns, device ids, sensor types and dot-commands.

/// Completion candidates, read by libedit's C callbacks (which cannot capture).
nonisolated(unsafe) private var completionWords: [String] = []
nonisolated(unsafe) private var completionMatches: [String] = []
nonisolated(unsafe) private var completionIndex = 0

private let generator: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = { text, state in
    if state == 0 {
        let prefix = text.map { String(cString: $0) } ?? ""
        let lower = prefix.lowercased()
        completionMatches = completionWords.filter { $0.lowercased().hasPrefix(lower) && $0 != prefix }
        // Keep the case the user started typing in for keywords.
        if prefix.first.map({ $0.isLowercase }) ?? false {
            completionMatches = completionMatches.map { $0.first?.isUppercase ?? false && $0 == $0.uppercased() ? $0.lowercased() : $0 }
        }
        completionIndex = 0
    }
    guard completionIndex < completionMatches.count else { return nil }
    defer { completionIndex += 1 }
    return strdup(completionMatches[completionIndex])
}

private let completer: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, _, _ in
    rl_completion_matches(text, generator)
}

final class LineEditor {
    let historyPath: String?

    init(words: [String]) {
        completionWords = words
        strata_editline_setup(UnsafePointer(strdup("strata")), completer)
        using_history()
        stifle_history(2000)
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty {
            historyPath = home + "/.strata_history"
            _ = read_history(historyPath!)
        } else {
            historyPath = nil
        }
    }

    /// Adds words (device ids, sensor types) to completion.
    func addWords(_ words: [String]) {
        completionWords += words
    }

    /// The next line, or nil at end of input (Ctrl-D).
    func readLine(prompt: String) -> String? {
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        return String(cString: raw)
    }

    /// Remembers a complete entry (a statement or a dot-command) in the history file.
    func remember(_ entry: String) {
        let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return }
        _ = add_history(trimmed)
        if let historyPath {
            _ = write_history(historyPath)
        }
    }
}
