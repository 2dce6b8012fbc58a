// Entry points for the fuzz targets in Fuzz/ (SPI: not part of the public API).
// Statement text is lexed, parsed and planned against an empty store in a
// temporary folder; nothing runs. Every failure must be an SQLError.

import Foundation
import Strata

/// Fuzzing hooks of StrataSQL.
@_spi(Fuzzing) public enum SQLFuzzing {
    private static let session: SQLSession? = {
        let dir = NSTemporaryDirectory() + "strata-fuzz-sql-\(getpid())"
        guard let store = try? Store(at: dir) else { return nil }
        return SQLSession(store: store, now: { 1_767_225_600_000 })
    }()

    /// Plans every statement of `text` (parameters :a, :b and :t bound), throwing nothing but SQLError.
    public static func parse(_ text: String) {
        guard let session else { return }
        let parameters: [String: SQLValue] = ["a": .text("sensor-1"), "b": .real(1.5), "t": .timestamp(1_767_225_600_000)]
        do throws(SQLError) {
            _ = try session.plans(text, parameters: parameters)
        } catch {
            _ = error.description
        }
    }
}
