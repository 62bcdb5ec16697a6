/// Splits CSV text (RFC 4180) into records, each with the line it starts on.
///
/// Hand-written rather than taken from SwiftCSV or CSV.swift: intel lists need the
/// line of every record (a quoted field may span lines) and a precise error for
/// malformed quoting, and neither library reports positions; CSV.swift accepts stray
/// quotes silently and SwiftCSV trims spaces between fields.
///
/// Rules: fields are separated by `,` and records by LF or CRLF; a field that starts with
/// `"` is quoted and may hold commas, line breaks and `""` (one quote); a quote anywhere
/// else, or text after a closing quote, is an error. A UTF-8 byte-order mark is skipped;
/// blank lines are skipped. After an error the reader resumes at the next line.
struct CSVRecordReader {
    enum Item {
        case record(line: Int, fields: [String])
        case failure(line: Int, reason: String)
    }

    /// Every record and error of `bytes`, in order.
    /// - Complexity: O(n) in the byte count.
    static func read(_ bytes: [UInt8]) -> [Item] {
        var items: [Item] = []
        var i = 0
        let n = bytes.count
        if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
        var line = 1
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

        /// Moves `i` past the end of the current line (for resuming after an error).
        func skipLine() {
            while i < n && bytes[i] != lf { i += 1 }
            if i < n {
                i += 1
                line += 1
            }
        }

        recordLoop: while i < n {
            let start = line
            var fields: [String] = []
            var field: [UInt8] = []
            // One field per iteration; the record ends at a line break or the end of input.
            while true {
                field.removeAll(keepingCapacity: true)
                if i < n && bytes[i] == quote {
                    let opened = line
                    i += 1
                    var closed = false
                    while i < n {
                        let c = bytes[i]
                        if c == quote {
                            if i + 1 < n && bytes[i + 1] == quote {
                                field.append(quote)
                                i += 2
                                continue
                            }
                            i += 1
                            closed = true
                            break
                        }
                        if c == lf { line += 1 }
                        field.append(c)
                        i += 1
                    }
                    if !closed {
                        items.append(.failure(line: opened, reason: "quoted field never closed (a \" opened on line \(opened))"))
                        break recordLoop
                    }
                    if i < n && bytes[i] != comma && bytes[i] != lf && !(bytes[i] == cr && i + 1 < n && bytes[i + 1] == lf) {
                        items.append(.failure(line: line, reason: "text after the closing quote of field \(fields.count + 1)"))
                        skipLine()
                        continue recordLoop
                    }
                } else {
                    while i < n && bytes[i] != comma && bytes[i] != lf {
                        if bytes[i] == cr && i + 1 < n && bytes[i + 1] == lf { break }
                        if bytes[i] == quote {
                            items.append(
                                .failure(
                                    line: line,
                                    reason: "a \" inside unquoted field \(fields.count + 1) (quote the whole field and double inner quotes)"
                                ))
                            skipLine()
                            continue recordLoop
                        }
                        field.append(bytes[i])
                        i += 1
                    }
                }
                guard let text = String(validating: field, as: UTF8.self) else {
                    items.append(.failure(line: start, reason: "field \(fields.count + 1) is not valid UTF-8"))
                    skipLine()
                    continue recordLoop
                }
                fields.append(text)
                if i < n && bytes[i] == comma {
                    i += 1
                    continue
                }
                // End of record: CRLF, LF or end of input.
                if i < n && bytes[i] == cr { i += 1 }
                if i < n && bytes[i] == lf {
                    i += 1
                    line += 1
                }
                break
            }
            if fields.count == 1 && fields[0].isEmpty { continue }  // a blank line
            items.append(.record(line: start, fields: fields))
        }
        return items
    }
}
