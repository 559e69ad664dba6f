import HugectlCore

extension UsageError {
    /// The domain's refusal of a value from the command line, as a usage error (exit 2).
    public init(_ input: InputError) {
        self.init(input.message)
    }

    /// Runs `body`, turning the domain's `InputError` into a usage error.
    public static func from<T>(_ body: () throws(InputError) -> T) throws(UsageError) -> T {
        do {
            return try body()
        } catch {
            throw UsageError(error)
        }
    }
}
