//! Names in the text that have no profile and no note: warnings for editors.
//!
//! Input: the linked chapters (reading text, anchored notes), every entity
//! mention, and the edition's `check:` settings. Output: one warning per
//! chapter and name, at the name's first uncovered occurrence in the chapter
//! file, for (a) Latin proper names — a capital letter followed by lower-case
//! letters or a hyphenated number (`Kimi`, `ChatGPT`, `GPT-4`; all-capital
//! abbreviations such as `AGI` are terms, not names) — and (b) a list of likely
//! names (built in, plus `check.names`), when the occurrence is neither a
//! mention of a profile nor inside an annotated passage — a name with at least
//! one annotated occurrence in the chapter counts as explained there.
//! `check.ignore` silences a name. Must not read files or change the edition.

use std::collections::BTreeMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};

use super::entities::{Mention, Place};
use crate::content::Edition;
use crate::content::FrontMatter as _;
use crate::diag::{Code, Diagnostic};

/// A letter or digit of a script written with spaces (accented letters too).
fn is_latin_word(c: char) -> bool {
    // ASCII and CJK first: most characters of an edition are one or the
    // other, and neither needs the Unicode tables.
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        !crate::cjk::is_cjk(c) && c.is_alphanumeric()
    }
}

/// An upper-case letter, without the Unicode tables for ASCII and CJK.
fn is_upper(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_uppercase()
    } else {
        !crate::cjk::is_cjk(c) && c.is_uppercase()
    }
}

/// A Latin proper name found in a block: its range, and whether it starts a
/// sentence (where any word is capitalised).
struct LatinName {
    range: Range<usize>,
    sentence_start: bool,
    /// A capital, digit or hyphen inside it (`ChatGPT`, `GPT-4`): a name
    /// wherever it stands.
    marked: bool,
}

/// Whether `b` may begin an upper-case letter: an ASCII capital or the lead
/// byte of a character outside U+0080–U+00BF, U+3000–U+9FFF and
/// U+E000–U+FFFF, where no character is upper case for [`is_upper`]
/// (fullwidth capitals count as CJK there). Tested against every character.
/// Arithmetic, not a table, so that a run of bytes is tested in SIMD.
fn may_be_capital(b: u8) -> bool {
    (b.wrapping_sub(0x41) < 26)
        | (b.wrapping_sub(0xC3) <= 0xE2 - 0xC3)
        | (b.wrapping_sub(0xEA) <= 0xED - 0xEA)
        | (b.wrapping_sub(0xF0) <= 0xF4 - 0xF0)
}

/// Where the first byte of `bytes` that [`may_be_capital`] is: 32 bytes
/// are tested at once, and a Chinese text has few such bytes.
fn next_may_be_capital(bytes: &[u8]) -> Option<usize> {
    const RUN: usize = 32;
    let mut runs = bytes.chunks_exact(RUN);
    for (k, run) in runs.by_ref().enumerate() {
        // Or-ed over the whole run, not stopped at the first: vectorised.
        if run.iter().fold(false, |any, &b| any | may_be_capital(b)) {
            return run
                .iter()
                .position(|&b| may_be_capital(b))
                .map(|i| k * RUN + i);
        }
    }
    let rest = runs.remainder();
    rest.iter()
        .position(|&b| may_be_capital(b))
        .map(|i| bytes.len() - rest.len() + i)
}

