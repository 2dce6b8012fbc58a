// Grouping a batch's readings by series before it is logged: one slot per
// distinct (device_id, sensor_type), in order of first appearance, names
// compared by their bytes.
//
// Readings usually come device by device (a gateway reports all sensors of
// a device at once), so the device of the previous reading is tried first (a
// byte comparison), then the device's sensors in a short chain; hashing a
// name happens once per change of device, not once per reading. The tables
// are flat arrays, so the loop neither hashes nor retains per reading.

struct BatchGrouping {
    private var deviceNames: [String] = []
    private var deviceIndex: [NameKey: Int] = [:]
    /// Per device, the first entry of its chain of sensors (-1: none), and how many.
    private var firstEntry: [Int] = []
    private var sensorCount: [Int] = []
    /// Per device with many sensors, a dictionary instead of the chain.
    private var sensorIndex: [Int: [NameKey: Int]] = [:]
    /// Entries of the chains: sensor name, slot, next entry of the same device.
    private var entryName: [String] = []
    private var entrySlot: [Int] = []
    private var entryNext: [Int] = []
    /// (device name, sensor name) per slot, in order of first appearance.
    private(set) var pairs: [(device: String, sensor: String)] = []
    /// The slot of each reading.
    private(set) var slots: [Int] = []

    init(_ readings: [Reading]) {
        slots = [Int](repeating: 0, count: readings.count)
        var last = -1
        readings.withUnsafeBufferPointer { rs in
            for i in rs.indices {
                let device = rs[i].deviceID
                var d = last
                if d < 0 || !sameBytes(deviceNames[d], device) {
                    if let known = deviceIndex[NameKey(device)] {
                        d = known
                    } else {
                        d = deviceNames.count
                        deviceNames.append(device)
                        deviceIndex[NameKey(device)] = d
                        firstEntry.append(-1)
                        sensorCount.append(0)
                    }
                    last = d
                }
                slots[i] = slot(device: d, sensor: rs[i].sensorType)
            }
        }
    }

    private mutating func slot(device d: Int, sensor: String) -> Int {
        if sensorCount[d] > 16 {
            if let s = sensorIndex[d]![NameKey(sensor)] { return s }
        } else {
            // The same string values first (bit-identical: no byte comparison), then bytes.
            var e = firstEntry[d]
            while e >= 0 {
                if identical(entryName[e], sensor) { return entrySlot[e] }
                e = entryNext[e]
            }
            e = firstEntry[d]
            while e >= 0 {
                if sameBytes(entryName[e], sensor) { return entrySlot[e] }
                e = entryNext[e]
            }
        }
        let slot = pairs.count
        pairs.append((deviceNames[d], sensor))
        entryName.append(sensor)
        entrySlot.append(slot)
        entryNext.append(firstEntry[d])
        firstEntry[d] = entryName.count - 1
        sensorCount[d] += 1
        if sensorCount[d] > 16 {
            if sensorIndex[d] == nil {
                var index: [NameKey: Int] = [:]
                var e = firstEntry[d]
                while e >= 0 {
                    index[NameKey(entryName[e])] = entrySlot[e]
                    e = entryNext[e]
                }
                sensorIndex[d] = index
            } else {
                sensorIndex[d]![NameKey(sensor)] = slot
            }
        }
        return slot
    }
}
