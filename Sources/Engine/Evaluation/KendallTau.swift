/// Kendall's tau-b by Knight (1966): sort by (x, y), count the discordant pairs as the
/// swaps a merge sort on y makes, and correct for ties from runs of equal values.
enum KendallTau {
    static func tauB(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "x and y differ in length")
        let n = x.count
        guard n >= 2 else { return .nan }
        let order = x.indices.sorted { x[$0] != x[$1] ? x[$0] < x[$1] : y[$0] < y[$1] }
        var ys = order.map { y[$0] }
        let xs = order.map { x[$0] }

        let totalPairs = n * (n - 1) / 2
        var tiedX = 0, tiedBoth = 0
        var runX = 1, runBoth = 1
        for i in 1..<n {
            if xs[i] == xs[i - 1] {
                runX += 1
                if ys[i] == ys[i - 1] { runBoth += 1 } else { tiedBoth += runBoth * (runBoth - 1) / 2; runBoth = 1 }
            } else {
                tiedX += runX * (runX - 1) / 2
                tiedBoth += runBoth * (runBoth - 1) / 2
                runX = 1
                runBoth = 1
            }
        }
        tiedX += runX * (runX - 1) / 2
        tiedBoth += runBoth * (runBoth - 1) / 2

        // Pairs ordered by x (ties in x already ordered by y) that the sort on y must
        // swap are exactly the discordant ones.
        let discordant = mergeSortCountingSwaps(&ys)

        var tiedY = 0, runY = 1
        for i in 1..<n {
            if ys[i] == ys[i - 1] { runY += 1 } else { tiedY += runY * (runY - 1) / 2; runY = 1 }
        }
        tiedY += runY * (runY - 1) / 2

        let concordantMinusDiscordant = totalPairs - tiedX - tiedY + tiedBoth - 2 * discordant
        let denominator = (Double(totalPairs - tiedX) * Double(totalPairs - tiedY)).squareRoot()
        guard denominator > 0 else { return .nan }
        return Double(concordantMinusDiscordant) / denominator
    }

    /// Stable bottom-up merge sort; returns the number of inversions (pairs with a > b, a before b).
    static func mergeSortCountingSwaps(_ values: inout [Double]) -> Int {
        let n = values.count
        var buffer = values
        var swaps = 0
        var width = 1
        while width < n {
            var start = 0
            while start < n {
                let mid = min(start + width, n), end = min(start + 2 * width, n)
                var i = start, j = mid, k = start
                while i < mid && j < end {
                    if values[j] < values[i] {
                        buffer[k] = values[j]
                        swaps += mid - i
                        j += 1
                    } else {
                        buffer[k] = values[i]
                        i += 1
                    }
                    k += 1
                }
                while i < mid { buffer[k] = values[i]; i += 1; k += 1 }
                while j < end { buffer[k] = values[j]; j += 1; k += 1 }
                start += 2 * width
            }
            swap(&values, &buffer)
            width *= 2
        }
        return swaps
    }
}