/// Latin proper names in `text`: a capital letter followed by lower-case
/// letters or a hyphenated number, three characters or more (`Kimi`,
/// `ChatGPT`, `GPT-4`, `Jean-François`); all-capital abbreviations such as
/// `AGI` are terms, not names.
fn latin_names(text: &str) -> Vec<LatinName> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    // Only an upper-case letter starts a name: jump from one byte that may
    // begin a capital to the next ([`may_be_capital`]), so the ideographs
    // and fullwidth punctuation of a Chinese text are stepped over.
    while let Some(skip) = next_may_be_capital(&bytes[at..]) {
        let i = at + skip;
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        at = i + c.len_utf8();
        if !is_upper(c) || text[..i].chars().next_back().is_some_and(is_latin_word) {
            continue;
        }
        let mut chars = text[at..]
            .char_indices()
            .map(|(j, c)| (at + j, c))
            .peekable();
        // The token: letters and digits, with inner `-` or `.` joining more of them.
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            let joiner = (d == '-' || d == '.')
                && text[j + d.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(is_latin_word);
            if !(is_latin_word(d) || joiner) {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        at = end;
        let tok = &text[i..end];
        let inner = tok.chars().skip(1);
        let lower = tok.chars().any(char::is_lowercase);
        let numbered = tok.contains('-') && tok.chars().any(|c| c.is_ascii_digit());
        if tok.chars().count() >= 3 && (lower || numbered) {
            let marked = inner
                .clone()
                .any(|c| c.is_uppercase() || c.is_ascii_digit() || c == '-');
            out.push(LatinName {
                range: i..end,
                sentence_start: starts_sentence(&text[..i]),
                marked,
            });
        }
    }
    out
}

/// Whether text ending with `before` ends a sentence (or is empty): the last
/// mark, skipping spaces and opening quotes or brackets, is `.`, `!`, `?` or
/// `:` (a Latin sentence's end; Chinese text does not capitalise).
fn starts_sentence(before: &str) -> bool {
    let last = before.chars().rev().find(|c| {
        !c.is_whitespace()
            && !matches!(
                c,
                '“' | '”' | '"' | '‘' | '’' | '\'' | '(' | ')' | '[' | ']' | '«' | '»' | '—' | '–'
            )
    });
    match last {
        None => true,
        Some(c) => matches!(c, '.' | '!' | '?' | ':'),
    }
}

/// Finds names with no profile and no note, chapter by chapter.
pub struct NameCheck<'e> {
    edition: &'e Edition,
    aliases: std::collections::HashSet<&'e str>,
    ac: AhoCorasick,
}

impl<'e> NameCheck<'e> {
    /// Compiles the list of likely names (the language pack's + `check.names`).
    pub fn new(edition: &'e Edition) -> NameCheck<'e> {
        let settings = &edition.config.check;
        let aliases: std::collections::HashSet<&str> = edition
            .entities
            .iter()
            .flat_map(|e| e.aliases.iter().map(String::as_str))
            .collect();
        let listed: Vec<&str> = edition
            .config
            .pack
            .names
            .iter()
            .chain(&settings.names)
            .map(String::as_str)
            .filter(|n| !n.is_empty() && !aliases.contains(n))
            .collect();
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&listed)
            .expect("plain strings");
        NameCheck {
            edition,
            aliases,
            ac,
        }
    }

    /// The warnings for one chapter (whose Markdown body is `body`), given
    /// its notes' passages and its mentions.
    pub fn chapter(
        &self,
        c: &crate::content::Chapter,
        body: &str,
        doc: &crate::text::Doc<'_>,
        notes: &[Range<usize>],
        mentions: &[Mention],
    ) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        self.each_warning(doc, notes, mentions, |name, total, nth| {
            diags.push(unprofiled_name(c, body, name, total, nth));
        });
        diags
    }

    /// How many warnings [`NameCheck::chapter`] gives, without making them
    /// (a build that already shows as many as it will, and counts the rest).
    pub fn count(
        &self,
        doc: &crate::text::Doc<'_>,
        notes: &[Range<usize>],
        mentions: &[Mention],
    ) -> usize {
        let mut n = 0;
        self.each_warning(doc, notes, mentions, |_, _, _| n += 1);
        n
    }

    /// Hands each name to warn about to `warn`, in order of first mention:
    /// the name, how many times the text mentions it, and which of those
    /// mentions is the first with no note.
    fn each_warning(
        &self,
        doc: &crate::text::Doc<'_>,
        notes: &[Range<usize>],
        mentions: &[Mention],
        mut warn: impl FnMut(&str, usize, usize),
    ) {
        let settings = &self.edition.config.check;
        let ignored = |name: &str| settings.ignore.iter().any(|i| i == name);
        let aliases = &self.aliases;
        let ac = &self.ac;
        let mut covered: Vec<Range<usize>> = notes.to_vec();
        covered.extend(mentions.iter().filter_map(|m| match &m.place {
            Place::Text { .. } => Some(m.place.range()),
            Place::Note { .. } => None,
        }));
        let is_covered =
            |r: &Range<usize>| covered.iter().any(|c| c.start < r.end && r.start < c.end);
        // name → (occurrences in the text, uncovered ones, index of the first
        // uncovered, seen where a word is not capitalised for the sentence)
        let mut found: BTreeMap<String, (usize, usize, Option<usize>, bool)> = BTreeMap::new();
        let mut first_seen: Vec<String> = Vec::new();
        for b in &doc.blocks {
            let text = b.text(&doc.text);
            // Each hit with whether it tells a name from a word: a Latin
            // name unless only ever capitalised as a sentence's first word;
            // a match of a name the check knows, always.
            let mut hits: Vec<(Range<usize>, bool)> = latin_names(&text)
                .into_iter()
                .map(|n| (n.range, n.marked || !n.sentence_start))
                .collect();
            hits.extend(
                ac.find_iter(text.as_ref())
                    .map(|m| m.start()..m.end())
                    .filter(|r| {
                        let name = &text[r.clone()];
                        let latin = name.chars().next().is_some_and(is_latin_word);
                        !latin
                            || (!text[..r.start]
                                .chars()
                                .next_back()
                                .is_some_and(is_latin_word)
                                && !text[r.end..].chars().next().is_some_and(is_latin_word))
                    })
                    .map(|r| (r, true)),
            );
            // Stable, so where both found the same name the Latin name's
            // entry comes first and is the one kept.
            hits.sort_by_key(|h| h.0.start);
            hits.dedup_by(|later, first| later.0 == first.0);
            for (r, telling) in hits {
                let name = &text[r.clone()];
                if ignored(name) || aliases.contains(name) {
                    continue;
                }
                let range = b.reading_offset(r.start)..b.reading_offset(r.end);
                let entry = found.entry(name.to_string()).or_insert_with(|| {
                    first_seen.push(name.to_string());
                    (0, 0, None, false)
                });
                if !is_covered(&range) {
                    entry.1 += 1;
                    entry.2.get_or_insert(entry.0);
                }
                entry.0 += 1;
                entry.3 |= telling;
            }
        }
        for name in first_seen {
            // A name annotated (or a profile's mention) anywhere in the chapter is explained.
            let (total, uncovered, Some(nth), telling) = found[&name] else {
                continue;
            };
            // Only ever capitalised because it starts a sentence: a word.
            if uncovered < total || !telling {
                continue;
            }
            warn(&name, total, nth);
        }
    }
}

