import Foundation

/// The secret every control line must carry: `TRAINSCOPE_TOKEN` from the environment when set
/// (so a launcher can hand the same value to trainscope and its producers), else 128 random bits.
public enum SessionToken {
    /// The token for this process.
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let given = environment["TRAINSCOPE_TOKEN"], !given.isEmpty { return given }
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let word = String(UInt32.random(in: .min ... .max, using: &generator), radix: 16)
            return String(repeating: "0", count: 8 - word.count) + word
        }.joined()
    }

    /// The start-up line for a listener: where it is and how a client gets the token.
    public static func banner(address: String, token: String?) -> String {
        guard let token else { return "trainscope: listening on \(address) (read-only: control is disabled)" }
        return "trainscope: listening on \(address) — export TRAINSCOPE_TOKEN=\(token)"
    }
}
