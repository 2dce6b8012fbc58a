// The series index: (device_id, sensor_type) -> series id, and the postings
// "all series of device D" and "all series of sensor type S", without scans.
//
// Names are interned: each distinct device id and sensor type is stored
// once and numbered densely, a series is the pair of those numbers. With
// 1M series of 200k devices and 5 sensor types the index takes about 60 MB
// (measured by CatalogTests): a dictionary entry of 8 + 4 bytes per series
// plus the posting lists, instead of two strings per series.
//
// Names are keys by their UTF-8 bytes (NameBytes.swift): names that differ
// only in Unicode normalization are different devices and sensors.
//
// Thread safety: a value type; the engine keeps it under its write lock and
// readers copy out what they need.

struct SeriesCatalog: Sendable {
    private(set) var deviceNames: [String] = []
    private var deviceNumbers: [NameKey: UInt32] = [:]
    private(set) var sensorNames: [String] = []
    private var sensorNumbers: [NameKey: UInt32] = [:]
    /// Per series id: its device number and sensor number.
    private(set) var seriesDevice: [UInt32] = []
    private(set) var seriesSensor: [UInt32] = []
    private var seriesByPair: [UInt64: SeriesID] = [:]
    /// Device attributes per device number (keys ascending by bytes), and the index
    /// key -> value -> devices, for filters.
    private(set) var attributes: [UInt32: [(key: String, value: String)]] = [:]
    private var attributeIndex: [NameKey: [NameKey: Set<UInt32>]] = [:]
    /// Each device's and sensor type's rank in name (bytes) order, for ordering results
    /// without comparing names; recomputed when names were added (`rankNames()`).
    private(set) var deviceRank: [Int32] = []
    private(set) var sensorRank: [Int32] = []

    /// Brings the name ranks up to date (a sort of the names when some were added).
    mutating func rankNames() {
        func ranks(_ names: [String]) -> [Int32] {
            let order = names.indices.sorted { bytesPrecede(names[$0], names[$1]) }
            var out = [Int32](repeating: 0, count: names.count)
            for (r, i) in order.enumerated() { out[i] = Int32(r) }
            return out
        }
        if deviceRank.count != deviceNames.count { deviceRank = ranks(deviceNames) }
        if sensorRank.count != sensorNames.count { sensorRank = ranks(sensorNames) }
    }
    /// Postings: series ids per device number and per sensor number, ascending.
    private(set) var seriesOfDevice: [[SeriesID]] = []
    private(set) var seriesOfSensor: [[SeriesID]] = []

    var count: Int { seriesDevice.count }

    @inline(__always)
    private static func pair(_ device: UInt32, _ sensor: UInt32) -> UInt64 {
        UInt64(device) << 32 | UInt64(sensor)
    }

    /// The id of (device, sensor), if the series exists.
    func lookup(_ device: String, _ sensor: String) -> SeriesID? {
        guard let d = deviceNumbers[NameKey(device)], let s = sensorNumbers[NameKey(sensor)] else { return nil }
        return seriesByPair[Self.pair(d, s)]
    }

    /// The id of (device, sensor), creating the series if needed; `created` tells which.
    mutating func resolve(_ device: String, _ sensor: String) -> (id: SeriesID, created: Bool) {
        let d = Self.number(device, names: &deviceNames, numbers: &deviceNumbers, postings: &seriesOfDevice)
        let s = Self.number(sensor, names: &sensorNames, numbers: &sensorNumbers, postings: &seriesOfSensor)
        let key = Self.pair(d, s)
        if let id = seriesByPair[key] { return (id, false) }
        let id = SeriesID(seriesDevice.count)
        seriesByPair[key] = id
        seriesDevice.append(d)
        seriesSensor.append(s)
        seriesOfDevice[Int(d)].append(id)
        seriesOfSensor[Int(s)].append(id)
        return (id, true)
    }

    /// Re-creates a series with a known id (catalog file, WAL replay). The id
    /// must be the next one, or an existing series with the same names.
    mutating func define(_ id: SeriesID, _ device: String, _ sensor: String) -> Bool {
        if Int(id) < count {
            return sameBytes(deviceNames[Int(seriesDevice[Int(id)])], device) && sameBytes(sensorNames[Int(seriesSensor[Int(id)])], sensor)
        }
        guard Int(id) == count, lookup(device, sensor) == nil else { return false }
        return resolve(device, sensor).id == id
    }

    /// Static on purpose: an instance method would read a copy of `self` while its
    /// arrays are passed inout, making every append copy them (quadratic).
    private static func number(
        _ name: String, names: inout [String], numbers: inout [NameKey: UInt32], postings: inout [[SeriesID]]
    ) -> UInt32 {
        if let n = numbers[NameKey(name)] { return n }
        let n = UInt32(names.count)
        names.append(name)
        numbers[NameKey(name)] = n
        postings.append([])
        return n
    }

    func key(_ id: SeriesID) -> SeriesKey {
        SeriesKey(unchecked: deviceNames[Int(seriesDevice[Int(id)])], sensorNames[Int(seriesSensor[Int(id)])])
    }

    func deviceNumber(of id: SeriesID) -> UInt32 { seriesDevice[Int(id)] }

    /// Bytes the catalog's tables take, from their capacities (names longer
    /// than 15 bytes of UTF-8 live on the heap; shorter ones inline).
    var approximateBytes: Int {
        func names(_ a: [String]) -> Int { a.capacity * 16 + a.reduce(0) { $0 + ($1.utf8.count > 15 ? 32 + $1.utf8.count : 0) } }
        func dictionary<K, V>(_ d: [K: V]) -> Int { d.capacity * (MemoryLayout<K>.stride + MemoryLayout<V>.stride) * 4 / 3 }
        var total = names(deviceNames) + names(sensorNames) + dictionary(deviceNumbers) + dictionary(sensorNumbers)
        total += (seriesDevice.capacity + seriesSensor.capacity) * 4 + dictionary(seriesByPair)
        total += seriesOfDevice.reduce(seriesOfDevice.capacity * 8) { $0 + 32 + $1.capacity * 4 }
        total += seriesOfSensor.reduce(seriesOfSensor.capacity * 8) { $0 + 32 + $1.capacity * 4 }
        return total
    }