/// The warning for a name the text mentions `total` times with no profile
/// and no note, at its `nth` mention in the chapter's body `text`.
fn unprofiled_name(
    c: &crate::content::Chapter,
    text: &str,
    name: &str,
    total: usize,
    nth: usize,
) -> Diagnostic {
    let finder = memchr::memmem::Finder::new(name);
    // Counted as the reading text counts them: a Latin name only as a whole
    // word (`Shen` is not in `Shenlan`).
    let latin = name.chars().next().is_some_and(is_latin_word);
    let whole = |&i: &usize| {
        !latin
            || !(text[..i].chars().next_back().is_some_and(is_latin_word)
                || text[i + name.len()..]
                    .chars()
                    .next()
                    .is_some_and(is_latin_word))
    };
    let mut found = finder.find_iter(text.as_bytes()).filter(whole);
    let first = found.next();
    let at = match nth {
        0 => first,
        n => found.nth(n - 1).or(first),
    };
    let span = at
        .map(|i| c.body.start + i..c.body.start + i + name.len())
        .unwrap_or_else(|| c.span(&["title".into()]));
    let times = if total == 1 {
        String::new()
    } else {
        format!(" {total} times")
    };
    Diagnostic::new(
        Code::UnprofiledName,
        format!("“{name}” is mentioned{times} in this chapter with no profile and no annotation"),
    )
    .at(c.file, span)
    .label("no profile, no note")
    .help(format!(
        "add a profile named “{name}” or listing it among its aliases (`glossa new company ID --title {name}`), annotate one of its mentions, or list it under `check: ignore:` in edition.yaml"
    ))
}

#[cfg(test)]
mod tests {
    use super::latin_names;

    #[test]
    fn latin_proper_names_but_not_abbreviations() {
        let text = "Kimi 与 ChatGPT、GPT-4、AGI、VC、Llama 2，以及 the model 和 DeepSeek-V3。";
        let names: Vec<&str> = latin_names(text)
            .into_iter()
            .map(|n| &text[n.range])
            .collect();
        assert_eq!(names, ["Kimi", "ChatGPT", "GPT-4", "Llama", "DeepSeek-V3"]);
    }

    /// The names found character by character, the plain way: the byte
    /// skipping of [`latin_names`] must find exactly these.
    fn reference(text: &str) -> Vec<(std::ops::Range<usize>, bool, bool)> {
        use super::{is_latin_word, is_upper, starts_sentence};
        let mut out = Vec::new();
        let mut chars = text.char_indices().peekable();
        let mut prev: Option<char> = None;
        while let Some((i, c)) = chars.next() {
            if !is_upper(c) || prev.is_some_and(is_latin_word) {
                prev = Some(c);
                continue;
            }
            let mut end = i + c.len_utf8();
            let mut last = c;
            while let Some(&(j, d)) = chars.peek() {
                let joiner = (d == '-' || d == '.')
                    && text[j + d.len_utf8()..]
                        .chars()
                        .next()
                        .is_some_and(is_latin_word);
                if !(is_latin_word(d) || joiner) {
                    break;
                }
                end = j + d.len_utf8();
                last = d;
                chars.next();
            }
            prev = Some(last);
            let tok = &text[i..end];
            let lower = tok.chars().any(char::is_lowercase);
            let numbered = tok.contains('-') && tok.chars().any(|c| c.is_ascii_digit());
            if tok.chars().count() >= 3 && (lower || numbered) {
                let marked = tok
                    .chars()
                    .skip(1)
                    .any(|c| c.is_uppercase() || c.is_ascii_digit() || c == '-');
                out.push((i..end, starts_sentence(&text[..i]), marked));
            }
        }
        out
    }

