import Testing
@testable import Strata
import StrataTestSupport

/// Damage to files of a closed store, table-driven: opening or reading
/// reports corruption naming the file; nothing crashes.
@Suite struct StoreCorruptionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// Picks the file to damage among the store's files.
        let file: @Sendable ([String]) -> String?
        let damage: @Sendable (inout [UInt8]) -> Void
        var testDescription: String { name }
    }

    static func last(_ files: [String], _ suffix: String) -> String? { files.filter { $0.hasSuffix(suffix) }.last }

    static let cases: [Case] = [
        .init(name: "manifest bit flip", file: { last($0, "/MANIFEST") }, damage: { $0[10] ^= 0x08 }),
        .init(name: "manifest truncated", file: { last($0, "/MANIFEST") }, damage: { $0.removeLast(5) }),
        .init(name: "manifest unknown version", file: { last($0, "/MANIFEST") }, damage: { $0[4] = 0x63 }),
        .init(name: "catalog bit flip", file: { last($0, "/CATALOG") }, damage: { $0[20] ^= 0x01 }),
        .init(name: "catalog truncated below the committed length", file: { last($0, "/CATALOG") }, damage: { $0.removeLast(3) }),
        .init(name: "chunk index bit flip", file: { last($0, ".chunk") }, damage: { $0[$0.count - 50] ^= 0x40 }),
        .init(name: "chunk data bit flip", file: { last($0, ".chunk") }, damage: { $0[40] ^= 0x02 }),
        .init(name: "chunk file truncated", file: { last($0, ".chunk") }, damage: { $0.removeLast($0.count / 2) }),
        .init(name: "older WAL segment bit flip", file: { $0.filter { $0.hasSuffix(".log") }.first }, damage: { $0[40] ^= 0x10 }),
    ]

    @Test(arguments: cases)
    func corruptionIsReportedNotIgnored(_ c: Case) throws {
        let fs = InMemoryFileSystem()
        var options = Workload.options(fs)
        options.flushOnClose = false  // keep batches in the log, so its damage matters
        do {
            let store = try Store(at: "/w", options: options)
            for i in 0..<10 {
                try store.write(Workload.batch(i))
                if i == 5 { try store.flush() }
            }
            try store.close()
        }
        guard let path = c.file(fs.allFiles()) else {
            Issue.record("\(c.name): no such file among \(fs.allFiles())")
            return
        }
        var bytes = fs.contents(path)!
        c.damage(&bytes)
        fs.setContents(path, bytes)
        do {
            let store = try Store(at: "/w", options: options)
            _ = try store.read()
            let report = try store.verify()
            guard let problem = report.problems.first else {
                Issue.record("\(c.name): damage to \(path) went unnoticed")
                return
            }
            #expect(path.hasSuffix(problem.file), "\(c.name): \(report)")
        } catch {
            #expect(error.kind == .corruption || error.kind == .unsupportedVersion, "\(c.name): \(error)")
            #expect(error.file != nil && path.hasSuffix(error.file!), "\(c.name): error names \(error.file ?? "no file"), damaged \(path)")
        }
    }
}
