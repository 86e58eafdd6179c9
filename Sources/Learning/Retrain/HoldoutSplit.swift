import Crypto
import Foundation

/// Which measurements judge candidates rather than train them.
///
/// Membership is decided by the measured graph's hash, not by when a measurement came or
/// by a random draw: the same graph is on the same side in every retrain (so versions are
/// compared on the same ground and the holdout only grows), and all measurements of one
/// network are on one side (a network trained on is never also used to judge).
package struct HoldoutSplit: Sendable {
    /// Share of graphs held out, strictly between 0 and 1.
    package var share: Double

    package init(share: Double) {
        self.share = share
    }

    package func isHoldout(graphHash: String) -> Bool {
        let digest = SHA256.hash(data: Data("narformer holdout v1\n\(graphHash)".utf8))
        var value: UInt64 = 0
        for byte in digest.prefix(8) { value = value << 8 | UInt64(byte) }
        // The top 53 bits as a uniform number in [0, 1).
        return Double(value >> 11) / Double(UInt64(1) << 53) < share
    }
}
