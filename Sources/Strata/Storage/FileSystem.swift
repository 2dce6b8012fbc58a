// The one seam for file I/O. Every byte Strata reads or writes goes through
// `FileSystem`, so tests can substitute an in-memory file system or one that
// injects faults: lost unsynced writes at a crash, torn writes, bit flips,
// ENOSPC and EIO (after LevelDB's Env and its fault_injection_test).
//
// Thread safety: implementations are Sendable and safe to call from any
// thread; a `StorageFile` may be read concurrently (positional reads) but is
// written by one writer at a time (the store serialises its writers).

/// A file opened through a `FileSystem`.
package protocol StorageFile: AnyObject, Sendable {
    /// The path the file was opened with.
    var path: String { get }
    /// Reads exactly `count` bytes at `offset`; fewer bytes at the end of the file is an error.
    func read(at offset: Int, count: Int) throws(StrataError) -> [UInt8]
    /// Writes all of `bytes` at `offset` (extending the file as needed).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(StrataError)
    /// Makes every write so far durable (fsync).
    func sync() throws(StrataError)
    /// Cuts the file to `size` bytes.
    func truncate(to size: Int) throws(StrataError)
    /// The file's current size.
    func size() throws(StrataError) -> Int
    /// Releases the descriptor; later calls fail. Idempotent.
    func close()
}

extension StorageFile {
    package func write(_ bytes: [UInt8], at offset: Int) throws(StrataError) {
        try bytes.withUnsafeBytesTyped { (raw) throws(StrataError) in try write(raw, at: offset) }
    }

    /// The whole file.
    package func readAll() throws(StrataError) -> [UInt8] {
        try read(at: 0, count: try size())
    }
}

/// How `FileSystem.open` treats a missing or existing file.
package enum OpenMode: Sendable {
    /// Read-only; the file must exist.
    case read
    /// Read and write; the file must exist.
    case readWrite
    /// Read and write; the file must not exist yet.
    case createNew
    /// Read and write; created if missing, emptied if present.
    case createOrTruncate
}

/// An exclusive advisory lock on a file, held until released or the process exits.
package protocol FileLock: AnyObject, Sendable {
    func release()
}

package protocol FileSystem: Sendable {
    func open(_ path: String, _ mode: OpenMode) throws(StrataError) -> any StorageFile
    func exists(_ path: String) -> Bool
    /// Names (not paths) of the entries of a directory, sorted.
    func list(_ directory: String) throws(StrataError) -> [String]
    func createDirectory(_ path: String) throws(StrataError)
    func remove(_ path: String) throws(StrataError)
    /// Atomically replaces `to` with `from` (POSIX rename).
    func rename(_ from: String, to: String) throws(StrataError)
    /// Makes the directory's entries (creations, renames, removals) durable.
    func syncDirectory(_ path: String) throws(StrataError)
    /// Takes an exclusive lock on `path` (creating it), or throws `.locked`.
    func lock(_ path: String) throws(StrataError) -> any FileLock
}

extension FileSystem {
    /// Writes `bytes` to `path` atomically: a temporary file, fsync, rename, fsync of the directory.
    package func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(StrataError) {
        let temporary = path + ".tmp"
        let file = try open(temporary, .createOrTruncate)
        do {
            try file.write(bytes, at: 0)
            try file.sync()
            file.close()
        } catch {
            file.close()
            try? remove(temporary)
            throw error
        }
        try rename(temporary, to: path)
        try syncDirectory(directory)
    }
}

extension FileSystem {
    /// Removes `path` and, when it is a directory, everything in it.
    package func removeTree(_ path: String) throws(StrataError) {
        if let names = try? list(path) {
            for name in names { try removeTree(joinPath(path, name)) }
        }
        try remove(path)
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body with typed throws.
    @inline(__always)
    package func withUnsafeBytesTyped<R>(_ body: (UnsafeRawBufferPointer) throws(StrataError) -> R) throws(StrataError) -> R {
        var result: Result<R, StrataError>?
        withUnsafeBytes { raw in result = Result { () throws(StrataError) -> R in try body(raw) } }
        return try result!.get()
    }
}

/// Joins path components with "/".
@inline(__always)
package func joinPath(_ a: String, _ b: String) -> String {
    a.hasSuffix("/") ? a + b : a + "/" + b
}
