import Foundation

extension NetworkImporter {
    /// How many bytes of a file `openingProblem` needs to judge it.
    public static let openingBytes = 64 << 10

    /// A problem that the first bytes of a network file already show for certain, so that a
    /// large file that is not a network is refused without reading the rest: an ONNX file
    /// whose first fields are not protobuf (a file of zeros, text, an archive), a graph JSON
    /// file that does not start with an object. Nil when the opening looks sound so far, and
    /// always when the opening is the whole file (the import itself then says what is
    /// wrong, with everything in hand). Says what the import would say of the same bytes.
    ///
    /// - Parameters:
    ///   - opening: the file's first bytes, at most `openingBytes` of them.
    ///   - fileBytes: the file's size.
    public static func openingProblem(_ opening: UnsafeRawBufferPointer, fileBytes: Int, format: Format,
                                      name: String) -> ImportError? {
        guard opening.count < fileBytes else { return nil }
        switch format {
        case .onnx:
            var scanner = ProtobufWireScanner(opening)
            return scanner.openingProblem(fileBytes: fileBytes).map {
                ImportError(.malformed, file: name, "not a valid ONNX file: \($0)")
            }
        case .graphJSON:
            // JSON may open with white space and a byte order mark; a graph is an object.
            let skipped: Set<UInt8> = [0x20, 0x0A, 0x0D, 0x09, 0xEF, 0xBB, 0xBF]
            guard let first = opening.first(where: { !skipped.contains($0) }), first != UInt8(ascii: "{") else { return nil }
            return ImportError(.malformed, file: name, "not a graph JSON file: it must be one JSON object, "
                               + "and its first character is not '{'")
        }
    }
}
