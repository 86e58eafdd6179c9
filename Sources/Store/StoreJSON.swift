import Foundation

/// The one JSON style of everything narformer writes for scripts and people (`export`,
/// `query`, `models`, `status`, `predict`, `eval`, result notes, `status.json`):
/// snake_case keys, RFC 3339 UTC timestamps with milliseconds and `Z`, numbers as
/// numbers, slashes unescaped, sorted keys, and empty arrays written `[]`.
public enum StoreJSON {
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(timestamp(date))
        }
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Reads what `encoder` wrote.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "'\(text)' is not an RFC 3339 time"))
            }
            return date
        }
        return decoder
    }

    public static func encode<T: Encodable>(_ value: T, pretty: Bool = true) throws -> Data {
        let data = try encoder(pretty: pretty).encode(value)
        guard pretty else { return data }
        // Foundation pretty-prints an empty array as "[\n\n  ]"; scripts and people read "[]".
        let text = String(decoding: data, as: UTF8.self)
            .replacingOccurrences(of: #"\[\s*\n\s*\]"#, with: "[]", options: .regularExpression)
        return Data(text.utf8)
    }

    /// RFC 3339 in UTC with milliseconds (the store's resolution): `2026-11-29T18:00:00.000Z`.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// A timestamp as `timestamp` writes it, or without fractional seconds.
    public static func parseTimestamp(_ text: String) -> Date? {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: .iso8601))
    }
}
