import Foundation
@testable import Engine

/// The reference implementation's golden numbers (Fixtures/reference), decoded.
struct ReferenceFixture: Decodable {
    struct Config: Decodable {
        let in_dim, hidden, layers, groups, ffn_ratio, fc_hidden, static_dim: Int
        let use_degree: Bool
        let readout: String
    }

    struct Graph: Decodable {
        let nodes: Int
        let edges: [[Int]]
        let x: [Double]
        let `static`: [Double]?
        let target: Double
        let prediction: Double
    }

    struct Tensor: Decodable {
        let shape: [Int]
        let data: [Double]
    }

    let mode: String
    let config: Config
    let graphs: [Graph]
    let loss: Double
    let params: [String: Tensor]
    let grads: [String: Tensor]
    let params_after_adam: [String: Tensor]

    static func load(_ name: String) throws -> ReferenceFixture {
        guard let url = Bundle.module.url(forResource: "Fixtures/reference/\(name)", withExtension: "json") else {
            throw EngineError.invalidBatch("fixture \(name) is missing from the test bundle")
        }
        return try JSONDecoder().decode(ReferenceFixture.self, from: Data(contentsOf: url))
    }

    var modelConfig: ModelConfig {
        ModelConfig(kind: mode == "latency" ? .latency : .accuracy, inDim: config.in_dim, hidden: config.hidden,
                    layers: config.layers, groups: config.groups, ffnRatio: config.ffn_ratio,
                    fcHidden: config.fc_hidden, staticDim: mode == "latency" ? config.static_dim : 0,
                    useDegree: config.use_degree, readout: config.readout == "sum" ? .sum : .mean, dropout: 0)
    }

    var tokenGraphs: [TokenGraph] {
        graphs.map { g in
            TokenGraph(nodeCount: g.nodes, tokenDim: config.in_dim, tokens: g.x.map { Float($0) },
                       edges: g.edges.map { UndirectedEdge($0[0], $0[1]) },
                       staticFeatures: (g.static ?? []).map { Float($0) })
        }
    }

    var targets: [Float] { graphs.map { Float($0.target) } }

    /// A model of the fixture's configuration holding the fixture's weights.
    func model() throws -> NARFormerModel {
        let model = try NARFormerModel(config: modelConfig, seed: 1)
        for (name, tensor) in params { try model.setTensor(named: name, values: tensor.data.map { Float($0) }) }
        return model
    }
}
