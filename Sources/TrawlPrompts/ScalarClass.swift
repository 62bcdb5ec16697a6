/// Per-scalar facts the normaliser needs: width folding, case folding, and whether a scalar
/// is a letter, a CJK character (one token each) or neither.
///
/// Scalars below U+2000 (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic, Georgian,
/// Latin and Greek Extended, …) are looked up in a table built once from the standard
/// library's Unicode properties; above that, the properties are asked directly (rare in
/// practice, and correct if slower). Folding is *simple* case folding: one scalar to one
/// scalar (lower case, with final sigma folded to sigma and dotted capital I to `i`);
/// `ß` stays `ß`. No NFC/NFD composition is done: combining marks stay, as letters.
enum ScalarClass {
    /// Bit 31 of a table entry: the scalar is a letter (or a combining mark).
    static let letterBit: UInt32 = 1 << 31

    /// For each scalar below U+2000: its case fold in the low 21 bits, `letterBit` if a letter.
    static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 0x2000)
        for v in 0..<0x2000 {
            guard let s = Unicode.Scalar(UInt32(v)) else {
                t[v] = UInt32(v)
                continue
            }
            t[v] = foldSlow(s)
            let p = s.properties
            if p.isAlphabetic || (0x300..<0x370).contains(v) || p.generalCategory == .nonspacingMark
                || p.generalCategory == .spacingMark
            {
                t[v] |= letterBit
            }
        }
        return t
    }()

    /// The simple case fold of one scalar, from its lower-case mapping.
    static func foldSlow(_ s: Unicode.Scalar) -> UInt32 {
        switch s.value {
        case 0x3C2: return 0x3C3  // final sigma
        case 0x130: return 0x69  // capital I with dot above
        default: break
        }
        guard s.properties.changesWhenLowercased else { return s.value }
        let lower = s.properties.lowercaseMapping.unicodeScalars
        return lower.count == 1 ? lower.first!.value : s.value
    }

    /// Han ideographs, kana and the CJK iteration marks: written without spaces, so each is a token.
    @inline(__always) static func isCJK(_ v: UInt32) -> Bool {
        switch v {
        case 0x3005...0x3007, 0x3040...0x309F, 0x30A0...0x30FA, 0x30FC...0x30FF, 0x31F0...0x31FF, 0x3400...0x4DBF,
            0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3134F:
            return true
        default: return false
        }
    }

    /// Whether a non-ASCII scalar (not CJK) is part of a word.
    @inline(__always) static func isLetter(_ v: UInt32, _ table: UnsafeBufferPointer<UInt32>) -> Bool {
        if v < 0x2000 { return table[Int(v)] & letterBit != 0 }
        if v >= 0xAC00 && v <= 0xD7A3 { return true }  // Hangul syllables: words with spaces, like Latin
        guard let s = Unicode.Scalar(v) else { return false }
        return s.properties.isAlphabetic
    }

    /// The case fold of a non-ASCII scalar.
    @inline(__always) static func fold(_ v: UInt32, _ table: UnsafeBufferPointer<UInt32>) -> UInt32 {
        if v < 0x2000 { return table[Int(v)] & ~letterBit }
        if v >= 0xAC00 && v <= 0xD7A3 { return v }
        guard let s = Unicode.Scalar(v) else { return v }
        return foldSlow(s)
    }

    /// What width and compatibility folding makes of a non-ASCII scalar.
    enum Width {
        /// Keep the scalar as it is.
        case keep
        /// Replace it by this ASCII byte.
        case ascii(UInt8)
        /// Whitespace (`newline`: a line or paragraph separator).
        case space(newline: Bool)
        /// Drop it (zero-width characters, soft hyphen, byte-order mark).
        case drop
        /// An ellipsis: three full stops.
        case ellipsis
    }

    /// NFKC-like folding for the forms prompts actually contain: full-width ASCII (U+FF01–FF5E),
    /// the ideographic and other Unicode spaces, CJK full stop and comma, curly quotes and
    /// guillemets, dashes and the minus sign.
    @inline(__always) static func width(_ v: UInt32) -> Width {
        switch v {
        case 0xFF01...0xFF5E: return .ascii(UInt8(v - 0xFEE0))
        case 0x3000, 0x00A0, 0x1680, 0x2000...0x200A, 0x202F, 0x205F: return .space(newline: false)
        case 0x0085, 0x2028, 0x2029: return .space(newline: true)
        case 0x200B...0x200D, 0x2060, 0xFEFF, 0x00AD: return .drop
        case 0x3001, 0xFF64: return .ascii(UInt8(ascii: ","))
        case 0x3002, 0xFF61: return .ascii(UInt8(ascii: "."))
        case 0x201C...0x201F, 0x00AB, 0x00BB, 0x2033: return .ascii(UInt8(ascii: "\""))
        case 0x2018...0x201B, 0x2032: return .ascii(UInt8(ascii: "'"))
        case 0x2010...0x2015, 0x2212: return .ascii(UInt8(ascii: "-"))
        case 0x2026: return .ellipsis
        default: return .keep
        }
    }
}
