extension ProcessReader {
    /// A thread or process that exited between being listed and being read.
    static func isGone(_ error: ReadError) -> Bool {
        if case .system(let errno) = error.failure, errno == .noSuchFile || errno == .noSuchProcess { return true }
        return false
    }

    /// `" (deleted)"` ends the name of an unlinked file; it is not part of the path.
    static func withoutDeleted(_ path: String) -> String {
        path.hasSuffix(" (deleted)") ? String(path.dropLast(" (deleted)".count)) : path
    }

    /// Notes a failed read of a process file in `reading`: a process gone since it was listed
    /// counts as vanished, anything else as unreadable.
    func failed(_ error: ReadError, _ reading: inout ProcessReading) {
        if !source.isLive, error.failure == .system(.noSuchFile), source.manifest?.errors[error.path] == nil {
            // A tree lacking the file (not a recorded ENOENT): not recorded, not gone.
            if reading.gone == nil { reading.gone = .notRecorded }
        } else if Self.isGone(error) {
            reading.vanished()
        } else {
            reading.unreadable.append(.init(pid: reading.pid, path: error.path, reason: error.failure.description))
        }
    }

    /// A small file of the process, whole; nil (and noted in `reading`) when it could not be read.
    func readFile(_ name: String, _ reading: inout ProcessReading) -> [UInt8]? {
        do {
            return try source.read(KernelPath.process(reading.pid, name), limit: Self.processFileLimit)
        } catch {
            failed(error, &reading)
            return nil
        }
    }

    /// Streams a file of the process to `body` piece by piece (`SystemSource.readLines`), so
    /// that a process with tens of thousands of mappings never has its maps or smaps in memory
    /// whole. False when the read failed, possibly part-way (noted in `reading`): the caller
    /// then drops what `body` made of the pieces, so that each file counts wholly or not at
    /// all, as a whole read did.
    func readLines(_ name: String, _ reading: inout ProcessReading, _ body: (Bytes) -> Void) -> Bool {
        do {
            try source.readLines(KernelPath.process(reading.pid, name), limit: Self.processFileLimit, body)
            return true
        } catch {
            failed(error, &reading)
            return false
        }
    }
}
