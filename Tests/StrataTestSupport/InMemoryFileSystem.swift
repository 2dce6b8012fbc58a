import Synchronization
import Strata

#if canImport(Glibc)
import Glibc
#endif

/// A file system in memory that models what survives a crash, and injects faults.
///
/// Every file keeps its durable bytes (as of its last fsync) and the
/// operations since; directory entries are durable once their directory is
/// synced. `crash()` forgets what was not durable, optionally keeping a torn
/// prefix of the unsynced writes, the way LevelDB's fault_injection_test
/// drops unsynced data. Faults: the Nth operation (of chosen kinds) fails with
/// an errno such as ENOSPC or EIO; bits can be flipped in stored files.
///
/// Thread safety: one lock guards everything; files may be used from any thread.
package final class InMemoryFileSystem: FileSystem, @unchecked Sendable {
    /// Kinds of operations, for counting and for failing.
    package enum Operation: String, Sendable, CaseIterable {
        case open, read, write, sync, truncate, size, list, createDirectory, remove, rename, syncDirectory, lock
    }

    final class Inode {
        var current: [UInt8] = []
        var durable: [UInt8] = []
        /// Unsynced changes since `durable`, in order.
        var pending: [Change] = []
    }

    enum Change {
        case write(offset: Int, bytes: [UInt8])
        case truncate(Int)
    }

    struct State {
        var current: [String: Inode] = [:]
        var durable: [String: Inode] = [:]
        var directories: Set<String> = ["/"]
        var locks: Set<String> = []
        var operations = 0
        var counts: [Operation: Int] = [:]
        var fault: Fault?
        /// After a simulated power cut, every operation fails until `crash()` is called.
        var poweredOff = false
    }

    /// Fails the `after`-th matching operation (counting from 1) and, if `sticky`, every later one.
    package struct Fault: Sendable {
        package var operations: Set<Operation>
        package var after: Int
        package var errno: Int32
        package var sticky: Bool
        var seen = 0

        package init(_ operations: Set<Operation>, after: Int, errno: Int32, sticky: Bool = false) {
            self.operations = operations
            self.after = after
            self.errno = errno
            self.sticky = sticky
        }
    }

    private let state = ConditionLock(State())

    package init() {}

    // MARK: - Test controls

    /// Operations performed so far (all kinds).
    package var operationCount: Int { state.withLock { $0.operations } }

    package func count(_ op: Operation) -> Int { state.withLock { $0.counts[op] ?? 0 } }

    package func inject(_ fault: Fault?) { state.withLock { $0.fault = fault } }

    /// Cuts the power at the `n`-th operation from now: it and every later one fail with EIO.
    package func powerOff(afterOperations n: Int) {
        state.withLock { s in
            s.fault = Fault(Set(Operation.allCases), after: n, errno: EIO, sticky: true)
        }
    }

    /// Simulates a crash: unsynced file data and unsynced directory entries are
    /// lost. With `keepUnsynced`, each file keeps a prefix of its unsynced writes,
    /// the last of which may be cut short. With `keepEntries`, directory changes
    /// (creations, renames, removals) survive even if their directory was not
    /// synced, as file systems are allowed to do.
    /// With `zeroFillUnsynced`, each file keeps the size its unsynced writes gave
    /// it but their bytes read as zeros: what a file system that saves the size
    /// before the data (LazyFS's "torn" mode, ext4 without data journaling) leaves.
    package func crash(keepEntries: Bool = false, zeroFillUnsynced: Bool = false,
                       keepUnsynced: ((_ path: String, _ writes: Int) -> (whole: Int, partialBytes: (Int) -> Int))? = nil) {
        state.withLock { s in
            var byInode: [ObjectIdentifier: String] = [:]
            for (path, inode) in s.current { byInode[ObjectIdentifier(inode)] = path }
            var seen = Set<ObjectIdentifier>()
            for inode in Array(s.current.values) + Array(s.durable.values) where seen.insert(ObjectIdentifier(inode)).inserted {
                var data = inode.durable
                if zeroFillUnsynced && inode.current.count > data.count {
                    data.append(contentsOf: repeatElement(0, count: inode.current.count - data.count))
                }
                if let keep = keepUnsynced, !inode.pending.isEmpty {
                    let path = byInode[ObjectIdentifier(inode)] ?? "?"
                    let (whole, partial) = keep(path, inode.pending.count)
                    for (i, change) in inode.pending.enumerated() {
                        if i < whole {
                            Self.apply(change, to: &data)
                        } else if i == whole, case .write(let offset, let bytes) = change {
                            let n = min(max(partial(bytes.count), 0), bytes.count)
                            if n > 0 { Self.apply(.write(offset: offset, bytes: Array(bytes.prefix(n))), to: &data) }
                            break
                        } else {
                            break
                        }
                    }
                }
                inode.current = data
                inode.durable = data
                inode.pending = []
            }
            if keepEntries { s.durable = s.current } else { s.current = s.durable }
            s.locks = []
            s.fault = nil
            s.poweredOff = false
        }
    }

    /// Flips one bit of a stored file (both its durable and current contents).
    package func flipBit(_ path: String, byte: Int, bit: Int) {
        state.withLock { s in
            guard let inode = s.current[path] ?? s.durable[path] else { return }
            if byte < inode.current.count { inode.current[byte] ^= 1 << UInt8(bit) }
            if byte < inode.durable.count { inode.durable[byte] ^= 1 << UInt8(bit) }
        }
    }

    /// The current contents of a file, or nil.
    package func contents(_ path: String) -> [UInt8]? {
        state.withLock { $0.current[path]?.current }
    }

    /// Replaces a file's contents, durably.
    package func setContents(_ path: String, _ bytes: [UInt8]) {
        state.withLock { s in
            let inode = s.current[path] ?? Inode()
            inode.current = bytes
            inode.durable = bytes
            inode.pending = []
            s.current[path] = inode
            s.durable[path] = inode
        }
    }

    /// Paths of every file, sorted.
    package func allFiles() -> [String] { state.withLock { $0.current.keys.sorted() } }

    static func apply(_ change: Change, to data: inout [UInt8]) {
        switch change {
        case .write(let offset, let bytes):
            if data.count < offset + bytes.count { data.append(contentsOf: repeatElement(0, count: offset + bytes.count - data.count)) }
            data.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        case .truncate(let size):
            if size < data.count { data.removeSubrange(size...) } else { data.append(contentsOf: repeatElement(0, count: size - data.count)) }
        }
    }

    // MARK: - FileSystem

    /// Counts the operation and throws if a fault says so. Call with the lock held.
    fileprivate static func check(_ s: inout State, _ op: Operation, _ path: String) throws(StrataError) {
        s.operations += 1
        s.counts[op, default: 0] += 1
        if s.poweredOff { throw StrataError(.io, "\(op.rawValue) failed: power is off (simulated)", file: path, errno: EIO) }
        guard var f = s.fault, f.operations.contains(op) else { return }
        f.seen += 1
        s.fault = f
        if f.seen == f.after || (f.sticky && f.seen > f.after) {
            if f.sticky && f.operations.count == Operation.allCases.count { s.poweredOff = true }
            let what = f.errno == ENOSPC ? "no space left on device" : "input/output error"
            throw StrataError(.io, "\(op.rawValue) failed: \(what) (injected)", file: path, errno: f.errno)
        }
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let p = String(path[..<slash])
        return p.isEmpty ? "/" : p
    }

    package func open(_ path: String, _ mode: OpenMode) throws(StrataError) -> any StorageFile {
        try state.withLock { (s) throws(StrataError) -> any StorageFile in
            try Self.check(&s, .open, path)
            let existing = s.current[path]
            switch mode {
            case .read, .readWrite:
                guard let inode = existing else { throw StrataError(.io, "open failed: no such file", file: path, errno: ENOENT) }
                return InMemoryFile(fs: self, path: path, inode: inode)
            case .createNew:
                guard existing == nil else { throw StrataError(.io, "open failed: file exists", file: path, errno: EEXIST) }
                fallthrough
            case .createOrTruncate:
                guard s.directories.contains(Self.parent(path)) else { throw StrataError(.io, "open failed: no such directory", file: path, errno: ENOENT) }
                let inode = existing ?? Inode()
                if existing != nil && !inode.current.isEmpty {
                    inode.current = []
                    inode.pending.append(.truncate(0))
                }
                s.current[path] = inode
                return InMemoryFile(fs: self, path: path, inode: inode)
            }
        }
    }

    package func exists(_ path: String) -> Bool {
        state.withLock { $0.current[path] != nil || $0.directories.contains(path) }
    }

    package func list(_ directory: String) throws(StrataError) -> [String] {
        try state.withLock { (s) throws(StrataError) -> [String] in
            try Self.check(&s, .list, directory)
            guard s.directories.contains(directory) else { throw StrataError(.io, "opendir failed: no such directory", file: directory, errno: ENOENT) }
            let prefix = directory.hasSuffix("/") ? directory : directory + "/"
            var names = Set<String>()
            for path in s.current.keys where path.hasPrefix(prefix) {
                let rest = path.dropFirst(prefix.count)
                if !rest.contains("/") { names.insert(String(rest)) }
            }
            for d in s.directories where d.hasPrefix(prefix) {
                let rest = d.dropFirst(prefix.count)
                if !rest.isEmpty && !rest.contains("/") { names.insert(String(rest)) }
            }
            return names.sorted()
        }
    }

    package func createDirectory(_ path: String) throws(StrataError) {
        try state.withLock { (s) throws(StrataError) in
            try Self.check(&s, .createDirectory, path)
            // Directories are durable at once: the store syncs files and entries, not directory creation.
            var p = path
            while p != "/" && !p.isEmpty {
                s.directories.insert(p)
                p = Self.parent(p)
            }
        }
    }

    package func remove(_ path: String) throws(StrataError) {
        try state.withLock { (s) throws(StrataError) in
            try Self.check(&s, .remove, path)
            s.current[path] = nil
            s.directories.remove(path)
        }
    }

    package func rename(_ from: String, to: String) throws(StrataError) {
        try state.withLock { (s) throws(StrataError) in
            try Self.check(&s, .rename, from)
            guard let inode = s.current[from] else { throw StrataError(.io, "rename failed: no such file", file: from, errno: ENOENT) }
            s.current[to] = inode
            s.current[from] = nil
        }
    }

    package func syncDirectory(_ path: String) throws(StrataError) {
        try state.withLock { (s) throws(StrataError) in
            try Self.check(&s, .syncDirectory, path)
            let prefix = path.hasSuffix("/") ? path : path + "/"
            func inDirectory(_ p: String) -> Bool { p.hasPrefix(prefix) && !p.dropFirst(prefix.count).contains("/") }
            for p in s.durable.keys where inDirectory(p) && s.current[p] == nil { s.durable[p] = nil }
            for (p, inode) in s.current where inDirectory(p) { s.durable[p] = inode }
        }
    }

    package func lock(_ path: String) throws(StrataError) -> any FileLock {
        try state.withLock { (s) throws(StrataError) -> any FileLock in
            try Self.check(&s, .lock, path)
            guard s.locks.insert(path).inserted else { throw StrataError(.locked, "\(path) is locked", file: path) }
            if s.current[path] == nil {
                let inode = Inode()
                s.current[path] = inode
                s.durable[path] = inode
            }
            return InMemoryLock(fs: self, path: path)
        }
    }

    fileprivate func unlock(_ path: String) {
        _ = state.withLock { $0.locks.remove(path) }
    }

    fileprivate func withState<R>(_ body: (inout State) throws(StrataError) -> R) throws(StrataError) -> R {
        try state.withLock { (s) throws(StrataError) -> R in try body(&s) }
    }
}

