/// Dense series number, assigned in order of first write and never reused.
/// Chunk files and WAL records name series by it; the catalog maps it to
/// its (device_id, sensor_type) names.
typealias SeriesID = UInt32
