/// "Did you mean" suggestions from edit distance, used by every unknown-name diagnostic.
public enum Suggestions {
    /// The candidate closest to `name` if it is plausibly a typo (distance ≤ max(2, len/3)), else nil.
    public static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        let limit = max(2, name.count / 3)
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(name.lowercased(), candidate.lowercased())
            if distance <= limit, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// A hint line: "did you mean 'x'?" when a close candidate exists, else the list of valid names.
    public static func hint(for name: String, in candidates: [String], noun: String) -> String {
        if let match = closest(to: name, in: candidates) { return "did you mean '\(match)'?" }
        if candidates.isEmpty { return "there are no \(noun)s here" }
        let shown = candidates.sorted().prefix(12).joined(separator: ", ")
        return "valid \(noun)s: \(shown)\(candidates.count > 12 ? ", …" : "")"
    }

    /// Edit distance counting an insertion, deletion, substitution or swap of two neighbouring
    /// characters as 1 (optimal string alignment), so typos like "slwo" → "slow" rank first.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
