// A child process for the end-to-end tests. Two modes:
//
//   StrataCrashChild <directory> <first batch> <last batch>
//       ingests deterministic batches under `.everyBatch` and reports each
//       acknowledged batch on stdout, until killed (the crash loop).
//   StrataCrashChild writer <directory> <batches>
//       a busy gateway: writes batches with small memtables, flushes,
//       compactions and log rotations, reporting each acknowledged batch,
//       while a read-only store in another process watches it.
#if canImport(Glibc)
import Glibc
#endif
import Strata

/// Batch i: 50 readings of 5 devices x 2 sensors at unique timestamps, values derived from i.
func batch(_ i: Int) -> [Reading] {
    (0..<50).map { (j: Int) -> Reading in
        let t: Int64 = 1_767_225_600_000 + Int64(i) * 60_000 + Int64(j) * 1_000
        let value = Double(i * 50 + j) / 100
        return Reading(deviceID: "child-\(j % 5)", sensorType: j % 2 == 0 ? "temperature" : "humidity", timestamp: t, value: value)
    }
}

/// One line to stdout, unbuffered: the parent must see every acknowledgement before the kill.
func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

let args = CommandLine.arguments
var options = Options()
options.memtableBytes = 1 << 16  // flush often
options.compactionTrigger = 2    // and compact often
options.partitionDuration = 3_600_000
options.walSegmentBytes = 1 << 15
if args.count == 4, args[1] == "writer", let count = Int(args[3]) {
    do {
        let store = try Store(at: args[2], options: options)
        for i in 0..<count {
            try store.write(batch(i), sources: ["child": String(i)])
            say("ack \(i)")
            if i % 97 == 96 { try store.compact() }
        }
        try store.close()
        say("done")
    } catch {
        say("error \(error)")
        exit(1)
    }
    exit(0)
}
guard args.count == 4, let first = Int(args[2]), let last = Int(args[3]) else {
    print("usage: StrataCrashChild <directory> <first batch> <last batch> | StrataCrashChild writer <directory> <batches>")
    exit(2)
}
do {
    let store = try Store(at: args[1], options: options)
    say("open \(store.recovery.records) \(store.recovery.droppedBytes)")
    for i in first...last {
        try store.write(batch(i), sources: ["child": String(i)])
        say("ack \(i)")
    }
    try store.close()
    say("done")
} catch {
    say("error \(error)")
    exit(1)
}
