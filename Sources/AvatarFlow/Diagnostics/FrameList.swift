/// Short lists of frame numbers for messages.
public enum FrameList {
    /// Ascending frame numbers as ranges, e.g. "0–4, 9, 12–13" (at most 12 items, then "…").
    public static func describe(_ frames: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        let sorted = frames.sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count, sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == index ? "\(sorted[index])" : "\(sorted[index])–\(sorted[end])")
            index = end + 1
        }
        return parts.count > 12 ? parts.prefix(12).joined(separator: ", ") + ", …" : parts.joined(separator: ", ")
    }
}
