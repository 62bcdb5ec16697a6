/// The candidate closest to a misspelt name, if one is close enough to be a likely typo.
///
/// Closeness is the Levenshtein distance; at most 1 edit for names up to 4 characters,
/// then one more per 4 characters, never more than 3.
/// - Complexity: O(candidates × n × m).
func closestName(to name: String, among candidates: some Sequence<String>) -> String? {
    let limit = min(3, max(1, name.count / 4))
    var best: (String, Int)? = nil
    for candidate in candidates {
        let d = editDistance(name, candidate)
        if d <= limit, d < (best?.1 ?? .max) { best = (candidate, d) }
    }
    return best?.0
}

/// Levenshtein distance between two strings, in characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var row = Array(repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        row[0] = i
        for j in 1...b.count {
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &row)
    }
    return previous[b.count]
}
