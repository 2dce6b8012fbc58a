@testable import StrataSQL
import Strata
import StrataTestSupport
import Testing

@Test func zzProbe() throws {
    func p(_ s: String) { print("PROBE", s) }
    var r = try ReadingsCSVReader(header: "device_id,sensor_type,timestamp_ns,value", resolution: .milliseconds)
    p("\(try r.reading(from: "a,t,-1,1", line: 2).timestamp)")
    p("\(try r.reading(from: "a,t,-1500000,1", line: 2).timestamp)")
    p("\(try r.reading(from: "a,t,1500000,1", line: 2).timestamp)")
    var lp = LineProtocolReader(precision: .nanoseconds, resolution: .milliseconds)
    p("\(try lp.reading(from: "t,device_id=a value=1 -1", line: 1)!.timestamp)")
    p("\(try lp.reading(from: "t,device_id=a value=1 -1500000", line: 1)!.timestamp)")
    do { _ = try ReadingsCSVReader(header: "\u{FEFF}device_id,sensor_type,timestamp,value", resolution: .milliseconds); p("BOM ok") } catch { p("BOM: \(error)") }
    let store = try SQLFixtures.store()
    let s = SQLFixtures.session(store)
    _ = try s.execute("INSERT INTO sensor_readings VALUES ('a','t',1,1),('a','t',10,10),('a','u',10,11),('b','t',-5,'NaN')")
    for q in ["SELECT device_id, last(value, timestamp) FROM sensor_readings WHERE timestamp < 5 GROUP BY device_id",
              "SELECT device_id, last(value, timestamp), max(timestamp) FROM sensor_readings GROUP BY device_id ORDER BY 2 DESC",
              "SELECT time_bucket_gapfill('5 ms', timestamp) AS b, count(*) FROM sensor_readings WHERE timestamp >= -10 AND timestamp < 15 GROUP BY b ORDER BY b DESC LIMIT 3",
              "SELECT time_bucket('1 hour', timestamp) AS b FROM sensor_readings WHERE timestamp = -9223372036854775808",
              "SELECT count(*) FROM sensor_readings WHERE timestamp > 9223372036854775807",
              "SELECT value FROM sensor_readings WHERE value > 1e400",
              "SELECT * FROM sensor_readings ORDER BY attr('zone'), value DESC",
              "INSERT INTO sensor_readings VALUES ('', 't', 1, 1)",
              "INSERT INTO sensor_readings VALUES ('a\nb', 't', 1, 1)",
              "SELECT first(value, timestamp), last(value, timestamp), min(value), max(value) FROM sensor_readings",
              "SELECT value FROM sensor_readings WHERE device_id = :D",
              "SELECT device_id, count(*) FROM sensor_readings GROUP BY device_id ORDER BY count(*) DESC NULLS LAST",
              "SELECT time_bucket('1000000 years', timestamp) AS b, count(*) FROM sensor_readings GROUP BY b",
              "SELECT value FROM sensor_readings WHERE timestamp = '2026-01-01 25:00'",
              "SELECT value FROM sensor_readings WHERE timestamp = '+275000-01-01'",
              "SELECT value FROM sensor_readings LIMIT 1 OFFSET 9223372036854775807",
              "SELECT count(*) FROM sensor_readings LIMIT 9223372036854775807",
              "SELECT value FROM sensor_readings WHERE quality IS NULL",
              "SELECT sum(value) FROM sensor_readings WHERE device_id = 'a' AND device_id = 'b'",
              "SELECT value, value FROM sensor_readings ORDER BY value",
              "SELECT value AS v, timestamp AS v FROM sensor_readings ORDER BY v",
              "EXPLAIN SELECT device_id, last(value, timestamp) FROM sensor_readings GROUP BY device_id",
              "SELECT time_bucket('1 month', timestamp, origin => '2000-01-15') AS b, count(*) FROM sensor_readings GROUP BY b",
              "SELECT value FROM sensor_readings WHERE timestamp < '2026-01-01' + INTERVAL '1 day' * -1",
              "SELECT value FROM sensor_readings WHERE value = 1::real AND value < '2'::integer",
              "SELECT value FROM sensor_readings WHERE device_id = 'a' || 'b'",
    ] {
        do { let r = try s.execute(q, parameters: ["d": .text("a")]); p("\(q)\n  -> \(r.map { $0.rows.map { $0.map(\.description).joined(separator: " | ") } })") } catch { p("\(q)\n  !! \(error)") }
    }
}
