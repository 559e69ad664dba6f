import CNuma

/// Thin wrappers over libnuma's functions (its global variables are not usable from Swift 6).
public enum NumaLibrary {
    /// libnuma's `numa_available()`: false when the kernel has no NUMA system calls.
    public static var isAvailable: Bool { numa_available() >= 0 }

    /// The highest node number the kernel could ever have (`numa_max_possible_node`).
    public static var maxPossibleNode: Int { Int(numa_max_possible_node()) }

    /// The calling thread's memory policy as `get_mempolicy(2)` reports it: the mode
    /// (`MPOL_DEFAULT` 0, `MPOL_PREFERRED` 1, `MPOL_BIND` 2, `MPOL_INTERLEAVE` 3, `MPOL_LOCAL` 4,
    /// `MPOL_PREFERRED_MANY` 5, `MPOL_WEIGHTED_INTERLEAVE` 6) and its nodes.
    public static func currentPolicy() -> Result<(mode: Int32, nodes: [Int]), Errno> {
        let words = 1024 / (8 * MemoryLayout<UInt>.size)
        var mask = [UInt](repeating: 0, count: words)
        var mode: Int32 = 0
        let rc = mask.withUnsafeMutableBufferPointer { buffer in
            get_mempolicy(&mode, buffer.baseAddress, UInt(words * 8 * MemoryLayout<UInt>.size), nil, 0)
        }
        if rc != 0 { return .failure(.current) }
        var nodes: [Int] = []
        for (wordIndex, word) in mask.enumerated() where word != 0 {
            for bit in 0..<(8 * MemoryLayout<UInt>.size) where word & (1 << UInt(bit)) != 0 {
                nodes.append(wordIndex * 8 * MemoryLayout<UInt>.size + bit)
            }
        }
        return .success((mode, nodes))
    }
}
