// Codec throughput with package-benchmark. Each iteration encodes or decodes
// about one million values (blocks of up to 1024 points from the reference
// fleet and from a synthetic regular series), so iterations per second read
// as millions of values per second. Sizes per dataset: the codec-report tool.
//
//   swift package --package-path Benchmarks benchmark --target CodecBenchmarks
import Benchmark
import BenchmarkSupport
import StrataCodecs

/// About one million points from `data`, as blocks of up to 1024.
func millionPoints(_ data: Dataset) -> [SeriesBlock] {
    var blocks: [SeriesBlock] = []
    var total = 0
    for b in data.blocks(maxPoints: 1024) where total < 1_000_000 {
        blocks.append(b)
        total += b.timestamps.count
    }
    return blocks
}

let inputs: [(String, [SeriesBlock])] = {
    var sets = [("synthetic", millionPoints(syntheticRegular(points: 1_000_000)))]
    if let fleet = try? Dataset.fleet() { sets.append(("fleet", millionPoints(fleet))) }
    return sets
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        timeUnits: .milliseconds,
        maxDuration: .seconds(2),
        maxIterations: 30
    )
    for (name, blocks) in inputs {
        for codec in TimestampCodec.allCases {
            let encoded = blocks.map { b -> [UInt8] in
                var out: [UInt8] = []
                codec.encode(b.timestamps, options: .bitPackedOnly, into: &out)
                return out
            }
            Benchmark("decode \(codec.name) [\(name), 1M values]") { benchmark in
                var scratch = [Int64](repeating: 0, count: 1024)
                for _ in benchmark.scaledIterations {
                    scratch.withUnsafeMutableBufferPointer { dst in
                        for e in encoded { e.withUnsafeBytes { blackHole(try! TimestampCodec.decode($0, into: dst)) } }
                    }
                }
            }
            Benchmark("encode \(codec.name) [\(name), 1M values]") { benchmark in
                var out: [UInt8] = []
                for _ in benchmark.scaledIterations {
                    for b in blocks {
                        out.removeAll(keepingCapacity: true)
                        codec.encode(b.timestamps, options: .bitPackedOnly, into: &out)
                    }
                    blackHole(out)
                }
            }
        }
        for codec in ValueCodec.allCases {
            let encoded = blocks.map { b -> [UInt8] in
                var out: [UInt8] = []
                codec.encode(b.values, options: .bitPackedOnly, into: &out)
                return out
            }
            Benchmark("decode \(codec.name) [\(name), 1M values]") { benchmark in
                var scratch = [Double](repeating: 0, count: 1024)
                for _ in benchmark.scaledIterations {
                    scratch.withUnsafeMutableBufferPointer { dst in
                        for e in encoded { e.withUnsafeBytes { blackHole(try! ValueCodec.decode($0, into: dst)) } }
                    }
                }
            }
            Benchmark("encode \(codec.name) [\(name), 1M values]") { benchmark in
                var out: [UInt8] = []
                for _ in benchmark.scaledIterations {
                    for b in blocks {
                        out.removeAll(keepingCapacity: true)
                        codec.encode(b.values, options: .bitPackedOnly, into: &out)
                    }
                    blackHole(out)
                }
            }
        }
        // The per-block choice with the entropy stage: the smallest output, reported separately.
        let chosen = blocks.map { b -> ([UInt8], [UInt8]) in
            var t: [UInt8] = [], v: [UInt8] = []
            TimestampCodec.encode(b.timestamps, into: &t)
            ValueCodec.encode(b.values, into: &v)
            return (t, v)
        }
        Benchmark("decode choice+entropy ts+values [\(name), 1M points]") { benchmark in
            var ts = [Int64](repeating: 0, count: 1024)
            var vs = [Double](repeating: 0, count: 1024)
            for _ in benchmark.scaledIterations {
                for (t, v) in chosen {
                    ts.withUnsafeMutableBufferPointer { dst in t.withUnsafeBytes { blackHole(try! TimestampCodec.decode($0, into: dst)) } }
                    vs.withUnsafeMutableBufferPointer { dst in v.withUnsafeBytes { blackHole(try! ValueCodec.decode($0, into: dst)) } }
                }
            }
        }
        Benchmark("encode choice+entropy ts+values [\(name), 1M points]") { benchmark in
            var out: [UInt8] = []
            for _ in benchmark.scaledIterations {
                for b in blocks {
                    out.removeAll(keepingCapacity: true)
                    TimestampCodec.encode(b.timestamps, into: &out)
                    ValueCodec.encode(b.values, into: &out)
                }
                blackHole(out)
            }
        }
    }
}
