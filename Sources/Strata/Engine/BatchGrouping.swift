// Grouping a batch's readings by series before it is logged: one slot per
// distinct (device_id, sensor_type), in order of first appearance, names
// compared by their bytes.
//
// Readings usually come device by device (a gateway reports all sensors of
// a device at once), so the device of the previous reading is tried first
// (bit-identical strings, then bytes), then the device's sensors in a short
// chain; hashing a name happens once per change of device, not once per
// reading. The tables are local arrays, so the loop neither hashes nor
// retains per reading.

struct BatchGrouping {
    /// (device name, sensor name) per slot, in order of first appearance.
    let pairs: [(device: String, sensor: String)]
    /// The slot of each reading.
    let slots: [Int]

    init(_ readings: [Reading]) {
        var deviceNames: [String] = []
        var deviceIndex: [NameKey: Int] = [:]
        // Per device: the first entry of its chain of sensors (-1: none), and how many.
        var firstEntry: [Int] = []
        var sensorCount: [Int] = []
        // Per device with many sensors, a dictionary instead of the chain.
        var sensorIndex: [Int: [NameKey: Int]] = [:]
        // The chains' entries: sensor name, slot, next entry of the same device.
        var entryName: [String] = []
        var entrySlot: [Int] = []
        var entryNext: [Int] = []
        var pairs: [(device: String, sensor: String)] = []
        var slots = [Int](repeating: 0, count: readings.count)

        var last = -1
        for i in readings.indices {
            let device = readings[i].deviceID
            let sensor = readings[i].sensorType
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
            // The device's sensor: bit-identical strings first, then bytes.
            var slot = -1
            if sensorCount[d] > 16 {
                slot = sensorIndex[d]![NameKey(sensor)] ?? -1
            } else {
                var e = firstEntry[d]
                while e >= 0 {
                    if identical(entryName[e], sensor) { slot = entrySlot[e]; break }
                    e = entryNext[e]
                }
                if slot < 0 {
                    e = firstEntry[d]
                    while e >= 0 {
                        if sameBytes(entryName[e], sensor) { slot = entrySlot[e]; break }
                        e = entryNext[e]
                    }
                }
            }
            if slot < 0 {
                slot = pairs.count
                pairs.append((deviceNames[d], sensor))
                entryName.append(sensor)
                entrySlot.append(slot)
                entryNext.append(firstEntry[d])
                firstEntry[d] = entryName.count - 1
                sensorCount[d] += 1
                if sensorCount[d] > 16 {
                    var index = sensorIndex[d] ?? [:]
                    var e = firstEntry[d]
                    while e >= 0 {
                        index[NameKey(entryName[e])] = entrySlot[e]
                        e = entryNext[e]
                    }
                    sensorIndex[d] = index
                }
            }
            slots[i] = slot
        }
        self.pairs = pairs
        self.slots = slots
    }
}
