import JSONCore

// MARK: - Decoding

extension SpectrumEvent {
    init(_ r: inout JSONFieldReader) throws(JSONFieldError) {
        run = try r.optionalString("run")
        step = try r.int("step")
        time = try r.optionalDouble("time")
        top = try r.doubles("top")
        trace = try r.optionalDouble("trace")
        traceStderr = try r.optionalDouble("trace_stderr")
        if let object = try r.optionalObject("density") {
            var d = JSONFieldReader(object, path: "density.")
            let grid = try d.doubles("grid"), values = try d.doubles("values")
            guard grid.count == values.count else {
                throw d.invalid("values", "has \(values.count) entries for \(grid.count) grid points")
            }
            density = SpectralDensity(grid: grid, values: values, width: try d.optionalDouble("width"),
                                      moments: try d.optionalDoubles("moments"), momentStderr: try d.optionalDoubles("moment_stderr"))
        } else {
            density = nil
        }
        if let object = try r.optionalObject("ritz") {
            var n = JSONFieldReader(object, path: "ritz.")
            let nodes = try n.doubles("nodes"), weights = try n.doubles("weights")
            guard nodes.count == weights.count else {
                throw n.invalid("weights", "has \(weights.count) entries for \(nodes.count) nodes")
            }
            ritz = RitzNodes(nodes: nodes, weights: weights)
        } else {
            ritz = nil
        }
        estimator = try r.optionalObject("estimator") ?? JSONObject()
        if let object = try r.optionalObject("cost") {
            var c = JSONFieldReader(object, path: "cost.")
            cost = SpectrumCost(hvps: try c.int("hvps"), seconds: try c.double("seconds"))
        } else {
            cost = nil
        }
        block = try r.optionalString("block")
        extra = r.unread
    }
}

// MARK: - Encoding

extension SpectrumEvent {
    /// Writes the fields after `v` and `type`, in the order PROTOCOL.md lists them, unknown ones last.
    func encode(into o: inout JSONObject) {
        o["run"] = run.map(JSONValue.string)
        o["step"] = .number(Double(step))
        o["time"] = time.map(JSONValue.number)
        o["block"] = block.map(JSONValue.string)
        o["top"] = .numbers(top)
        o["trace"] = trace.map(JSONValue.number)
        o["trace_stderr"] = traceStderr.map(JSONValue.number)
        if let d = density {
            var density = JSONObject([("grid", .numbers(d.grid)), ("values", .numbers(d.values))])
            density["width"] = d.width.map(JSONValue.number)
            density["moments"] = d.moments.map(JSONValue.numbers)
            density["moment_stderr"] = d.momentStderr.map(JSONValue.numbers)
            o["density"] = .object(density)
        }
        if let r = ritz {
            o["ritz"] = .object(JSONObject([("nodes", .numbers(r.nodes)), ("weights", .numbers(r.weights))]))
        }
        if !estimator.isEmpty { o["estimator"] = .object(estimator) }
        if let c = cost {
            o["cost"] = .object(JSONObject([("hvps", .number(Double(c.hvps))), ("seconds", .number(c.seconds))]))
        }
        o.merge(extra)
    }
}
