import XCTest
import Config

/// How an inbox is watched: inotify with a periodic rescan, or polling for network file systems.
final class ConfigWatchTests: ConfigTestCase {
    private func inboxes(_ lines: String) -> String {
        Self.minimal + "\ninboxes:\n  - name: a\n    path: in/a\n    platform: cpu\n" + lines
    }

    func testDefaultsAreInotifyWithARescanEveryFiveMinutes() throws {
        let config = try XCTUnwrap(check(inboxes("")).config)
        XCTAssertEqual(config.inboxes[0].watch, .inotify)
        XCTAssertEqual(config.inboxes[0].rescanInterval, .seconds(300))
        XCTAssertEqual(config.inboxes[0].pollInterval, .seconds(2))
    }

    func testExplicitValuesAreRead() throws {
        let config = try XCTUnwrap(check(inboxes("""
                watch: poll
                poll_interval: 500ms
                rescan_interval: 1m
            """)).config)
        XCTAssertEqual(config.inboxes[0].watch, .poll)
        XCTAssertEqual(config.inboxes[0].pollInterval, .milliseconds(500))
        XCTAssertEqual(config.inboxes[0].rescanInterval, .seconds(60))
        let inotify = try XCTUnwrap(check(inboxes("    watch: inotify\n    rescan_interval: 30s\n")).config)
        XCTAssertEqual(inotify.inboxes[0].watch, .inotify)
        XCTAssertEqual(inotify.inboxes[0].rescanInterval, .seconds(30))
    }

    func testUnknownWatchModeIsNamedWithTheChoices() {
        let issue = onlyIssue(inboxes("    watch: pol\n"))
        assertIssue(issue, line: 11, column: 12, keyPath: "inboxes[0].watch", contains: "'pol' is not one of: inotify, poll")
        XCTAssertTrue(issue?.message.contains("did you mean 'poll'?") ?? false, "\(String(describing: issue))")
    }

    func testIntervalsTooShortOrWithoutUnitAreRefused() {
        assertIssue(onlyIssue(inboxes("    rescan_interval: 500ms\n")), line: 11, column: 22,
                    keyPath: "inboxes[0].rescan_interval", contains: "too short: it must be at least 1s")
        assertIssue(onlyIssue(inboxes("    rescan_interval: 300\n")), line: 11, column: 22,
                    keyPath: "inboxes[0].rescan_interval", contains: "has no unit")
        assertIssue(onlyIssue(inboxes("    watch: poll\n    poll_interval: 10ms\n")), line: 12, column: 20,
                    keyPath: "inboxes[0].poll_interval", contains: "too short: it must be at least 100ms")
    }

    func testPollIntervalWithoutPollModeIsAnError() {
        let issue = onlyIssue(inboxes("    poll_interval: 1s\n"))
        assertIssue(issue, line: 11, column: 20, keyPath: "inboxes[0].poll_interval",
                    contains: "poll_interval applies only to an inbox with watch: poll")
        // With an invalid `watch:` only that one is reported.
        XCTAssertEqual(check(inboxes("    watch: nfs\n    poll_interval: 1s\n")).issues.count, 1)
    }

    func testShownConfigKeepsTheWatchKeys() throws {
        let yaml = inboxes("    watch: poll\n    poll_interval: 250ms\n    rescan_interval: 10m\n")
        let config = try XCTUnwrap(check(yaml).config)
        let shown = try config.renderedYAML()
        XCTAssertTrue(shown.contains("watch: poll"), shown)
        XCTAssertTrue(shown.contains("poll_interval: 250ms"), shown)
        XCTAssertEqual(try NarformerConfig.parse(yaml: shown, file: "shown.yaml", baseDirectory: "/nowhere",
                                                 checkFileSystem: false), config)
        let plain = try XCTUnwrap(check(inboxes("")).config)
        XCTAssertFalse(try plain.renderedYAML().contains("poll_interval"), "poll_interval is shown only for watch: poll")
    }
}
