// Fuzz target: the /proc/PID/maps pre-filter (MapsParser.candidates). The first byte picks
// how many hugetlbfs devices are known (0-3), taken from the next bytes, so both the device
// match and the path match are reached.
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMaps(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var devices: Set<DeviceNumber> = [DeviceNumber(major: 0, minor: 0x27)]
    var rest = bytes[...]
    if let first = rest.first {
        rest = rest.dropFirst()
        for _ in 0..<Int(first & 3) where rest.count >= 2 {
            devices.insert(DeviceNumber(major: UInt32(rest[rest.startIndex]), minor: UInt32(rest[rest.startIndex + 1])))
            rest = rest.dropFirst(2)
        }
    }
    let found = MapsParser.candidates(rest, hugetlbfsDevices: devices)
    for entry in found.entries {
        _ = entry.length
        _ = entry.device.mapsText
    }
    for problem in found.problems { precondition(problem.line >= 1, "line numbers start at 1") }
    return 0
}
