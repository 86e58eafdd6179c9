import Glibc

/// A failed system call, with the path it was about and errno turned into words.
struct SystemError: Error, CustomStringConvertible, Equatable {
    let operation: String
    let path: String
    let code: Int32

    init(_ operation: String, path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    var description: String {
        "\(operation) \(path): \(String(cString: strerror(code)))"
    }
}
