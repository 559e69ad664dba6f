/// A value handed to the domain that it does not accept: an expectation, a page size or
/// count, a headroom, a column list. The message says what was wrong in the user's words; the
/// executable alone decides that it is a usage error (exit 2).
public struct InputError: Error, Equatable, CustomStringConvertible, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
