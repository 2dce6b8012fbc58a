#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Names are compared by their UTF-8 bytes, as SQLite, PostgreSQL and InfluxDB
// do: "café" written with a precomposed é (NFC) and with e + U+0301 (NFD) are
// two different series, never silently one (Swift's String equality is
// canonical equivalence, which would merge them). Strata does not normalize.

/// True when `a` and `b` are the same string value bit for bit: the same
/// storage object, or the same small (inline) contents. Identity implies equal
/// bytes, so this is a fast first test; false says nothing.
@inline(__always)
func identical(_ a: String, _ b: String) -> Bool {
    let x = unsafeBitCast(a, to: (UInt64, UInt64).self), y = unsafeBitCast(b, to: (UInt64, UInt64).self)
    return x.0 == y.0 && x.1 == y.1
}

/// True when `a` and `b` have the same UTF-8 bytes.
@inline(__always)
func sameBytes(_ a: String, _ b: String) -> Bool {
    if identical(a, b) { return true }
    guard a.utf8.count == b.utf8.count else { return false }
    var a = a, b = b
    return a.withUTF8 { x in
        b.withUTF8 { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
    }
}

/// Orders by UTF-8 bytes (which is also Unicode scalar order).
@inline(__always)
func bytesPrecede(_ a: String, _ b: String) -> Bool {
    var a = a, b = b
    return a.withUTF8 { x in
        b.withUTF8 { y in
            let n = min(x.count, y.count)
            let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
            return c != 0 ? c < 0 : x.count < y.count
        }
    }
}

/// Feeds the UTF-8 bytes of `s` (and its length) to `hasher`.
@inline(__always)
func hashBytes(_ s: String, into hasher: inout Hasher) {
    var s = s
    s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    hasher.combine(s.utf8.count)
}

/// A string used as a dictionary key by its bytes.
struct NameKey: Hashable, Sendable {
    let string: String
    init(_ string: String) { self.string = string }
    static func == (a: NameKey, b: NameKey) -> Bool { sameBytes(a.string, b.string) }
    func hash(into hasher: inout Hasher) { hashBytes(string, into: &hasher) }
}
