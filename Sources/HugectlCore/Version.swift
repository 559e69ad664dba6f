public enum HugectlVersion {
    public static let current = "0.1.0"
}