    /// Series matching an optional device and an optional sensor type (both nil: all), ascending.
    func select(device: String?, sensorType: String?) -> [SeriesID] {
        switch (device, sensorType) {
        case (nil, nil):
            return (0..<count).map { SeriesID($0) }
        case (let d?, nil):
            guard let n = deviceNumbers[NameKey(d)] else { return [] }
            return seriesOfDevice[Int(n)]
        case (nil, let s?):
            guard let n = sensorNumbers[NameKey(s)] else { return [] }
            return seriesOfSensor[Int(n)]
        case (let d?, let s?):
            return lookup(d, s).map { [$0] } ?? []
        }
    }

    func sensorNumber(of id: SeriesID) -> UInt32 { seriesSensor[Int(id)] }

    // MARK: - Device attributes

    /// The attributes of `device` (keys ascending by bytes); empty when it has none.
    func attributes(of device: String) -> [(key: String, value: String)] {
        deviceNumbers[NameKey(device)].flatMap { attributes[$0] } ?? []
    }

    /// Applies a change (set or remove keys) to a device's attributes, creating the
    /// device name when needed; returns the device number. The caller checks limits.
    @discardableResult
    mutating func apply(_ change: AttributeChange) -> UInt32 {
        let d = Self.number(change.device, names: &deviceNames, numbers: &deviceNumbers, postings: &seriesOfDevice)
        var current = attributes[d] ?? []
        for (key, value) in change.changes {
            if let i = current.firstIndex(where: { sameBytes($0.key, key) }) {
                attributeIndex[NameKey(key)]?[NameKey(current[i].value)]?.remove(d)
                current.remove(at: i)
            }
            if let value {
                current.append((key, value))
                attributeIndex[NameKey(key), default: [:]][NameKey(value), default: []].insert(d)
            }
        }
        current.sort { bytesPrecede($0.key, $1.key) }
        attributes[d] = current.isEmpty ? nil : current
        return d
    }

    /// The full attributes of `device` as one change (what the catalog file stores).
    func attributeRecord(_ device: UInt32) -> AttributeChange {
        AttributeChange(device: deviceNames[Int(device)], changes: (attributes[device] ?? []).map { ($0.key, $0.value) })
    }

    /// Replaces a device's attributes with `record`'s (catalog file load).
    mutating func replaceAttributes(_ record: AttributeChange) {
        let removals = attributes(of: record.device).map { (key: $0.key, value: String?.none) }
        apply(AttributeChange(device: record.device, changes: removals + record.changes.map { ($0.key, $0.value) }))
    }

    /// Devices whose attributes meet every filter (nil: no filter).
    func devices(matching filters: [AttributeFilter]) -> Set<UInt32>? {
        guard !filters.isEmpty else { return nil }
        var result: Set<UInt32>?
        for f in filters {
            var matched = Set<UInt32>()
            if let byValue = attributeIndex[NameKey(f.key)] {
                for v in f.values { matched.formUnion(byValue[NameKey(v)] ?? []) }
            }
            result = result.map { $0.intersection(matched) } ?? matched
        }
        return result
    }

    /// Numbers of the names `filter` matches (nil: every name).
    private static func numbers(_ filter: NameFilter, names: [String], numbers: [NameKey: UInt32]) -> [UInt32]? {
        switch filter {
        case .any: return nil
        case .equals(let n): return numbers[NameKey(n)].map { [$0] } ?? []
        case .oneOf(let list): return Array(Set(list.compactMap { numbers[NameKey($0)] })).sorted()
        case .prefix(let p):
            let bytes = Array(p.utf8)
            return names.indices.filter { names[$0].utf8.starts(with: bytes) }.map { UInt32($0) }
        }
    }

    /// Series whose device and sensor type match, and (when given) whose device number
    /// is in `devicesAllowed`; ascending ids. Uses the postings of the narrower side.
    func select(devices: NameFilter, sensorTypes: NameFilter, devicesAllowed: Set<UInt32>? = nil) -> [SeriesID] {
        var deviceList = Self.numbers(devices, names: deviceNames, numbers: deviceNumbers)
        if let allowed = devicesAllowed {
            deviceList = (deviceList ?? allowed.sorted()).filter { allowed.contains($0) }
        }
        let sensorList = Self.numbers(sensorTypes, names: sensorNames, numbers: sensorNumbers)
        var out: [SeriesID] = []
        switch (deviceList, sensorList) {
        case (nil, nil):
            return (0..<count).map { SeriesID($0) }
        case (let d?, nil):
            for n in d { out += seriesOfDevice[Int(n)] }
        case (nil, let s?):
            for n in s { out += seriesOfSensor[Int(n)] }
        case (let d?, let s?):
            let deviceSize = d.reduce(0) { $0 + seriesOfDevice[Int($1)].count }
            let sensorSize = s.reduce(0) { $0 + seriesOfSensor[Int($1)].count }
            if deviceSize <= sensorSize {
                let wanted = Set(s)
                for n in d { out += seriesOfDevice[Int(n)].filter { wanted.contains(seriesSensor[Int($0)]) } }
            } else {
                let wanted = Set(d)
                for n in s { out += seriesOfSensor[Int(n)].filter { wanted.contains(seriesDevice[Int($0)]) } }
            }
        }
        out.sort()
        return out
    }
}
