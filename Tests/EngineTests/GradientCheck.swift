import XCTest
@testable import Engine

/// Central finite differences in float32 with the loss summed in Double: a step of 1e-2
/// keeps rounding noise near 1e-4 of the derivative for these O(1) functions, so a
/// tolerance of 2% relative (plus 2e-3 absolute) passes every correct gradient and still
/// fails a wrong sign, a missing factor or a dropped term.
enum GradientCheck {
    static let step: Float = 1e-2

    /// Checks `analytic` = d loss / d values at `values`, perturbing every entry.
    static func check(_ label: String, values: [Float], analytic: [Float], step: Float = GradientCheck.step,
                      loss: ([Float]) -> Double,
                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(values.count, analytic.count, label, file: file, line: line)
        var v = values
        var worst = 0.0
        for i in 0..<v.count {
            let keep = v[i]
            v[i] = keep + step
            let up = loss(v)
            v[i] = keep - step
            let down = loss(v)
            v[i] = keep
            let numeric = (up - down) / Double(2 * step)
            let a = Double(analytic[i])
            let err = abs(numeric - a) / (0.02 * max(abs(numeric), abs(a)) + 2e-3)
            worst = max(worst, err)
            if err > 1 {
                XCTFail("\(label)[\(i)]: analytic \(a), numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }

    /// Checks every parameter tensor of `model` (whose gradients a backward pass has just
    /// filled) against central differences of `loss`, each tensor restored after.
    static func checkEveryParameter(of model: NARFormerModel, _ label: String, step: Float = 1e-3,
                                    loss: () -> Double,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        for e in model.parameterTable.entries {
            let analytic = try XCTUnwrap(model.gradient(named: e.name), file: file, line: line)
            let values = try XCTUnwrap(model.tensor(named: e.name), file: file, line: line)
            check("\(label) \(e.name)", values: values, analytic: analytic, step: step, loss: { v in
                try? model.setTensor(named: e.name, values: v)
                defer { try? model.setTensor(named: e.name, values: values) }
                return loss()
            }, file: file, line: line)
        }
    }

    /// Deterministic pseudo-random values in [-scale, scale).
    static func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in rng.nextSymmetric(scale) }
    }

    /// sum(w * y) in Double: the scalar whose gradient wrt y is w.
    static func weightedSum(_ y: [Float], _ w: [Float]) -> Double {
        zip(y, w).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
}
