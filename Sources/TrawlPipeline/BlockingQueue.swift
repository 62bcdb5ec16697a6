import Dispatch
import Synchronization

/// A bounded first-in first-out queue between threads; `nil` from `pop` means closed and empty.
final class BlockingQueue<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    private let filled = DispatchSemaphore(value: 0)
    private let space: DispatchSemaphore
    private let closed = Atomic<Bool>(false)

    init(capacity: Int) { space = DispatchSemaphore(value: capacity) }

    func push(_ element: Element) {
        space.wait()
        items.withLock { $0.append(element) }
        filled.signal()
    }

    /// Marks the end of input; every waiting consumer wakes and sees `nil`.
    func close(consumers: Int) {
        closed.store(true, ordering: .sequentiallyConsistent)
        for _ in 0..<consumers { filled.signal() }
    }

    /// The next element, waiting at most `seconds`; `nil` on timeout or when closed and empty.
    func pop(timeout seconds: Double) -> Element? {
        guard filled.wait(timeout: .now() + seconds) == .success else { return nil }
        let element: Element? = items.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        if element != nil { space.signal() }
        return element
    }

    var isClosed: Bool { closed.load(ordering: .sequentiallyConsistent) }

    /// Elements waiting.
    var count: Int { items.withLock { $0.count } }

    func pop() -> Element? {
        filled.wait()
        let element: Element? = items.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        if element != nil { space.signal() }
        return element
    }
}