final class InMemoryLock: FileLock, @unchecked Sendable {
    let fs: InMemoryFileSystem
    let path: String
    private let released = Mutex(false)
    init(fs: InMemoryFileSystem, path: String) {
        self.fs = fs
        self.path = path
    }
    func release() {
        let first = released.withLock { r -> Bool in
            defer { r = true }
            return !r
        }
        if first { fs.unlock(path) }
    }
}

final class InMemoryFile: StorageFile, @unchecked Sendable {
    let fs: InMemoryFileSystem
    let path: String
    let inode: InMemoryFileSystem.Inode
    private let closed = Mutex(false)

    init(fs: InMemoryFileSystem, path: String, inode: InMemoryFileSystem.Inode) {
        self.fs = fs
        self.path = path
        self.inode = inode
    }

    private func checkOpen() throws(StrataError) {
        if closed.withLock({ $0 }) { throw StrataError(.closed, "file is closed", file: path) }
    }

    func read(at offset: Int, count: Int) throws(StrataError) -> [UInt8] {
        try checkOpen()
        return try fs.withState { (s) throws(StrataError) -> [UInt8] in
            try InMemoryFileSystem.check(&s, .read, path)
            guard offset >= 0, count >= 0, offset + count <= inode.current.count else {
                throw StrataError(.corruption, "expected \(count) bytes at \(offset), the file has \(inode.current.count)", file: path, offset: offset)
            }
            return Array(inode.current[offset..<(offset + count)])
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(StrataError) {
        try checkOpen()
        let copy = Array(bytes)
        try fs.withState { (s) throws(StrataError) in
            try InMemoryFileSystem.check(&s, .write, path)
            InMemoryFileSystem.apply(.write(offset: offset, bytes: copy), to: &inode.current)
            inode.pending.append(.write(offset: offset, bytes: copy))
        }
    }

    func sync() throws(StrataError) {
        try checkOpen()
        try fs.withState { (s) throws(StrataError) in
            try InMemoryFileSystem.check(&s, .sync, path)
            inode.durable = inode.current
            inode.pending = []
        }
    }

    func truncate(to size: Int) throws(StrataError) {
        try checkOpen()
        try fs.withState { (s) throws(StrataError) in
            try InMemoryFileSystem.check(&s, .truncate, path)
            InMemoryFileSystem.apply(.truncate(size), to: &inode.current)
            inode.pending.append(.truncate(size))
        }
    }

    func size() throws(StrataError) -> Int {
        try checkOpen()
        return try fs.withState { (s) throws(StrataError) -> Int in
            try InMemoryFileSystem.check(&s, .size, path)
            return inode.current.count
        }
    }

    func close() {
        closed.withLock { $0 = true }
    }
}
