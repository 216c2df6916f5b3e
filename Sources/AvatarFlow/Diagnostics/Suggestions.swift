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

    /// Levenshtein distance between two strings (insert, delete, substitute each cost 1).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
