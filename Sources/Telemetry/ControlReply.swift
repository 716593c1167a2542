import JSONCore

/// Why a control message was refused: the one line sent back to whoever sent it.
public struct ControlRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The answer to one control line (PROTOCOL.md, "Control replies"): `{"ok":true,"line":N,"type":"set"}`
/// when it was performed, `{"ok":false,"line":N,"error":"…"}` when it was malformed or refused.
/// The headless control channel and the socket hub answer with it alike.
public struct ControlReply: Sendable, Equatable {
    /// The line answered (1-based, in the sender's stream).
    public var line: Int
    /// The performed message's type; nil when refused.
    public var type: String?
    /// Why the line was refused; nil when performed.
    public var refusal: String?

    /// A performed control message of kind `type`.
    public static func performed(_ type: String, line: Int) -> ControlReply { ControlReply(line: line, type: type, refusal: nil) }

    /// A refused or malformed line.
    public static func refused(_ reason: String, line: Int) -> ControlReply { ControlReply(line: line, type: nil, refusal: reason) }

    /// The reply to `message` on `line`, given what performing it gave.
    public static func answering(_ message: ControlMessage, line: Int, _ outcome: Result<Void, ControlRefusal>) -> ControlReply {
        switch outcome {
        case .success: .performed(message.command.typeName, line: line)
        case .failure(let refusal): .refused(refusal.message, line: line)
        }
    }

    /// The reply as one NDJSON line, newline included.
    public var jsonLine: String {
        var fields: [(String, JSONValue)] = [("ok", .bool(refusal == nil)), ("line", .number(Double(line)))]
        if let refusal { fields.append(("error", .string(refusal))) } else if let type { fields.append(("type", .string(type))) }
        return JSONValue.object(JSONObject(fields)).jsonText + "\n"
    }
}

extension ControlMessage {
    /// The refusal for a control line whose token is missing or wrong; nil when it matches `token`.
    public func tokenRefusal(expected token: String) -> ControlRefusal? {
        guard self.token != token else { return nil }
        return ControlRefusal(self.token == nil
            ? "refused: control lines need \"token\" (printed by trainscope at start as TRAINSCOPE_TOKEN)"
            : "refused: wrong token")
    }
}