    #[test]
    fn skipping_to_capitals_finds_what_a_character_scan_finds() {
        // Pieces from many scripts, joined in every order of a pseudo-random walk.
        let pieces = [
            "智谱",
            "AI",
            "Kimi",
            "ChatGPT",
            "GPT-4",
            "Jean-François",
            "Ægir",
            "Ölund",
            "Łódź",
            "Ωmega",
            "Москва",
            "ДНК",
            "한국어",
            "Ｆｕｌｌ",
            "ℂomplex",
            "ｶﾀｶﾅ",
            "𝐁old",
            "𐐀eseret",
            "。",
            "，",
            " ",
            "-",
            ".",
            "x",
            "iPhone",
            "“",
            "!",
            "3",
            "é",
            "Ÿes",
            "ǅemal",
            "ΣΑΣ",
            "𝔄rt",
        ];
        // The skip finds the first such byte in a run, after runs, or none.
        for n in 0..70 {
            for tail in ["A", "。", "Élan", ""] {
                let text = "智".repeat(n) + tail;
                let naive = text.bytes().position(super::may_be_capital);
                assert_eq!(super::next_may_be_capital(text.as_bytes()), naive, "{text}");
            }
        }
        // What the skipping relies on: every upper-case character begins
        // with a byte it stops at.
        for c in (char::MIN..=char::MAX).filter(|&c| super::is_upper(c)) {
            let mut buf = [0; 4];
            let first = c.encode_utf8(&mut buf).as_bytes()[0];
            assert!(super::may_be_capital(first), "{c:?}");
        }
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2_000 {
            let mut text = String::new();
            for _ in 0..12 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            let fast: Vec<_> = latin_names(&text)
                .into_iter()
                .map(|n| (n.range, n.sentence_start, n.marked))
                .collect();
            assert_eq!(fast, reference(&text), "{text}");
        }
    }

    #[test]
    fn a_latin_name_is_positioned_at_a_whole_word() {
        let text = "---\ntitle: 一\norder: 1\n---\n\nShenlan AI 在前。\n\nHuaijin Shen 在后，Shen 又一次。\n";
        let mut sources = crate::diag::Sources::new();
        let path = std::path::Path::new("01-one.md");
        let file = sources.add(path, "01-one.md".into(), text.into());
        let c = crate::content::load::parse_chapter(path, file, text.into()).expect("parses");
        let at = |nth| {
            let d =
                super::unprofiled_name(&c, crate::content::FrontMatter::body(&c), "Shen", 2, nth);
            let span = d.primary.clone().expect("positioned").1;
            (&text[span.clone()], crate::diag::line_col(text, span.start))
        };
        assert_eq!(at(0), ("Shen", (8, 9)));
        assert_eq!(at(1), ("Shen", (8, 17)));
        // More than there are: the first.
        assert_eq!(at(5), ("Shen", (8, 9)));
        // CJK names are found inside longer runs of text, as the text has them.
        let d = super::unprofiled_name(&c, crate::content::FrontMatter::body(&c), "在前", 1, 0);
        let span = d.primary.clone().expect("positioned").1;
        assert_eq!(crate::diag::line_col(text, span.start), (6, 12));
    }

    #[test]
    fn accented_names_are_whole_and_sentence_starts_are_marked() {
        let text = "The stone went to Paris. Jean-François Champollion read it; Académie members listened. “What now?” ChatGPT asked.";
        let found: Vec<(&str, bool, bool)> = latin_names(text)
            .into_iter()
            .map(|n| (&text[n.range], n.sentence_start, n.marked))
            .collect();
        assert_eq!(
            found,
            [
                ("The", true, false),
                ("Paris", false, false),
                ("Jean-François", true, true),
                ("Champollion", false, false),
                ("Académie", false, false),
                ("What", true, false),
                ("ChatGPT", true, true),
            ]
        );
    }
}
