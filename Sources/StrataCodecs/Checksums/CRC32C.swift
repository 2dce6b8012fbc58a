import CStrataSupport

/// CRC32C (Castagnoli), the checksum of every Strata file and record.
///
/// Uses the SSE4.2 `crc32` instruction when the CPU has it and a portable
/// slicing-by-8 table otherwise; both give the same result.
///
/// ```swift
/// let crc = CRC32C.checksum(Array("123456789".utf8))   // 0xE3069283
/// ```
public enum CRC32C {
    /// The CRC32C of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        extend(0, bytes)
    }

    /// The CRC32C of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// Continues `crc` (the checksum of earlier bytes) over `bytes`:
    /// `extend(checksum(a), b) == checksum(a + b)`.
    public static func extend(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return strata_crc32c_extend(crc, base, bytes.count)
    }

    /// The table implementation, for tests that compare both paths.
    package static func portableChecksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        return strata_crc32c_extend_portable(0, base, bytes.count)
    }

    /// True when the hardware instruction is in use.
    package static var usesHardware: Bool { strata_crc32c_hardware_available() != 0 }
}

/// Gives freed heap memory back to the operating system (glibc's malloc_trim).
package func releaseFreeMemory() {
    strata_release_free_memory()
}
