import Foundation

/// Checks a JSON value against the subset of JSON Schema that narformer's documented
/// schemas use: type, required, properties, additionalProperties: false, items, enum,
/// minimum, pattern and format date-time. Returns one line per problem (none: valid).
package enum SchemaCheck {
    package static func problems(_ value: Any, against schema: [String: Any], at path: String = "$") -> [String] {
        var problems: [String] = []
        if let type = schema["type"] as? String, !matches(value, type) {
            return ["\(path): expected \(type), found \(value)"]
        }
        if let allowed = schema["enum"] as? [String], let text = value as? String, !allowed.contains(text) {
            problems.append("\(path): '\(text)' is not one of \(allowed)")
        }
        if let minimum = schema["minimum"] as? Double, let number = (value as? NSNumber)?.doubleValue, number < minimum {
            problems.append("\(path): \(number) is below \(minimum)")
        }
        if let text = value as? String {
            if let pattern = schema["pattern"] as? String, text.range(of: pattern, options: .regularExpression) == nil {
                problems.append("\(path): '\(text)' does not match \(pattern)")
            }
            if schema["format"] as? String == "date-time",
               (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) == nil,
               (try? Date(text, strategy: .iso8601)) == nil {
                problems.append("\(path): '\(text)' is not an RFC 3339 date-time")
            }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path): missing '\(key)'")
            }
            for (key, member) in object {
                if let property = properties[key] {
                    problems += Self.problems(member, against: property, at: path + "." + key)
                } else if schema["additionalProperties"] as? Bool == false {
                    problems.append("\(path): '\(key)' is not in the schema")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { problems += Self.problems(item, against: items, at: "\(path)[\(index)]") }
        }
        return problems
    }

    private static func matches(_ value: Any, _ expected: String) -> Bool {
        switch expected {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean": return type(of: value) == Bool.self
        case "integer":
            guard type(of: value) != Bool.self, let number = value as? NSNumber else { return false }
            return number.doubleValue == number.doubleValue.rounded()
        case "number": return type(of: value) != Bool.self && value is NSNumber
        case "null": return value is NSNull
        default: return false
        }
    }
}
