import Foundation
import Strata

extension Dataset {
    /// The rows as readings, in file order.
    public func readings() -> [Reading] {
        (0..<count).map { i in
            Reading(deviceID: devices[Int(device[i])], sensorType: sensors[Int(sensor[i])], timestamp: timestamp[i], value: value[i])
        }
    }
}

/// Process memory from /proc/self/status, in MiB.
public enum ProcessMemory {
    public static func field(_ name: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }
    /// Peak resident set size so far.
    public static var peakMiB: Double { field("VmHWM") }
    public static var currentMiB: Double { field("VmRSS") }

    /// Resets the peak (Linux 4.0+: writing 5 to clear_refs resets VmHWM).
    public static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }
}

public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Bytes of every file under `path`.
public func directoryBytes(_ path: String) -> Int {
    guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total = 0
    while let name = e.nextObject() as? String {
        if let a = try? FileManager.default.attributesOfItem(atPath: path + "/" + name), (a[.type] as? FileAttributeType) == .typeRegular {
            total += (a[.size] as? Int) ?? 0
        }
    }
    return total
}
