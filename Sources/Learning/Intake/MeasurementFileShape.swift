import CYaml
import Foundation

/// How many records and YAML nodes a measurement file holds, counted from libyaml's event
/// stream before any node is built.
///
/// Building the document first (as `Yams.compose` does) costs memory for every node, and
/// every alias stands for a whole record: a few megabytes of `- *record` lines make half a
/// million records. Counting events takes constant memory and a few milliseconds per
/// megabyte, so a file beyond the caps is refused before it costs anything. An alias is
/// counted as the one record (or node) it stands for where it is used.
struct MeasurementFileShape {
    /// Items of the list under the root's key (each alias counted once, as its record).
    var records = 0
    /// Scalars, aliases, lists and mappings of the whole file.
    var nodes = 0
    /// Whether the count stopped early because a cap was passed.
    var stoppedEarly = false

    /// The most nodes a record needs: a mapping of at most eight keys and values.
    static let nodesPerRecord = 17

    /// Counts until `maxRecords` records or their worth of nodes are passed. nil when
    /// libyaml cannot read the text (the composer then reports the syntax error).
    static func count(_ text: String, maxRecords: Int) -> MeasurementFileShape? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let maxNodes = maxRecords.multipliedReportingOverflow(by: nodesPerRecord).overflow
            ? Int.max : maxRecords * nodesPerRecord + 8
        var shape = MeasurementFileShape()
        return text.utf8CString.withUnsafeBufferPointer { buffer -> MeasurementFileShape? in
            buffer.withMemoryRebound(to: UInt8.self) { bytes in
                yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count - 1)
                var depth = 0
                while true {
                    var event = yaml_event_t()
                    guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                    defer { yaml_event_delete(&event) }
                    switch event.type {
                    case YAML_STREAM_END_EVENT:
                        return shape
                    case YAML_ALIAS_EVENT, YAML_SCALAR_EVENT:
                        shape.nodes += 1
                        if depth == 2 { shape.records += 1 }
                    case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                        shape.nodes += 1
                        if depth == 2 { shape.records += 1 }
                        depth += 1
                    case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                        depth -= 1
                    default:
                        break
                    }
                    if shape.records > maxRecords || shape.nodes > maxNodes {
                        shape.stoppedEarly = true
                        return shape
                    }
                }
            }
        }
    }
}
