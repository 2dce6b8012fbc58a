#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a mutex, with a condition variable to wait for changes
/// of it (`Synchronization.Mutex` has no condition variable). Used for the
/// store's state: writers wait for group commits and for memory, the
/// background worker waits for work.
///
/// Thread safety: every access to the value goes through `withLock` or
/// `wait`, which hold the mutex; that is what makes the class Sendable.
package final class ConditionLock<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var value: Value  // guarded by mutex

    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if !canImport(Darwin)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock.
    @inline(__always)
    package func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }

    /// Waits (releasing the lock meanwhile) until `ready` holds, then runs `body`.
    /// With a timeout in nanoseconds, runs `body` when it expires even if `ready` does not hold.
    package func wait<R, E: Error>(
        until ready: (Value) -> Bool, timeoutNanoseconds: UInt64? = nil, then body: (inout Value) throws(E) -> R
    ) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let timeoutNanoseconds {
            #if canImport(Darwin)
            // Darwin's condition variables time out by the wall clock (no
            // pthread_condattr_setclock): wait relative to now, re-armed after
            // each wake-up, so a deadline never lies in the past of that clock.
            let end = Clock.monotonicNanoseconds() &+ timeoutNanoseconds
            while !ready(value) {
                let now = Clock.monotonicNanoseconds()
                if now >= end { break }
                let left = end - now
                var ts = timespec(tv_sec: Int(left / 1_000_000_000), tv_nsec: Int(left % 1_000_000_000))
                _ = pthread_cond_timedwait_relative_np(condition, mutex, &ts)
            }
            #else
            let deadline = Clock.monotonicNanoseconds() &+ timeoutNanoseconds
            var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            while !ready(value) {
                if pthread_cond_timedwait(condition, mutex, &ts) == ETIMEDOUT { break }
            }
            #endif
        } else {
            while !ready(value) { pthread_cond_wait(condition, mutex) }
        }
        return try body(&value)
    }

    /// Runs `body` under the lock until it returns a result: each time it returns
    /// nil, waits for a broadcast (or `timeoutNanoseconds`, when given) and runs it again.
    package func loop<R, E: Error>(timeoutNanoseconds: UInt64? = nil, _ body: (inout Value) throws(E) -> R?) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if let r = try body(&value) { return r }
            if let timeoutNanoseconds {
                #if canImport(Darwin)
                var ts = timespec(tv_sec: Int(timeoutNanoseconds / 1_000_000_000), tv_nsec: Int(timeoutNanoseconds % 1_000_000_000))
                _ = pthread_cond_timedwait_relative_np(condition, mutex, &ts)
                #else
                let deadline = Clock.monotonicNanoseconds() &+ timeoutNanoseconds
                var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
                _ = pthread_cond_timedwait(condition, mutex, &ts)
                #endif
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
    }

    /// Wakes every waiter so that it re-checks its condition.
    package func broadcast() {
        pthread_cond_broadcast(condition)
    }
}

package enum Clock {
    package static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Seconds since the Unix epoch (the wall clock, which may jump).
    package static func wallSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// One background thread running submitted jobs in order (pthreads, so the
/// library needs neither Foundation nor Dispatch).
final class BackgroundThread: @unchecked Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var stopping = false
        var running = false
    }
    private let state = ConditionLock(State())
    private var thread: pthread_t?  // written once in init, read in stop()

    init(name: String) {
        let box = Unmanaged.passRetained(self)
        var t = pthread_t()
        let r = pthread_create(&t, nil, { raw in
            let worker = Unmanaged<BackgroundThread>.fromOpaque(raw!).takeRetainedValue()
            worker.run()
            return nil
        }, box.toOpaque())
        if r == 0 { thread = t } else { box.release() }
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        state.withLock { $0.jobs.append(job) }
        state.broadcast()
    }

    /// True while a job is queued or running.
    var busy: Bool { state.withLock { !$0.jobs.isEmpty || $0.running } }

    /// Waits until every submitted job has finished.
    func drain() {
        state.wait(until: { $0.jobs.isEmpty && !$0.running }) { _ in }
    }

    /// Finishes the queued jobs, then ends the thread and waits for it.
    func stop() {
        state.withLock { $0.stopping = true }
        state.broadcast()
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private func run() {
        while true {
            let job: (@Sendable () -> Void)? = state.wait(until: { !$0.jobs.isEmpty || $0.stopping }) { s in
                if s.jobs.isEmpty { return nil }
                s.running = true
                return s.jobs.removeFirst()
            }
            guard let job else { return }
            job()
            state.withLock { $0.running = false }
            state.broadcast()
        }
    }
}
