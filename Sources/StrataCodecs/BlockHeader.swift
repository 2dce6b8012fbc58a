// Every encoded block starts with its codec byte and its value count
// (varint). FORMAT.md, "Encoded blocks".

package enum BlockHeader {
    /// Reads the codec byte and count; throws `limitExceeded` when count > `limit`.
    package static func read(
        _ reader: inout ByteReader, limit: Int
    ) throws(CodecError) -> (codec: UInt8, count: Int) {
        let codec = try reader.readByte()
        let count = try reader.readCount("value count", limit: limit)
        return (codec, count)
    }

    package static func write(codec: UInt8, count: Int, into out: inout [UInt8]) {
        out.append(codec)
        Varint.append(UInt64(count), to: &out)
    }

    /// Runs `body` with a fresh array of `count` elements for it to fill completely.
    @inline(__always)
    package static func makeArray<T>(
        count: Int, _ body: (UnsafeMutableBufferPointer<T>) throws(CodecError) -> Void
    ) throws(CodecError) -> [T] {
        var failure: CodecError?
        let result = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(CodecError) {
                try body(UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return result
    }
}
