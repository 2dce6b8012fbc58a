import Testing
@testable import StrataCodecs
import StrataTestSupport

@Suite struct CRC32CTests {
    @Test func standardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        Array("123456789".utf8).withUnsafeBytes { #expect(CRC32C.portableChecksum($0) == 0xE306_9283) }
    }

    @Test func knownVectors() {
        // RFC 3720 (iSCSI), appendix B.4.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(Array(0..<32)) == 0x46DD_794E)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func hardwareAndPortableAgree() {
        var rng = SplitMix64(seed: 5)
        for length in [0, 1, 3, 7, 8, 9, 15, 16, 17, 100, 1000, 4099] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            bytes.withUnsafeBytes { raw in
                #expect(CRC32C.checksum(raw) == CRC32C.portableChecksum(raw), "length \(length)")
            }
        }
    }

    @Test func extendEqualsWholeChecksum() {
        let a = Array("time series ".utf8), b = Array("storage".utf8)
        let whole = CRC32C.checksum(a + b)
        let part = b.withUnsafeBytes { CRC32C.extend(CRC32C.checksum(a), $0) }
        #expect(whole == part)
    }
}
