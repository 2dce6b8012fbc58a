/// Something a store reports to ``Options/eventHandler``, for logs and metrics.
///
/// ```swift
/// var options = Options()
/// options.eventHandler = { event in print("strata: \(event)") }
/// ```
public enum StoreEvent: Sendable, CustomStringConvertible {
    /// The store opened; what recovery found.
    case opened(RecoveryReport)
    /// A memtable was flushed into chunk files.
    case flushed(points: Int, files: Int, bytes: Int, milliseconds: Double)
    /// Chunk files were merged (or re-packed, or dropped).
    case compacted(inputFiles: Int, outputFiles: Int, bytesBefore: Int, bytesAfter: Int, milliseconds: Double)
    /// Background work failed; it is retried.
    case backgroundError(StrataError)
    /// Writers waited for a flush to free memory.
    case writeStall(milliseconds: Double)
    /// Retention moved its cutoff (points before it are gone) and dropped whole files;
    /// `overBudget` when ``Options/maxDiskBytes`` could not be met without the newest partition.
    case retention(cutoff: Int64, droppedFiles: Int, overBudget: Bool)

    /// A short human-readable form, for logs.
    public var description: String {
        switch self {
        case .opened(let r): "opened: \(r)"
        case .flushed(let p, let f, let b, let ms): "flushed \(p) points into \(f) files (\(b) bytes) in \(Int(ms)) ms"
        case .compacted(let i, let o, let before, let after, let ms): "compacted \(i) files into \(o): \(before) -> \(after) bytes in \(Int(ms)) ms"
        case .backgroundError(let e): "background error: \(e)"
        case .writeStall(let ms): "writers waited \(Int(ms)) ms for a flush"
        case .retention(let cutoff, let files, let over):
            "retention: points before \(cutoff) dropped, \(files) files removed" + (over ? "; still over the disk limit" : "")
        }
    }
}
