#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

// The C functions whose names the types below shadow.
private func sysOpen(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) -> Int32 { open(path, flags, mode) }
private func sysClose(_ fd: Int32) { _ = close(fd) }
private func sysRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }

/// This process's id (written to LOCK).
func currentProcessID() -> Int32 { getpid() }

// The real file system: POSIX calls with EINTR retries, errors mapped to
// StrataError(.io) with the errno and the path.

package struct POSIXFileSystem: FileSystem {
    package init() {}

    static func failure(_ what: String, _ path: String, _ code: Int32 = errno) -> StrataError {
        StrataError(.io, "\(what) failed: \(String(cString: strerror(code)))", file: path, errno: code)
    }

    package func open(_ path: String, _ mode: OpenMode) throws(StrataError) -> any StorageFile {
        let flags: Int32
        switch mode {
        case .read: flags = O_RDONLY
        case .readWrite: flags = O_RDWR
        case .createNew: flags = O_RDWR | O_CREAT | O_EXCL
        case .createOrTruncate: flags = O_RDWR | O_CREAT | O_TRUNC
        }
        var fd: Int32
        repeat { fd = sysOpen(path, flags | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw Self.failure("open", path) }
        return POSIXFile(fd: fd, path: path)
    }

    package func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    package func list(_ directory: String) throws(StrataError) -> [String] {
        guard let dir = opendir(directory) else { throw Self.failure("opendir", directory) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    package func createDirectory(_ path: String) throws(StrataError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw Self.failure("mkdir", path) }
    }

    /// Removes a file, or an empty directory.
    package func remove(_ path: String) throws(StrataError) {
        if unlink(path) != 0 && errno != ENOENT {
            if (errno == EISDIR || errno == EPERM) && rmdir(path) == 0 { return }
            throw Self.failure("unlink", path)
        }
    }

    package func rename(_ from: String, to: String) throws(StrataError) {
        if sysRename(from, to) != 0 { throw Self.failure("rename to \(to)", from) }
    }

    package func syncDirectory(_ path: String) throws(StrataError) {
        let fd = sysOpen(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("open directory", path) }
        defer { sysClose(fd) }
        if fsync(fd) != 0 { throw Self.failure("fsync directory", path) }
    }

    package func lock(_ path: String) throws(StrataError) -> any FileLock {
        let fd = sysOpen(path, O_RDWR | O_CREAT | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("open lock file", path) }
        // flock locks belong to the open file description: a second open of the
        // same store in this process conflicts as well as another process.
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            sysClose(fd)
            if code == EWOULDBLOCK {
                throw StrataError(.locked, "the store is open in another process or another Store (\(path) is locked)", file: path, errno: code)
            }
            throw Self.failure("flock", path, code)
        }
        return POSIXLock(fd: fd)
    }
}

/// An open file descriptor. Positional reads and writes (pread/pwrite) need no shared offset.
final class POSIXFile: StorageFile, @unchecked Sendable {
    // Invariant: `fd` is only closed once, by close() (guarded by `closed` under `lock`).
    private let fd: Int32
    let path: String
    private let state = Mutex(false)  // true once closed

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close() }

    private func checkOpen() throws(StrataError) {
        if state.withLock({ $0 }) { throw StrataError(.closed, "file is closed", file: path) }
    }

    func read(at offset: Int, count: Int) throws(StrataError) -> [UInt8] {
        try checkOpen()
        guard count >= 0, offset >= 0 else { throw StrataError(.invalidArgument, "read of \(count) bytes at \(offset)", file: path) }
        var done = 0
        var failure: Int32 = 0
        // Filled by pread, so no zeroing first; bytes past a short read are cut off.
        let out = [UInt8](unsafeUninitializedCapacity: count) { buf, initialized in
            while done < count {
                let n = pread(fd, buf.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        if failure != 0 { throw POSIXFileSystem.failure("read", path, failure) }
        guard done == count else {
            throw StrataError(.corruption, "expected \(count) bytes at \(offset), the file ends after \(offset + done)", file: path, offset: offset + done)
        }
        return out
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(StrataError) {
        try checkOpen()
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXFileSystem.failure("write", path)
            }
            done += n
        }
    }

    func sync() throws(StrataError) {
        try checkOpen()
        #if canImport(Darwin)
        let r = fcntl(fd, F_FULLFSYNC)
        #else
        let r = fdatasync(fd)
        #endif
        if r != 0 { throw POSIXFileSystem.failure("fsync", path) }
    }

    func truncate(to size: Int) throws(StrataError) {
        try checkOpen()
        if ftruncate(fd, off_t(size)) != 0 { throw POSIXFileSystem.failure("ftruncate", path) }
    }

    func size() throws(StrataError) -> Int {
        try checkOpen()
        var st = stat()
        if fstat(fd, &st) != 0 { throw POSIXFileSystem.failure("fstat", path) }
        return Int(st.st_size)
    }

    func close() {
        let wasOpen = state.withLock { closed -> Bool in
            defer { closed = true }
            return !closed
        }
        if wasOpen { sysClose(fd) }
    }
}

final class POSIXLock: FileLock, @unchecked Sendable {
    private let fd: Int32
    private let released = Mutex(false)
    init(fd: Int32) { self.fd = fd }
    deinit { release() }
    func release() {
        let first = released.withLock { r -> Bool in
            defer { r = true }
            return !r
        }
        if first {
            flock(fd, LOCK_UN)
            sysClose(fd)
        }
    }
}
