/// The yardsticks the paper reports (MAPE, Acc(10%), Kendall tau, Spearman). Inputs are parallel arrays of equal length;
/// `measured` values are positive (relative errors divide by them).
public enum Metrics {
    /// Mean absolute percentage error, as a fraction (0.1 = 10%).
    public static func mape(predicted: [Double], measured: [Double]) -> Double {
        precondition(predicted.count == measured.count, "predicted and measured differ in length")
        guard !measured.isEmpty else { return .nan }
        var sum = 0.0
        for i in measured.indices { sum += abs(predicted[i] - measured[i]) / measured[i] }
        return sum / Double(measured.count)
    }

    /// Acc(d): the share of samples whose relative error is at most `tolerance` (0.1 = 10%).
    public static func accuracy(within tolerance: Double, predicted: [Double], measured: [Double]) -> Double {
        precondition(predicted.count == measured.count, "predicted and measured differ in length")
        guard !measured.isEmpty else { return .nan }
        // A hair of slack so a prediction exactly on the boundary (1.1 for 1.0) counts
        // despite binary rounding of the decimal tolerance.
        let limit = tolerance * (1 + 1e-12)
        var hits = 0
        for i in measured.indices where abs(predicted[i] - measured[i]) / measured[i] <= limit { hits += 1 }
        return Double(hits) / Double(measured.count)
    }

    /// Kendall's tau-b (ties in either variable handled), in O(n log n) by Knight's
    /// algorithm. NaN when either variable is constant.
    public static func kendallTau(_ x: [Double], _ y: [Double]) -> Double {
        KendallTau.tauB(x, y)
    }

    /// Spearman's rho: Pearson correlation of the ranks, ties given their average rank.
    /// NaN when either variable is constant.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "x and y differ in length")
        return pearson(averageRanks(x), averageRanks(y))
    }

    /// 1-based ranks; a group of tied values each get the mean of the ranks they span.
    public static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
            let rank = Double(start + end + 1) / 2 // mean of (start+1)...end
            for k in start..<end { ranks[order[k]] = rank }
            start = end
        }
        return ranks
    }

    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "x and y differ in length")
        guard x.count >= 2 else { return .nan }
        let n = Double(x.count)
        let meanX = x.reduce(0, +) / n
        let meanY = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            let dx = x[i] - meanX, dy = y[i] - meanY
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return .nan }
        return sxy / (sxx * syy).squareRoot()
    }
}
