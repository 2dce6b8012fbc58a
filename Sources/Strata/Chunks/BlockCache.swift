import Synchronization

// A least-recently-used cache with a byte budget, shared by the chunk files
// of one store: parsed index groups (entries and block statistics) and the
// decompressed data regions of cold (zstd) files live here rather than for a
// file's lifetime, so the memory they take is bounded by an option
// (`Options.cacheBytes`), like LevelDB's block cache.
//
// Thread safety: a Mutex guards everything; values are immutable objects.

final class BlockCache: @unchecked Sendable {
    struct Key: Hashable {
        var file: UInt64
        /// A group index, `Key.coldData` for a cold file's data region, or
        /// `Key.decodedBlock` for a decoded block (series and block in `block`).
        var slot: Int
        var block = 0
        static let coldData = -1
        static let decodedBlock = -2
    }

    private final class Node {
        let key: Key
        let value: AnyObject
        let cost: Int
        var newer: Node?
        /// Not counted: every linked node is held by the map, so `older` never outlives its
        /// target (a weak reference here cost a side-table update on every cache hit).
        unowned(unsafe) var older: Node?
        init(key: Key, value: AnyObject, cost: Int) {
            self.key = key
            self.value = value
            self.cost = cost
        }
    }

    private struct State {
        var map: [Key: Node] = [:]
        /// Most recently used first.
        var newest: Node?
        var oldest: Node?
        var bytes = 0
        var hits = 0
        var misses = 0
    }

    let capacity: Int
    private let state = ConditionLock(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    var bytes: Int { state.withLock { $0.bytes } }
    var counters: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }

    func value<T: AnyObject>(_ key: Key, as: T.Type) -> T? {
        state.withLock { s in
            guard let node = s.map[key] else {
                s.misses += 1
                return nil
            }
            s.hits += 1
            Self.unlink(node, &s)
            Self.pushNewest(node, &s)
            return node.value as? T
        }
    }

    /// Inserts `value` (replacing any value under `key`) and evicts the least
    /// recently used values until the budget holds. A value larger than the
    /// whole budget is not kept.
    func insert(_ key: Key, _ value: AnyObject, cost: Int) {
        state.withLock { s in
            if let old = s.map.removeValue(forKey: key) {
                Self.unlink(old, &s)
                s.bytes -= old.cost
            }
            guard cost <= capacity else { return }
            let node = Node(key: key, value: value, cost: cost)
            s.map[key] = node
            Self.pushNewest(node, &s)
            s.bytes += cost
            while s.bytes > capacity, let victim = s.oldest {
                Self.unlink(victim, &s)
                s.map[victim.key] = nil
                s.bytes -= victim.cost
            }
        }
    }

    /// Drops every value of `file` (when the file is deleted).
    func removeAll(file: UInt64) {
        state.withLock { s in
            for (key, node) in s.map where key.file == file {
                Self.unlink(node, &s)
                s.map[key] = nil
                s.bytes -= node.cost
            }
        }
    }

    private static func unlink(_ node: Node, _ s: inout State) {
        if let newer = node.newer { newer.older = node.older } else { s.newest = node.older }
        if let older = node.older { older.newer = node.newer } else { s.oldest = node.newer }
        node.newer = nil
        node.older = nil
    }

    private static func pushNewest(_ node: Node, _ s: inout State) {
        node.older = s.newest
        node.newer = nil
        s.newest?.newer = node
        s.newest = node
        if s.oldest == nil { s.oldest = node }
    }
}
