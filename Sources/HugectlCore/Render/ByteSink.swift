#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A growing buffer of bytes for writing large documents (a `check --json` of 60,000
/// mappings is about 50 MB): appends are a bounds check and a copy, without the uniqueness
/// and capacity checks of `Array.append`. A value used through `inout`; `take` hands the
/// bytes over and `release` frees them, once, by whoever made it.
struct ByteSink {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    /// Where full buffers go when the document is written out as it is made (`flush`);
    /// nil keeps every byte.
    private let drain: ((UnsafeBufferPointer<UInt8>) -> Void)?

    init(capacity: Int = 1 << 16, drain: ((UnsafeBufferPointer<UInt8>) -> Void)? = nil) {
        self.capacity = max(capacity, 16)
        self.drain = drain
        base = .allocate(capacity: self.capacity)
    }

    /// With a drain, hands it what is written once that is `threshold` bytes or more (or
    /// `force`), and starts again: a document of 50 MB is written in pieces from one
    /// buffer rather than made whole in memory first.
    mutating func flush(threshold: Int = 1 << 18, force: Bool = false) {
        guard let drain, count > 0, force || count >= threshold else { return }
        drain(bytes)
        count = 0
    }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    func release() { base.deallocate() }

    @inline(__always)
    mutating func reserve(_ more: Int) {
        if count + more > capacity { grow(count + more) }
    }

    private mutating func grow(_ needed: Int) {
        let size = max(needed, capacity * 2)
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        larger.update(from: base, count: count)
        base.deallocate()
        base = larger
        capacity = size
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    /// `count` spaces (indentation), copied from a line of them.
    mutating func appendSpaces(_ n: Int) {
        guard n > 0 else { return }
        if n > 64 { return append(repeating: 0x20, count: n) }
        reserve(n)
        let spaces: StaticString = "                                                                "
        spaces.withUTF8Buffer { (base + count).update(from: $0.baseAddress!, count: n) }
        count += n
    }

    /// `count` bytes of `byte`.
    mutating func append(repeating byte: UInt8, count n: Int) {
        guard n > 0 else { return }
        reserve(n)
        (base + count).initialize(repeating: byte, count: n)
        count += n
    }
}

/// `write(2)` of every byte, retrying after `EINTR`; the error that stopped it, if any.
func writeAll(_ fd: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Errno? {
    guard let base = bytes.baseAddress else { return nil }
    var offset = 0
    while offset < bytes.count {
        let written = write(fd, base + offset, bytes.count - offset)
        if written < 0 {
            let err = Errno.current
            if err == .interrupted { continue }
            return err
        }
        offset += written
    }
    return nil
}
