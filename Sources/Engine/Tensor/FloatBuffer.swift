/// A zero-initialised, contiguous, manually managed run of floats. The model's
/// parameters, gradients, Adam moments and activation arena are each one of these,
/// so every sweep over them (Adam, zeroing, clipping) is a single flat loop.
final class FloatBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    /// Makes room for at least `needed` floats; contents are not kept. Never shrinks, so
    /// an arena reaches the size of the largest batch seen and then stays there.
    func reserve(_ needed: Int) {
        guard needed > count else { return }
        pointer.deallocate()
        pointer = .allocate(capacity: needed)
        pointer.initialize(repeating: 0, count: needed)
        count = needed
    }

    /// Gives the memory back (count 0); the next `reserve` allocates again.
    func release() {
        guard count > 0 else { return }
        pointer.deallocate()
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: 0)
        count = 0
    }

    func zero() { pointer.update(repeating: 0, count: count) }

    var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}
