// Device attributes: logged (WAL kind 5) and applied to the catalog under the
// lock like a batch; the next flush writes the changed devices' attributes to
// the catalog file (type 2 records), after which the log may go.

extension Engine {
    func setAttributes(_ changes: [String: String?], device: String) throws(StrataError) {
        try checkWritable()
        try SeriesKey.validate(device, field: "device_id")
        for (key, value) in changes {
            try SeriesKey.validate(key, field: "attribute name")
            if let value, value.utf8.count > maxTextBytes {
                throw StrataError(.invalidArgument, "attribute \(SeriesKey.preview(key)) of \(SeriesKey.preview(device)): the value is \(value.utf8.count) bytes; the limit is \(maxTextBytes)")
            }
        }
        guard !changes.isEmpty else { return }
        let change = AttributeChange(device: device, changes: changes.sorted { bytesPrecede($0.key, $1.key) }.map { ($0.key, $0.value) })
        try state.withLock { (s) throws(StrataError) in
            try checkOpen(s)
            var merged = s.catalog.attributes(of: device).map(\.key)
            for (key, value) in change.changes {
                merged.removeAll { sameBytes($0, key) }
                if value != nil { merged.append(key) }
            }
            guard merged.count <= AttributeChange.maxAttributes else {
                throw StrataError(.limitExceeded, "device \(SeriesKey.preview(device)) would have \(merged.count) attributes; the limit is \(AttributeChange.maxAttributes)")
            }
        }
        var batch = WriteBatch()
        batch.attributes = change
        let position = try apply(batch, payload: (.attributes, change.encode()))
        if options.sync == .everyBatch {
            try log!.sync(through: position)
        }
    }

    func attributes(device: String) throws(StrataError) -> [(key: String, value: String)] {
        try state.withLock { (s) throws(StrataError) in
            try checkOpen(s)
            return s.catalog.attributes(of: device)
        }
    }

    /// Every device with attributes, by name (bytes order).
    func allAttributes() throws(StrataError) -> [(device: String, attributes: [(key: String, value: String)])] {
        try state.withLock { (s) throws(StrataError) in
            try checkOpen(s)
            return s.catalog.attributes.map { (s.catalog.deviceNames[Int($0.key)], $0.value) }.sorted { bytesPrecede($0.0, $1.0) }
        }
    }
}
