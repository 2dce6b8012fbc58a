import StrataCodecs

/// The one error type of Strata's API, rich enough to act on: what kind of
/// failure, which file and byte offset when it concerns a file, and why.
///
/// ```swift
/// do {
///     _ = try SeriesKey(deviceID: "", sensorType: "temperature")
/// } catch let error where error.kind == .invalidArgument {
///     print(error)   // invalid argument: device_id is empty
/// }
/// ```
public struct StrataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Coarse classes of failure, stable for matching in `catch`.
    public enum Kind: String, Sendable, Equatable {
        /// The caller passed something unusable (a bad name, an empty range, ...).
        case invalidArgument = "invalid argument"
        /// Bytes on disk contradict their format or checksum.
        case corruption
        /// A file was written by a newer or unknown format version.
        case unsupportedVersion = "unsupported version"
        /// The operating system reported an I/O error (EIO, ENOSPC, ...).
        case io = "I/O error"
        /// The store directory is locked by another process or another open store.
        case locked
        /// The store was closed.
        case closed
        /// A size or count exceeded a limit.
        case limitExceeded = "limit exceeded"
        /// The store was opened read-only (``Options/readOnly``) and cannot change.
        case readOnly = "read-only"
    }

    /// What kind of failure.
    public let kind: Kind
    /// The file concerned, relative to the store directory (for files inside
    /// it; the path given otherwise), if any.
    public let file: String?
    /// The byte offset within `file`, if known.
    public let offset: Int?
    /// A human-readable explanation.
    public let reason: String
    /// The operating system's error number for `.io`, if any.
    public let errno: Int32?

    /// Creates an error (mostly for Strata itself; callers read errors).
    public init(_ kind: Kind, _ reason: String, file: String? = nil, offset: Int? = nil, errno: Int32? = nil) {
        self.kind = kind
        self.reason = reason
        self.file = file
        self.offset = offset
        self.errno = errno
    }

    /// A codec error found in `file` at `offset` (the block's start) becomes a corruption.
    package init(_ codec: CodecError, file: String, blockOffset: Int) {
        self.init(.corruption, codec.description, file: file, offset: blockOffset + codec.offset)
    }

    /// The same error with `file` made relative to `directory` when it lies inside it.
    package func relative(to directory: String) -> StrataError {
        guard let file else { return self }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        guard file.hasPrefix(prefix) else { return self }
        return StrataError(kind, reason, file: String(file.dropFirst(prefix.count)), offset: offset, errno: errno)
    }

    /// A short human-readable form, for logs.
    public var description: String {
        var s = kind.rawValue
        if let file {
            s += " in \(file)"
            if let offset { s += " at byte \(offset)" }
        }
        return s + ": " + reason
    }
}
