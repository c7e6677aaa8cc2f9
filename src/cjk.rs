//! Character classes of writing systems, shared by `text`, `seed`, `annotate` and `render`.
//!
//! Input: a `char`. Output: whether it belongs to a script written without
//! spaces between words (CJK). Must not depend on any other module.

/// Whether `c` belongs to a script written without spaces (CJK ideographs,
/// kana, CJK punctuation and full-width forms, Chinese quotation marks).
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}'   // radicals
        | '\u{3000}'..='\u{303F}' // CJK symbols and punctuation
        | '\u{3040}'..='\u{30FF}' // kana
        | '\u{3100}'..='\u{312F}' // bopomofo
        | '\u{3190}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}' // extension A
        | '\u{4E00}'..='\u{9FFF}' // unified ideographs
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{FE30}'..='\u{FE4F}' // compatibility forms
        | '\u{FF00}'..='\u{FFEF}' // half- and full-width forms
        | '\u{20000}'..='\u{3134F}' // extensions B–G
        | '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{2019}' | '\u{2026}' | '\u{2014}' // “”‘’…—
    )
}

/// Punctuation that must not start a line: closing CJK marks (full stop,
/// commas, colon, semicolon, closing brackets and quotation marks, ellipses)
/// and their Latin counterparts.
pub fn is_closing(c: char) -> bool {
    matches!(
        c,
        '\u{3001}'
            | '\u{3002}'
            | '\u{FF0C}'
            | '\u{FF0E}'
            | '\u{FF1A}'
            | '\u{FF1B}'
            | '\u{FF01}'
            | '\u{FF1F}'
            | '\u{FF09}'
            | '\u{300D}'
            | '\u{300F}'
            | '\u{3009}'
            | '\u{300B}'
            | '\u{3011}'
            | '\u{3015}'
            | '\u{3017}'
            | '\u{201D}'
            | '\u{2019}'
            | '\u{2026}'
            | '\u{2025}'
            | '\u{00BB}'
            | '.'
            | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | ')'
            | ']'
            | '}'
    )
}

#[cfg(test)]
mod tests {
    use super::is_cjk;

    #[test]
    fn classes() {
        for c in ['中', '，', '。', '“', 'ア', 'ー'] {
            assert!(is_cjk(c), "{c}");
        }
        for c in ['a', '1', ',', ' ', 'é'] {
            assert!(!is_cjk(c), "{c}");
        }
    }
}
