import StrataCodecs

// Copying a device's encoded blocks from other chunk files into a new one,
// without decoding or re-encoding them: what a compaction does when the
// files it merges hold a device's points in disjoint, ordered time spans
// (data appended flush after flush), which is the common case. Block bytes,
// their checksums and statistics are taken over as they are; only the index
// is written anew. FORMAT.md, "Chunk file": a file made this way is an
// ordinary chunk file (its blocks are simply not all full).

/// A device's group taken from chunk files, in time order.
struct CopiedGroup {
    /// One piece per source group, ascending and disjoint in time.
    struct Piece {
        var file: ChunkFile
        var group: ParsedGroup
    }

    var shared: Bool
    var pieces: [Piece]
    /// The device's series, ascending.
    var ids: [SeriesID]

    /// The pieces of a device whose groups in `files` can be copied, or nil when
    /// they cannot: a group mixes shared and own timestamps, the groups are not
    /// all of one kind, or their time spans overlap.
    static func plan(ids: [SeriesID], files: [ChunkFile]) throws(StrataError) -> CopiedGroup? {
        var pieces: [(min: Int64, max: Int64, piece: Piece)] = []
        var kind: Bool?
        for file in files {
            var groupIndex: Int32?
            for id in ids {
                guard let loc = file.locator(id) else { continue }
                if let g = groupIndex, g != loc.group { return nil }
                groupIndex = loc.group
            }
            guard let g = groupIndex else { continue }
            let group = try file.group(Int(g))
            // Only the device's own series may be in the group, each in one mode.
            guard group.entries.allSatisfy({ e in ids.contains(e.id) && e.sharedTimestamps == group.shared }) else { return nil }
            if let k = kind, k != group.shared { return nil }
            kind = group.shared
            let lo = group.entries.map(\.minTime).min()!, hi = group.entries.map(\.maxTime).max()!
            pieces.append((lo, hi, Piece(file: file, group: group)))
        }
        guard let shared = kind else { return nil }
        pieces.sort { $0.min < $1.min }
        for k in pieces.indices.dropFirst() where pieces[k].min <= pieces[k - 1].max { return nil }
        return CopiedGroup(shared: shared, pieces: pieces.map(\.piece), ids: ids.sorted())
    }
}

extension ChunkWriter {
    /// Adds a device from other files' encoded blocks (see `CopiedGroup.plan`).
    func addCopiedDevice(_ copy: CopiedGroup) throws(StrataError) {
        groupCount += 1
        var statistics = Statistics()
        var group: [UInt8] = []
        // Per piece, the entry of each series (nil when the piece does not hold it).
        let entries: [[SeriesID: SeriesEntry]] = copy.pieces.map { p in
            Dictionary(uniqueKeysWithValues: p.group.entries.map { ($0.id, $0) })
        }
        if copy.shared {
            let first = copy.pieces[0].group.timeBlocks[0].minTime
            if let window { precondition(window.contains(first)) }
            group.appendSignedVarint(first &- base)
            group.appendVarint(copy.pieces.reduce(0) { $0 + $1.group.timeBlocks.count })
            var previousMax = first
            for p in copy.pieces {
                for b in p.group.timeBlocks {
                    group.appendVarint(b.rows)
                    group.appendVarint(UInt64(bitPattern: b.minTime &- previousMax))
                    group.appendVarint(UInt64(bitPattern: b.maxTime &- b.minTime))
                    group.appendVarint(b.length)
                    group.appendUInt32LE(b.crc)
                    try appendData(try p.file.data(b.offset..<(b.offset + b.length)))
                    previousMax = b.maxTime
                }
            }
        }
        let present = copy.ids.filter { id in entries.contains { $0[id] != nil } }
        group.appendVarint(present.count)
        for id in present {
            var entry: [UInt8] = []
            var body: [UInt8] = []
            var data: [UInt8] = []
            var count = 0, blockCount = 0
            var minTime = Int64.max, maxTime = Int64.min
            var previousMax: Int64?
            for (k, p) in copy.pieces.enumerated() {
                guard let e = entries[k][id] else {
                    if copy.shared {
                        // The series is absent from this piece: empty blocks on its rows.
                        for _ in p.group.timeBlocks { body.appendVarint(0) }
                        blockCount += p.group.timeBlocks.count
                    }
                    continue
                }
                count += e.count
                minTime = min(minTime, e.minTime)
                maxTime = max(maxTime, e.maxTime)
                blockCount += e.blocks.count
                for b in e.blocks {
                    if copy.shared {
                        body.appendVarint(b.count)
                        guard b.count > 0 else { continue }
                        if let presence = b.presence { body.appendVarint(presence.count) }
                    } else {
                        body.appendVarint(b.time.rows)
                        body.appendVarint(UInt64(bitPattern: b.time.minTime &- (previousMax ?? b.time.minTime)))
                        body.appendVarint(UInt64(bitPattern: b.time.maxTime &- b.time.minTime))
                        body.appendVarint(b.time.length)
                        previousMax = b.time.maxTime
                    }
                    body.appendVarint(b.values.count)
                    body.appendVarint(b.qualities.count)
                    body.appendUInt32LE(b.crc)
                    data.append(contentsOf: try p.file.data(b.bytes))
                    let st = b.statistics!
                    if copy.shared {
                        statistics.minOffsets.append(st.minTime &- b.time.minTime)
                        statistics.maxOffsets.append(b.time.maxTime &- st.maxTime)
                    }
                    statistics.add(st)
                }
            }
            if copy.shared {
                let groupMin = copy.pieces[0].group.timeBlocks[0].minTime
                let lastPiece = copy.pieces[copy.pieces.count - 1].group.timeBlocks
                let groupMax = lastPiece[lastPiece.count - 1].maxTime
                entry.append(0)
                entry.appendVarint(count)
                entry.appendVarint(UInt64(bitPattern: minTime &- groupMin))
                entry.appendVarint(UInt64(bitPattern: groupMax &- maxTime))
            } else {
                entry.append(ChunkFormat.SeriesFlag.ownTimestamps)
                entry.appendVarint(count)
                entry.appendSignedVarint(minTime &- base)
                entry.appendVarint(UInt64(bitPattern: maxTime &- minTime))
            }
            entry.appendVarint(blockCount)
            entry.append(contentsOf: body)
            group.appendVarint(UInt64(id))
            group.appendVarint(entry.count)
            group.append(contentsOf: entry)
            try appendData(data)
            summary.points += count
            summary.series += 1
            summary.minTime = min(summary.minTime, minTime)
            summary.maxTime = max(summary.maxTime, maxTime)
        }
        finishGroup(group, shared: copy.shared, statistics: statistics)
    }
}
