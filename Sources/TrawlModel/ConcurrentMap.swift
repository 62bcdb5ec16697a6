import Dispatch
import Synchronization

/// Runs `body(0..<count)` on all cores and returns the results in index order.
///
/// For splitting CPU work (merging partitions, scoring, preparing rows) over threads:
/// each call computes one part; the parts come back in order, so the result does not
/// depend on scheduling.
public func concurrentMap<T: Sendable>(count: Int, _ body: @Sendable (Int) -> T) -> [T] {
    let slots = Mutex<[T?]>(Array(repeating: nil, count: count))
    DispatchQueue.concurrentPerform(iterations: count) { i in
        let value = body(i)
        slots.withLock { $0[i] = value }
    }
    return slots.withLock { $0.map { $0! } }
}
