import Foundation

/// The text of `<name>.error.txt`: what went wrong, in words for the person who dropped
/// the file, not for a programmer.
package enum FailureNote {
    package static func text(name: DropName, inbox: InboxDescriptor, reason: String, at date: Date = Date()) -> Data {
        let note = """
            narformer could not use the file "\(name)" dropped into the inbox \
            "\(inbox.name)" (\(inbox.path)).

            What is wrong: \(reason)

            The file is kept here, unchanged. Once the problem is fixed, drop the file into \
            the inbox again.

            When: \(date.formatted(.iso8601))

            """
        return Data(note.utf8)
    }
}
