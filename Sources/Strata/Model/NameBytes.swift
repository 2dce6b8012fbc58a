// Names are compared by their UTF-8 bytes, as SQLite, PostgreSQL and InfluxDB
// do: "café" written with a precomposed é (NFC) and with e + U+0301 (NFD) are
// two different series, never silently one (Swift's String equality is
// canonical equivalence, which would merge them). Strata does not normalize.

/// True when `a` and `b` have the same UTF-8 bytes.
@inline(__always)
func sameBytes(_ a: String, _ b: String) -> Bool {
    let x = a.utf8, y = b.utf8
    guard x.count == y.count else { return false }
    if let r = x.withContiguousStorageIfAvailable({ p in
        y.withContiguousStorageIfAvailable { q in p.elementsEqual(q) }
    }), let r { return r }
    return x.elementsEqual(y)
}

/// Orders by UTF-8 bytes (which is also Unicode scalar order).
@inline(__always)
func bytesPrecede(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// Feeds the UTF-8 bytes of `s` (and its length) to `hasher`.
@inline(__always)
func hashBytes(_ s: String, into hasher: inout Hasher) {
    let utf8 = s.utf8
    hasher.combine(utf8.count)
    if utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
        for b in utf8 { hasher.combine(b) }
    }
}

/// A string used as a dictionary key by its bytes.
struct NameKey: Hashable, Sendable {
    let string: String
    init(_ string: String) { self.string = string }
    static func == (a: NameKey, b: NameKey) -> Bool { sameBytes(a.string, b.string) }
    func hash(into hasher: inout Hasher) { hashBytes(string, into: &hasher) }
}
