#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Runs `count` numbered jobs on up to `threads` threads (the caller's among
/// them), each job once. Jobs are taken in order from a shared counter; what
/// they produce must not depend on which thread ran them (the query layer
/// gives each job a fixed slice of the work and combines results in job order).
///
/// Thread safety: `job` is called concurrently from several threads.
enum ParallelWork {
    /// The processors available to this process.
    static var processors: Int {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? n : 1
    }

    static func run(count: Int, threads: Int, _ job: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let helpers = min(threads, count) - 1
        guard helpers > 0 else {
            for i in 0..<count { job(i) }
            return
        }
        let next = Counter()
        let work: @Sendable () -> Void = {
            while true {
                let i = next.value.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < count else { return }
                job(i)
            }
        }
        do {
            var started: [pthread_t] = []
            for _ in 0..<helpers {
                let box = Unmanaged.passRetained(Job(work))
                var t = pthread_t()
                if pthread_create(&t, nil, { raw in
                    let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                    job.body()
                    return nil
                }, box.toOpaque()) == 0 {
                    started.append(t)
                } else {
                    box.release()
                }
            }
            work()
            for t in started { pthread_join(t, nil) }
        }
    }

    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private final class Job: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
