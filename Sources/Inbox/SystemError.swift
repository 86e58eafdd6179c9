import Glibc

/// A failed system call, with the path it was about and errno turned into words.
package struct SystemError: Error, CustomStringConvertible, Equatable {
    package let operation: String
    package let path: String
    package let code: Int32

    package init(_ operation: String, path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    package var description: String {
        "\(operation) \(path): \(String(cString: strerror(code)))"
    }
}
