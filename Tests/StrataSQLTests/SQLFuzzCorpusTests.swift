import Foundation
import Testing
@_spi(Fuzzing) import StrataSQL
@testable import StrataSQL
import Strata
import StrataTestSupport

/// The text fuzzers' seeds and kept crashers (Fuzz/Corpus, Fuzz/Crashers for
/// fuzz-sql, fuzz-csv and fuzz-line-protocol) must be handled: an error, never a trap.
@Suite struct SQLFuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func files(_ folder: String) -> [URL] {
        let dir = fuzz.appendingPathComponent(folder)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        return names.map { dir.appendingPathComponent($0) }
    }

    static let sqlInputs = files("Corpus/fuzz-sql") + files("Crashers/fuzz-sql")

    @Test(.enabled(if: !sqlInputs.isEmpty, "no fuzz-sql corpus"))
    func sqlSeedsAndCrashersPlanOrFail() throws {
        for f in Self.sqlInputs {
            SQLFuzzing.parse(String(decoding: try Data(contentsOf: f), as: UTF8.self))
        }
    }

    /// Regression (fuzz-sql): a LIKE between constants recursed between evaluate() and
    /// truth() until the stack overflowed.
    @Test func constantLikeRecursionIsAnswered() throws {
        let dir = StoreFixtures.temporaryDirectory("strata-sql-like")
        defer { StoreFixtures.removeTree(dir) }
        let session = SQLSession(store: try Store(at: dir))
        _ = try session.execute("INSERT INTO sensor_readings VALUES ('a', 't', 0, 1), ('b', 't', 0, 2)")
        let all = try session.execute("SELECT count(*) FROM sensor_readings WHERE 'abc' LIKE 'a%'")[0]
        #expect(all.rows == [[.integer(2)]])
        let none = try session.execute("SELECT count(*) FROM sensor_readings WHERE 'abc' NOT LIKE 'a%'")[0]
        #expect(none.rows == [[.integer(0)]])
        #expect(throws: SQLError.self) { try session.execute("SELECT count(*) FROM sensor_readings WHERE 1 LIMIT x LIKE 'x%'") }
    }
}

/// Regression (fuzz-sql): formatting the smallest timestamp overflowed, so a WHERE
/// that selects two time ranges from Int64.min trapped while naming them.
@Test(arguments: TimestampResolution.allCases)
func timestampFormatOverflowAtTheEnds(_ resolution: TimestampResolution) {
    #expect(SQLTimestamp.format(.min, resolution: resolution).hasSuffix("Z"))
    #expect(SQLTimestamp.format(.max, resolution: resolution).hasSuffix("Z"))
    #expect(SQLTimestamp.format(-1, resolution: resolution).hasPrefix("1969-12-31T23:59:59."))
}
