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

use super::LinkedChapter;
use super::entities::{Mention, Place};
use crate::content::Edition;
use crate::content::FrontMatter as _;
use crate::diag::{Code, Diagnostic};

/// Organisations and people of the field that an edition about it is likely to
/// name; each needs a profile or a note when the text mentions it.
pub const LIKELY_NAMES: &[&str] = &[
    "阿里巴巴",
    "阿里云",
    "通义千问",
    "百度",
    "文心一言",
    "腾讯",
    "华为",
    "美团",
    "快手",
    "小米",
    "京东",
    "商汤",
    "旷视",
    "科大讯飞",
    "零一万物",
    "李开复",
    "英伟达",
    "微软",
    "智源研究院",
];

fn is_latin_word(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Latin proper names in `text`: byte ranges.
fn latin_names(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_uppercase()
            && (i == 0 || !text[..i].chars().next_back().is_some_and(is_latin_word));
        if !starts {
            i += 1;
            continue;
        }
        // The token: letters and digits, with inner `-` or `.` joining more of them.
        let mut j = i;
        while j < bytes.len() {
            let b = bytes[j];
            let joiner =
                (b == b'-' || b == b'.') && bytes.get(j + 1).is_some_and(u8::is_ascii_alphanumeric);
            if !(b.is_ascii_alphanumeric() || joiner) {
                break;
            }
            j += 1;
        }
        let tok = &text[i..j];
        let lower = tok.bytes().any(|b| b.is_ascii_lowercase());
        let numbered = tok.contains('-') && tok.bytes().any(|b| b.is_ascii_digit());
        if tok.len() >= 3 && (lower || numbered) {
            out.push(i..j);
        }
        i = j.max(i + 1);
    }
    out
}

/// Finds names with no profile and no note, chapter by chapter.
pub struct NameCheck<'e> {
    edition: &'e Edition,
    aliases: std::collections::HashSet<&'e str>,
    ac: AhoCorasick,
}

impl<'e> NameCheck<'e> {
    /// Compiles the list of likely names (built in + `check.names`).
    pub fn new(edition: &'e Edition) -> NameCheck<'e> {
        let settings = &edition.config.check;
        let aliases: std::collections::HashSet<&str> = edition
            .entities
            .iter()
            .flat_map(|e| e.aliases.iter().map(String::as_str))
            .collect();
        let listed: Vec<&str> = LIKELY_NAMES
            .iter()
            .copied()
            .chain(settings.names.iter().map(String::as_str))
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

    /// The warnings for one chapter, given its notes' passages and its mentions.
    pub fn chapter(
        &self,
        c: &crate::content::Chapter,
        doc: &crate::text::Doc<'_>,
        notes: &[Range<usize>],
        mentions: &[Mention],
    ) -> Vec<Diagnostic> {
        let settings = &self.edition.config.check;
        let ignored = |name: &str| settings.ignore.iter().any(|i| i == name);
        let aliases = &self.aliases;
        let ac = &self.ac;
        let mut diags = Vec::new();
        let mut covered: Vec<Range<usize>> = notes.to_vec();
        covered.extend(mentions.iter().filter_map(|m| match &m.place {
            Place::Text { range, .. } => Some(range.clone()),
            Place::Note { .. } => None,
        }));
        let is_covered =
            |r: &Range<usize>| covered.iter().any(|c| c.start < r.end && r.start < c.end);
        // name → (occurrences in the text, uncovered ones, index of the first uncovered)
        let mut found: BTreeMap<String, (usize, usize, Option<usize>)> = BTreeMap::new();
        let mut first_seen: Vec<String> = Vec::new();
        for b in &doc.blocks {
            let text = b.text(&doc.text);
            let mut hits: Vec<Range<usize>> = latin_names(&text);
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
                    }),
            );
            hits.sort_by_key(|r| r.start);
            hits.dedup();
            for r in hits {
                let name = &text[r.clone()];
                if ignored(name) || aliases.contains(name) {
                    continue;
                }
                let range = b.reading_offset(r.start)..b.reading_offset(r.end);
                let entry = found.entry(name.to_string()).or_insert_with(|| {
                    first_seen.push(name.to_string());
                    (0, 0, None)
                });
                if !is_covered(&range) {
                    entry.1 += 1;
                    entry.2.get_or_insert(entry.0);
                }
                entry.0 += 1;
            }
        }
        for name in first_seen {
            // A name annotated (or a profile's mention) anywhere in the chapter is explained.
            let (total, uncovered, Some(nth)) = found[&name] else {
                continue;
            };
            if uncovered < total {
                continue;
            }
            let body = c.body();
            let span = body
                .match_indices(name.as_str())
                .nth(nth)
                .or_else(|| body.match_indices(name.as_str()).next())
                .map(|(i, m)| c.body.start + i..c.body.start + i + m.len())
                .unwrap_or_else(|| c.span(&["title".into()]));
            diags.push(
                    Diagnostic::new(
                        Code::UnprofiledName,
                        format!(
                            "“{name}” is mentioned{} in this chapter with no profile and no annotation",
                            if total == 1 {
                                String::new()
                            } else {
                                format!(" {total} times")
                            }
                        ),
                    )
                    .at(c.file, span)
                    .label("no profile, no note")
                    .help(format!(
                        "add a profile named “{name}” or listing it among its aliases (`glossa new company ID --title {name}`), annotate one of its mentions, or list it under `check: ignore:` in edition.yaml"
                    )),
                );
        }
        diags
    }
}

/// Warns about names with no profile and no note (chapters in parallel).
pub fn unprofiled(
    edition: &Edition,
    chapters: &[LinkedChapter<'_>],
    mentions: &[Mention],
    diags: &mut Vec<Diagnostic>,
) {
    use rayon::prelude::*;
    let check = NameCheck::new(edition);
    let found: Vec<Vec<Diagnostic>> = chapters
        .par_iter()
        .enumerate()
        .map(|(ci, lc)| {
            let notes: Vec<Range<usize>> = lc.notes.iter().map(|n| n.range.clone()).collect();
            check.chapter(
                lc.chapter,
                &lc.doc,
                &notes,
                super::mentions_in(mentions, ci),
            )
        })
        .collect();
    diags.extend(found.into_iter().flatten());
}

#[cfg(test)]
mod tests {
    use super::latin_names;

    #[test]
    fn latin_proper_names_but_not_abbreviations() {
        let text = "Kimi 与 ChatGPT、GPT-4、AGI、VC、Llama 2，以及 the model 和 DeepSeek-V3。";
        let names: Vec<&str> = latin_names(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(names, ["Kimi", "ChatGPT", "GPT-4", "Llama", "DeepSeek-V3"]);
    }
}
