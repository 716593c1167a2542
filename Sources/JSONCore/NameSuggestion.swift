// "Did you mean" for names a user typed (config keys, metric names in rules), and names quoted
// in one-line messages. Both stay cheap whatever the input: a 100 KB key is neither compared
// with every known name nor copied into an error line.

/// Levenshtein distance over Unicode scalars.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var previous = row[0]
        row[0] = i
        for j in 1...b.count {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}

/// The known name nearest to `name` when it is within `maxDistance` edits; nil otherwise. Names
/// whose lengths alone differ by more than that are not compared.
public func nearestName(to name: String, among known: [String], within maxDistance: Int) -> String? {
    let length = name.unicodeScalars.count
    var best: (name: String, distance: Int)?
    for candidate in known where abs(candidate.unicodeScalars.count - length) <= maxDistance {
        let distance = editDistance(name, candidate)
        if distance <= maxDistance && distance < (best?.distance ?? .max) { best = (candidate, distance) }
    }
    return best?.name
}

extension String {
    /// At most `limit` characters of the string, with "…" when cut: for quoting data in messages.
    public func abbreviated(_ limit: Int = 60) -> String {
        var end = startIndex
        var count = 0
        while end < endIndex && count < limit {
            formIndex(after: &end)
            count += 1
        }
        return end == endIndex ? self : String(self[..<end]) + "…"
    }
}
