import Synchronization

// The one owner of the store's durable state (LevelDB's VersionSet,
// Prometheus's reloadBlocks): the current version, file numbers, and the
// single `commit(edit)` through which flushes, compactions, retention and
// downsampling change what is live. It alone decides which files may be
// deleted. FORMAT.md, "Store directory", gives the order of the steps.
//
// Thread safety: commits are serialised by `commitLock`; `current` is
// guarded by its own Mutex so readers never wait for a commit's I/O.
//
// Invariants:
//  1. `current` is what the last durable MANIFEST says (or, after a commit
//     whose outcome is unknown, what the one before it says: see `limbo`).
//  2. A file is deleted only when no durable manifest can list it: after a
//     commit that removed it succeeded and no reader holds a version with it,
//     or after a commit that never became durable added it.
//  3. File numbers are never reused.

final class VersionSet: @unchecked Sendable {
    let fs: any FileSystem
    let directory: String
    let cache: BlockCache
    private let currentVersion: Mutex<Version>
    private let nextNumber: Mutex<UInt64>
    private let commitLock = Mutex<Void>(())
    /// Files added by commits whose manifest may or may not have become durable:
    /// kept on disk until a later commit is durable without them. Guarded by commitLock.
    private var limbo: Set<UInt64> = []

    init(fs: any FileSystem, directory: String, cache: BlockCache, manifest: Manifest, files: [ChunkFile]) {
        self.fs = fs
        self.directory = directory
        self.cache = cache
        let byNumber = Dictionary(uniqueKeysWithValues: files.map { ($0.number, $0) })
        let live = manifest.files.compactMap { meta in byNumber[meta.number].map { LiveFile(meta: meta, file: $0) } }
        currentVersion = Mutex(Version(manifest: manifest, files: live))
        nextNumber = Mutex(manifest.nextFileNumber)
    }

    var current: Version { currentVersion.withLock { $0 } }

    /// Reserves `count` consecutive file numbers; returns the first.
    func allocateFileNumbers(_ count: Int) -> UInt64 {
        nextNumber.withLock { n in
            defer { n += UInt64(count) }
            return n
        }
    }

    func path(_ number: UInt64) -> String { joinPath(directory, FileNames.chunk(number)) }

    /// Commits `edit` (with `opened`, the files it adds, already written, synced and
    /// opened): writes the new MANIFEST, makes the new version current, then runs
    /// `install` with it (the caller drops what the new files replace). Removed files are deleted when the last reader lets go.
    ///
    /// On failure the edit's files are deleted if the old manifest is certainly
    /// still the durable one, and kept until a later commit otherwise.
    ///
    /// `abortIf` sees the current manifest first, under the commit lock: when it says so
    /// the edit is dropped (its files deleted) and nil returned (a compaction that read a
    /// version without a deletion committed since).
    @discardableResult
    func commit(_ edit: VersionEdit, opened: [ChunkFile], abortIf: (Manifest) -> Bool = { _ in false },
                install: (Version) -> Void = { _ in }) throws(StrataError) -> Version? {
        try commitLock.withLock { _ throws(StrataError) -> Version? in
            let base = current
            if abortIf(base.manifest) {
                for f in opened { f.obsolete.withLock { [fs, path = f.path] in $0 = { try? fs.remove(path) } } }
                return nil
            }
            var manifest = edit.applied(to: base.manifest)
            manifest.nextFileNumber = max(manifest.nextFileNumber, nextNumber.withLock { $0 })
            let added = Set(edit.addFiles.map(\.number))
            do throws(WriteFailure) {
                try writeManifest(manifest)
            } catch {
                if error.certain {
                    for n in added { try? fs.remove(path(n)) }
                } else {
                    limbo.formUnion(added)
                }
                throw error.error
            }
            // Durable: files a possibly-committed manifest listed and this one does not are garbage now.
            let live = Set(manifest.files.map(\.number))
            for n in limbo where !live.contains(n) { try? fs.remove(path(n)) }
            limbo.subtract(limbo)
            var files = base.files.filter { !edit.removeFiles.contains($0.meta.number) }
            let openedByNumber = Dictionary(uniqueKeysWithValues: opened.map { ($0.number, $0) })
            for meta in edit.addFiles {
                guard let file = openedByNumber[meta.number] else { preconditionFailure("file \(meta.number) added without being opened") }
                files.append(LiveFile(meta: meta, file: file))
            }
            let version = Version(manifest: manifest, files: files)
            let fs = self.fs
            for f in base.files where edit.removeFiles.contains(f.meta.number) {
                let path = f.file.path
                f.file.obsolete.withLock { $0 = { try? fs.remove(path) } }
            }
            // Current first, then the caller's install (which drops what the new files
            // replace, such as a flushed memtable): a reader in between sees some
            // points twice, which merging resolves, never none.
            currentVersion.withLock { $0 = version }
            install(version)
            return version
        }
    }

    private struct WriteFailure: Error {
        var error: StrataError
        /// True when the old MANIFEST is certainly still the durable one.
        var certain: Bool
    }

    /// Writes MANIFEST atomically: MANIFEST.tmp, fsync, rename, fsync of the directory.
    private func writeManifest(_ manifest: Manifest) throws(WriteFailure) {
        let path = joinPath(directory, FileNames.manifest)
        let temporary = path + ".tmp"
        do throws(StrataError) {
            let file = try fs.open(temporary, .createOrTruncate)
            defer { file.close() }
            try file.write(manifest.encode(), at: 0)
            try file.sync()
        } catch {
            try? fs.remove(temporary)
            throw WriteFailure(error: error, certain: true)
        }
        do throws(StrataError) {
            try fs.rename(temporary, to: path)
            try fs.syncDirectory(directory)
        } catch {
            throw WriteFailure(error: error, certain: false)
        }
    }

    /// Replaces the current version without a commit (a read-only store's refresh).
    func replace(with version: Version) {
        currentVersion.withLock { $0 = version }
        nextNumber.withLock { $0 = max($0, version.manifest.nextFileNumber) }
    }
}
