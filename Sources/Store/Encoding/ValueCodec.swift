import Foundation

/// Values are one format-version byte followed by sorted-key JSON with times as integer
/// milliseconds since 1970. Graph values append raw bytes after the JSON (see `GraphCodec`).
struct ValueCodec {
    static let formatVersion: UInt8 = 1
    let path: String

    func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(StoreTime.milliseconds(date))
        }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        return [Self.formatVersion] + Array(try encoder.encode(value))
    }

    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], table: String) throws -> T {
        let body = try payload(of: bytes, table: table)
        return try decodeJSON(type, from: Data(body), table: table)
    }

    /// The bytes after the format byte, once the format byte is checked.
    func payload(of bytes: [UInt8], table: String) throws -> ArraySlice<UInt8> {
        guard let format = bytes.first else {
            throw StoreError.corruptRecord(path: path, table: table, reason: "empty value")
        }
        guard format == Self.formatVersion else {
            throw StoreError.corruptRecord(path: path, table: table,
                                           reason: "value format \(format) is unknown (this code reads \(Self.formatVersion))")
        }
        return bytes.dropFirst()
    }

    func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data, table: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            StoreTime.date(milliseconds: try decoder.singleValueContainer().decode(Int64.self))
        }
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw StoreError.corruptRecord(path: path, table: table, reason: "value does not decode: \(error)")
        }
    }
}
