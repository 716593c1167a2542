import ArgumentParser
import Curvature
import Foundation
import JSONCore
import Telemetry
import TensorCore
import Training

/// `trainscope hessian`: the curvature of a saved checkpoint's training loss.
struct HessianCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hessian",
        abstract: "Analyze a checkpoint's Hessian: top-k eigenvalues, trace, spectral density.",
        discussion: """
        The Hessian is that of the mean training loss over the full training set the checkpoint's \
        metadata names, computed in Float64 with exact Hessian-vector products.
        """
    )

    @Argument(help: "A safetensors checkpoint written by `trainscope run --checkpoint-dir`.")
    var checkpoint: String

    @Option(help: ArgumentHelp("Restrict to one layer's diagonal block (e.g. out, embed_a).", valueName: "layer"))
    var block: String?

    @Option(help: "Number of top eigenvalues (largest first).")
    var topK: Int = 5

    @Flag(help: "Estimate the trace (Hutch++), or compute it exactly with --exact.")
    var trace = false

    @Flag(help: "Estimate the spectral density by stochastic Lanczos quadrature.")
    var density = false

    @Flag(help: "Diagonalize the full Hessian (n products and n² memory; at most 4096 parameters).")
    var exact = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Hessian-vector products for the Hutch++ trace.")
    var traceProducts: Int = 60

    @Option(help: "Density probes.")
    var probes: Int = 10

    @Option(help: "Lanczos steps per density probe.")
    var iterations: Int = 80

    @Option(help: "Seed of the random probes.")
    var seed: UInt64 = 0

    static let exactLimit = 4096

    func validate() throws {
        guard topK >= 1 else { throw ValidationError("--top-k must be ≥ 1") }
        guard traceProducts >= 6 else { throw ValidationError("--trace-products must be ≥ 6") }
        guard probes >= 1, iterations >= 2 else { throw ValidationError("--probes must be ≥ 1 and --iterations ≥ 2") }
    }

    func run() throws {
        let state: TrainerState
        do { state = try Checkpoint.load(path: checkpoint) } catch {
            printError("trainscope: error: \(error.message)")
            throw ExitCode(1)
        }
        let task = TaskFactory.make(state.config)
        let model = task.model, train = task.train
        let parameters = state.parameters.converted(to: .float64)
        let hessian: SymmetricOperator
        if let block {
            guard let restricted = task.hessian(at: parameters, block: block) else {
                printError("trainscope: error: no layer '\(block)' in \(model.description) (layers: \(model.layout.layers.joined(separator: ", ")))")
                throw ExitCode(2)
            }
            hessian = restricted
        } else {
            hessian = task.hessian(at: parameters)
        }
        if exact && hessian.dimension > Self.exactLimit {
            printError("trainscope: error: --exact needs \(hessian.dimension) products and a \(hessian.dimension)² matrix; it is limited to \(Self.exactLimit) parameters (use the estimates without --exact, or --block)")
            throw ExitCode(2)
        }
        var rng = SeededRNG(seed: seed)
        let started = Date()
        var report = JSONObject([
            ("checkpoint", .string(checkpoint)), ("step", .number(Double(state.step))), ("task", .string(task.description)),
            ("model", .string(model.description)), ("parameters", .number(Double(parameters.count))),
            ("examples", .number(Double(train.count))), ("block", block.map(JSONValue.string) ?? .null),
            ("dimension", .number(Double(hessian.dimension))),
        ])
        var lines = ["\(checkpoint): step \(state.step), \(task.description), \(model.description), \(parameters.count) parameters, \(train.count) training examples"]
        if let block { lines.append("block \(block): \(hessian.dimension) parameters") }

        var spectrum: [Double]?
        if exact {
            guard let dense = denseSpectrum(hessian) else {
                printError("trainscope: error: LAPACK could not diagonalize the Hessian")
                throw ExitCode(1)
            }
            spectrum = dense.values
            let top = Array(dense.values.reversed().prefix(topK))
            report["top"] = .numbers(top)
            report["top_method"] = .string("dense (dsyevd)")
            report["eigenvalues"] = .numbers(dense.values)
            lines.append("top-\(top.count) eigenvalues (exact): \(Self.format(top))")
            lines.append("smallest eigenvalue: \(Self.format([dense.values.first ?? 0]))")
        } else {
            let top = topEigenpairs(hessian, k: topK, tolerance: 1e-8, findMultiplicities: true, rng: &rng)
            report["top"] = .numbers(top.values)
            report["top_method"] = .string("lanczos")
            report["top_residuals"] = .numbers(top.residuals)
            report["top_hvps"] = .number(Double(top.products))
            lines.append("top-\(top.values.count) eigenvalues (Lanczos, \(top.products) HVPs): \(Self.format(top.values))")
        }
        if trace {
            if let spectrum {
                let value = spectrum.reduce(0, +)
                report["trace"] = .object(JSONObject([("value", .number(value)), ("stderr", .number(0)), ("method", .string("exact"))]))
                lines.append("trace (exact): \(Self.format([value]))")
            } else {
                let estimate = hutchPlusPlusTrace(hessian, products: traceProducts, rng: &rng)
                report["trace"] = .object(JSONObject([
                    ("value", .number(estimate.value)), ("stderr", .number(estimate.standardError)),
                    ("method", .string("hutch++")), ("hvps", .number(Double(estimate.products))),
                ]))
                lines.append("trace (Hutch++, \(estimate.products) HVPs): \(Self.format([estimate.value])) ± \(Self.format([estimate.standardError]))")
            }
        }
        if density {
            let estimate = spectralDensity(hessian, probes: probes, iterations: iterations, rng: &rng)
            report["density"] = .object(JSONObject([
                ("grid", .numbers(estimate.grid)), ("values", .numbers(estimate.density)), ("width", .number(estimate.width)),
                ("nodes", .numbers(estimate.nodes)), ("weights", .numbers(estimate.weights)),
                ("probes", .number(Double(estimate.probes))), ("iterations", .number(Double(estimate.iterations))),
                ("hvps", .number(Double(estimate.products))), ("moments", .numbers(estimate.moments)),
                ("moment_stderr", .numbers(estimate.momentStandardErrors)),
            ]))
            let low = estimate.grid.first ?? 0, high = estimate.grid.last ?? 0
            lines.append("density (SLQ \(estimate.probes)×\(estimate.iterations), \(estimate.products) HVPs): \(estimate.grid.count) points over [\(Self.format([low])), \(Self.format([high]))], σ = \(Self.format([estimate.width]))")
            lines.append(Self.sparkline(estimate.density))
            lines.append("moments: tr(H)/n = \(Self.format([estimate.moments[0]])) ± \(Self.format([estimate.momentStandardErrors[0]])), tr(H²)/n = \(Self.format([estimate.moments[1]])) ± \(Self.format([estimate.momentStandardErrors[1]])) (over \(estimate.probes) probes)")
        }
        let seconds = Date().timeIntervalSince(started)
        report["cost"] = .object(JSONObject([("hvps", .number(Double(hessian.products))), ("seconds", .number((seconds * 1000).rounded() / 1000))]))
        lines.append("cost: \(hessian.products) Hessian-vector products, \(String(format: "%.2f", seconds)) s")
        print(json ? JSONValue.object(report).jsonText : lines.joined(separator: "\n"))
    }

    static func format(_ values: [Double]) -> String {
        values.map { String(format: abs($0) >= 1e4 || (abs($0) < 1e-3 && $0 != 0) ? "%.4e" : "%.5g", $0) }.joined(separator: ", ")
    }

    /// The density as one line of block characters (a quick look in a terminal).
    static func sparkline(_ values: [Double]) -> String {
        let blocks = Array(" ▁▂▃▄▅▆▇█")
        let width = 72, peak = max(values.max() ?? 0, 1e-300)
        return String((0..<width).map { i -> Character in
            let from = i * values.count / width, to = max(from + 1, (i + 1) * values.count / width)
            let v = values[from..<min(to, values.count)].max() ?? 0
            return blocks[min(blocks.count - 1, Int((v / peak).squareRoot() * Double(blocks.count - 1) + 0.5))]
        })
    }
}
