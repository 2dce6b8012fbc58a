import Strata
#if canImport(Glibc)
import Glibc
#endif

/// Helpers to open stores in tests.
package enum StoreFixtures {
    /// Options on an in-memory file system, small enough that tests flush often.
    package static func options(_ fs: InMemoryFileSystem, memtableBytes: Int = 1 << 20, blockRows: Int = 64) -> Options {
        var o = Options()
        o.fileSystem = fs
        o.memtableBytes = memtableBytes
        o.blockRows = blockRows
        o.walSegmentBytes = 1 << 20
        return o
    }

    /// A fresh temporary directory on the real file system.
    package static func temporaryDirectory(_ name: String = "strata-test") -> String {
        var template = Array("/tmp/\(name)-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { buf -> String in
            guard let p = mkdtemp(buf.baseAddress!) else { return "/tmp/\(name)-\(getpid())" }
            return String(cString: p)
        }
        return path
    }

    /// Removes a directory tree (tests' temporary stores).
    package static func removeTree(_ path: String) {
        _ = system("rm -rf '\(path)'")
    }

    /// Readings of `devices` x `sensors` every `interval` from `start`, `steps` times; values are decimals.
    package static func fleet(devices: Int, sensors: Int, steps: Int, start: Int64 = 1_767_225_600_000, interval: Int64 = 10_000, seed: UInt64 = 1) -> [Reading] {
        var rng = SplitMix64(seed: seed)
        var out: [Reading] = []
        out.reserveCapacity(devices * sensors * steps)
        let names = ["temperature", "humidity", "battery_v", "energy_wh", "status", "pressure", "co2"]
        for step in 0..<steps {
            for d in 0..<devices {
                let t = start + Int64(step) * interval + Int64(rng.next() % 11) - 5
                for s in 0..<sensors {
                    let v = Double(Int(rng.next() % 400) + 100 * s) / 10
                    out.append(Reading(deviceID: "sensor-\(d)", sensorType: names[s % names.count], timestamp: t, value: v))
                }
            }
        }
        return out
    }
}
