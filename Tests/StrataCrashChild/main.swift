// A child process for the crash-loop test: ingests deterministic batches under
// `.everyBatch` and reports each acknowledged batch on stdout, until killed.
//
//   StrataCrashChild <directory> <first batch> <last batch>
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

let args = CommandLine.arguments
guard args.count == 4, let first = Int(args[2]), let last = Int(args[3]) else {
    print("usage: StrataCrashChild <directory> <first batch> <last batch>")
    exit(2)
}
/// One line to stdout, unbuffered: the parent must see every acknowledgement before the kill.
func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

var options = Options()
options.memtableBytes = 1 << 16  // flush often
options.compactionTrigger = 2    // and compact often
options.partitionDuration = 3_600_000
options.walSegmentBytes = 1 << 15
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
