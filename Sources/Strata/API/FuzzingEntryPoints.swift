import StrataCodecs

/// Entry points for the fuzzers in Fuzz/ (a separate package, so they cannot
/// reach `package` symbols). Each parses bytes the way opening a store would
/// and must return or throw, never trap. Not part of the supported API:
/// `@_spi(Fuzzing) import Strata` to use it.
@_spi(Fuzzing)
public enum FuzzingEntryPoints {
    /// Scans bytes as the last WAL segment, decoding every record.
    public static func walSegment(_ bytes: [UInt8]) throws {
        let name = FileNames.walSegment(1)
        guard try WALReader.header(bytes, file: name) != nil else { return }
        _ = try WALReader.scan(bytes, file: name, durableLimit: nil, salvage: true) { (record) throws(StrataError) in
            guard record.kind != WALFormat.RecordKind.checkpoint.rawValue else { return }
            do throws(CodecError) { _ = try WALReader.decodeBatch(record) } catch {
                throw StrataError(.corruption, "\(error)", file: name, offset: record.start)
            }
        }
    }

    /// Loads bytes as a whole committed catalog.
    public static func catalog(_ bytes: [UInt8]) throws {
        var catalog = SeriesCatalog()
        try CatalogFile.load(bytes, committed: bytes.count, into: &catalog)
    }

    /// Decodes bytes as a manifest.
    public static func manifest(_ bytes: [UInt8]) throws {
        _ = try Manifest.decode(bytes)
    }

    /// Opens bytes as chunk file 1 and reads every series, its statistics and points.
    public static func chunkFile(_ bytes: [UInt8]) throws {
        let fs = SingleFileSystem(path: "/f/" + FileNames.chunk(1), bytes: bytes)
        let file = try ChunkFile(fs: fs, directory: "/f", number: 1, cache: BlockCache(capacity: 1 << 20))
        for id in file.seriesIDs {
            _ = try file.entry(id)
            _ = try file.read(id, in: Int64.min...Int64.max)
        }
    }
}

/// A read-only file system holding one file, for fuzzing the chunk reader.
struct SingleFileSystem: FileSystem {
    let path: String
    let bytes: [UInt8]

    final class File: StorageFile, @unchecked Sendable {
        let path: String
        let bytes: [UInt8]
        init(path: String, bytes: [UInt8]) {
            self.path = path
            self.bytes = bytes
        }
        func read(at offset: Int, count: Int) throws(StrataError) -> [UInt8] {
            guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
                throw StrataError(.corruption, "read past the end", file: path, offset: offset)
            }
            return Array(bytes[offset..<(offset + count)])
        }
        func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(StrataError) { throw readOnly() }
        func sync() throws(StrataError) {}
        func truncate(to size: Int) throws(StrataError) { throw readOnly() }
        func size() throws(StrataError) -> Int { bytes.count }
        func close() {}
        func readOnly() -> StrataError { StrataError(.io, "read-only", file: path) }
    }

    func open(_ p: String, _ mode: OpenMode) throws(StrataError) -> any StorageFile {
        guard p == path, case .read = mode else { throw StrataError(.io, "no such file", file: p) }
        return File(path: path, bytes: bytes)
    }
    func exists(_ p: String) -> Bool { p == path }
    func list(_ directory: String) throws(StrataError) -> [String] { [] }
    func createDirectory(_ p: String) throws(StrataError) {}
    func remove(_ p: String) throws(StrataError) { throw StrataError(.io, "read-only", file: p) }
    func rename(_ from: String, to: String) throws(StrataError) { throw StrataError(.io, "read-only", file: from) }
    func syncDirectory(_ p: String) throws(StrataError) {}
    func lock(_ p: String) throws(StrataError) -> any FileLock { throw StrataError(.io, "read-only", file: p) }
}
