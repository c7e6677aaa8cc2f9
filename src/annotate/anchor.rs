//! Anchoring one quote in a chapter's reading text.
//!
//! Input: the blocks of a parsed chapter ([`Doc`]) and an annotation's `quote`,
//! `prefix`, `suffix`, `occurrence`. Output: an [`Outcome`]: the anchored byte
//! range in the reading text, or why not (ambiguous with every candidate and the
//! shortest disambiguator for each, not found with the closest passage and its
//! similarity, occurrence out of range).
//!
//! Matching is within one block, on the visible text (across inline markup);
//! runs of whitespace compare equal to one space; half- and full-width
//! punctuation are distinct. Lengths and distances count characters, not bytes.
//! Must not build diagnostics (the caller knows the file positions).

use std::ops::Range;

use crate::text::Doc;

/// A block's visible text, whitespace-normalised, with maps back to the reading text.
pub struct BlockText {
    /// Normalised text.
    pub norm: String,
    /// For each byte of `norm` (and one past the end): the offset in the
    /// reading text (`u32`: a chapter's text is far below 4 GiB).
    pub map: Vec<u32>,
    pub para: Option<u32>,
}

/// Prepares every block of a chapter for matching: in one pass over each
/// block's text ranges, the whitespace-normalised text and its map.
pub fn block_texts(doc: &Doc) -> Vec<BlockText> {
    doc.blocks
        .iter()
        .map(|b| {
            let len: usize = b.ranges.iter().map(|r| r.len()).sum();
            let mut norm = String::with_capacity(len);
            let mut map = Vec::with_capacity(len + 1);
            let mut in_space = false;
            for r in &b.ranges {
                let text = &doc.text[r.clone()];
                collapse_into(text, &mut norm, &mut in_space, |i, n| {
                    let at = (r.start + i) as u32;
                    map.extend(at..at + n as u32);
                });
            }
            map.push(b.ranges.last().map_or(0, |r| r.end) as u32);
            BlockText {
                norm,
                map,
                para: b.para,
            }
        })
        .collect()
}

/// Collapses whitespace runs to one space; returns the text and, per output byte
/// (plus one past the end), the input byte it came from.
pub fn normalize_with_map(s: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(s.len());
    let mut map = Vec::with_capacity(s.len() + 1);
    collapse_into(s, &mut out, &mut false, |i, n| map.extend(i..i + n));
    map.push(s.len());
    (out, map)
}

/// Appends `text` to `out` with each run of whitespace as one space
/// (`in_space` carries a run from one call to the next), calling
/// `map(i, n)` for every piece written: `n` bytes of `out` that came from
/// byte `i` of `text` on (a copied run maps byte for byte; a space written
/// for a run of whitespace is one byte from the run's first character).
///
/// Text between whitespace is copied in runs: only ASCII whitespace and the
/// lead bytes of the other Unicode spaces (U+0085 and U+00A0, U+1680,
/// U+2000–U+205F, U+3000) stop the scan to look at a character.
fn collapse_into(
    text: &str,
    out: &mut String,
    in_space: &mut bool,
    mut map: impl FnMut(usize, usize),
) {
    let bytes = text.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_whitespace() || b == 0x0B || matches!(b, 0xC2 | 0xE1..=0xE3)) {
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().expect("a character starts here");
        if !c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if run < i {
            out.push_str(&text[run..i]);
            map(run, i - run);
            *in_space = false;
        }
        if !*in_space {
            out.push(' ');
            map(i, 1);
            *in_space = true;
        }
        i += c.len_utf8();
        run = i;
    }
    if run < bytes.len() {
        out.push_str(&text[run..]);
        map(run, bytes.len() - run);
        *in_space = false;
    }
}

/// Whitespace-normalised form of an editor's string (quote, prefix, suffix).
pub fn normalize(s: &str) -> String {
    normalize_with_map(s).0
}

/// One place a quote matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub block: usize,
    /// Byte range in the block's normalised text.
    pub norm: Range<usize>,
    /// Byte range in the reading text.
    pub range: Range<usize>,
}

/// The shortest text that would single out a candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disambiguator {
    Prefix(String),
    Suffix(String),
    Occurrence(usize),
}

/// The result of anchoring.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Anchored(Candidate),
    Ambiguous(Vec<(Candidate, Disambiguator)>),
    NotFound {
        /// Matches of the bare quote that the prefix/suffix excluded.
        without_context: usize,
        closest: Option<Closest>,
    },
    OccurrenceOutOfRange {
        found: usize,
    },
    EmptyQuote,
}

/// The passage most similar to a quote that was not found.
#[derive(Debug, Clone, PartialEq)]
pub struct Closest {
    pub block: usize,
    pub text: String,
    /// 1 − edit distance / quote length, in 0..=1.
    pub similarity: f64,
}

/// What the editor wrote.
pub struct Query<'q> {
    pub quote: &'q str,
    pub prefix: Option<&'q str>,
    pub suffix: Option<&'q str>,
    pub occurrence: Option<u32>,
}

/// Every, possibly overlapping, occurrence of `needle` in `haystack` (byte
/// offsets, in order). `memchr`'s substring search: no automaton to build,
/// which for the few dozen quotes of a chapter costs more than the scans.
fn overlapping<'h>(haystack: &'h str, needle: &'h str) -> impl Iterator<Item = usize> + 'h {
    let finder = memchr::memmem::Finder::new(needle);
    let mut from = 0;
    std::iter::from_fn(move || {
        let at = from + finder.find(haystack.as_bytes().get(from..)?)?;
        from = at + 1;
        Some(at)
    })
}

/// Where each of `needles` occurs in `haystack` (byte offsets of every,
/// possibly overlapping, occurrence, in order).
pub fn find_all(haystack: &str, needles: &[&str]) -> Vec<Vec<usize>> {
    needles
        .iter()
        .map(|n| {
            if n.is_empty() {
                Vec::new()
            } else {
                overlapping(haystack, n).collect()
            }
        })
        .collect()
}

/// Anchors a query in the chapter's blocks.
pub fn anchor(blocks: &[BlockText], q: &Query) -> Outcome {
    let quote = normalize(q.quote.trim());
    let all = occurrences(blocks, &quote);
    anchor_among(blocks, q, all)
}

/// The normalised form of a query's quote, as matched.
pub fn quote_key(quote: &str) -> String {
    normalize(quote.trim())
}

/// Every occurrence of each of `quotes` (normalised, see [`quote_key`]) in the
/// blocks, overlapping ones too, found once for all notes (a vectorised
/// substring search per quote over the chapter's joined text).
pub fn occurrences_of_all(blocks: &[BlockText], quotes: &[String]) -> Vec<Vec<Candidate>> {
    let mut out = vec![Vec::new(); quotes.len()];
    let patterns: Vec<(usize, &str)> = quotes
        .iter()
        .enumerate()
        .filter(|(_, q)| !q.is_empty() && q.as_str() != " ")
        .map(|(i, q)| (i, q.as_str()))
        .collect();
    if patterns.is_empty() {
        return out;
    }
    // Blocks joined by newlines (normalised text never contains one).
    let mut joined = String::new();
    let mut starts = Vec::with_capacity(blocks.len());
    for b in blocks {
        starts.push(joined.len());
        joined.push_str(&b.norm);
        joined.push('\n');
    }
    for &(i, q) in &patterns {
        for at in overlapping(&joined, q) {
            let block = starts.partition_point(|&s| s <= at) - 1;
            let (s, e) = (at - starts[block], at + q.len() - starts[block]);
            let b = &blocks[block];
            if e > b.norm.len() {
                continue;
            }
            out[i].push(Candidate {
                block,
                norm: s..e,
                range: b.map[s] as usize..b.map[e] as usize,
            });
        }
    }
    for list in &mut out {
        list.sort_by_key(|c| (c.block, c.norm.start));
    }
    out
}

/// Anchors a query given every occurrence of its quote.
pub fn anchor_among(blocks: &[BlockText], q: &Query, all: Vec<Candidate>) -> Outcome {
    let quote = quote_key(q.quote);
    if quote.is_empty() || quote == " " {
        return Outcome::EmptyQuote;
    }
    let prefix = q.prefix.map(normalize).filter(|p| !p.is_empty());
    let suffix = q.suffix.map(normalize).filter(|s| !s.is_empty());
    let fits = |c: &Candidate| {
        let t = &blocks[c.block].norm;
        // Spaces between the context and the quote are not significant.
        prefix
            .as_ref()
            .is_none_or(|p| t[..c.norm.start].trim_end().ends_with(p.trim_end()))
            && suffix
                .as_ref()
                .is_none_or(|s| t[c.norm.end..].trim_start().starts_with(s.trim_start()))
    };
    let matching: Vec<Candidate> = all.iter().filter(|c| fits(c)).cloned().collect();
    if let Some(n) = q.occurrence {
        return match matching.get((n as usize).wrapping_sub(1)) {
            Some(c) if n >= 1 => Outcome::Anchored(c.clone()),
            _ => Outcome::OccurrenceOutOfRange {
                found: matching.len(),
            },
        };
    }
    match matching.len() {
        1 => Outcome::Anchored(matching[0].clone()),
        0 => Outcome::NotFound {
            without_context: all.len(),
            closest: if all.is_empty() {
                closest(blocks, &quote)
            } else {
                None
            },
        },
        _ => Outcome::Ambiguous(
            matching
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), disambiguate(blocks, &matching, i)))
                .collect(),
        ),
    }
}

/// Every (possibly overlapping) occurrence of `quote` in the blocks.
fn occurrences(blocks: &[BlockText], quote: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    if quote.is_empty() {
        return out;
    }
    for (bi, b) in blocks.iter().enumerate() {
        let mut from = 0;
        while let Some(i) = b.norm[from..].find(quote) {
            let start = from + i;
            let end = start + quote.len();
            out.push(Candidate {
                block: bi,
                norm: start..end,
                range: b.map[start] as usize..b.map[end] as usize,
            });
            from = start + b.norm[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// How well the occurrences of a quote fit a context (text seen before and
/// after it, of any length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// The quote does not occur.
    Absent,
    /// Two or more fit equally well.
    Tie,
    /// The index of the one that fits best.
    Best(usize),
}

/// Among the occurrences, the one whose surroundings in the reading text
/// `text` best match `prefix` (text just before) and `suffix` (just after):
/// the most characters in common next to the quote wins.
pub fn by_context(all: &[Candidate], text: &str, prefix: &str, suffix: &str) -> Fit {
    let common_suffix = |a: &str, b: &str| {
        a.chars()
            .rev()
            .zip(b.chars().rev())
            .take_while(|(x, y)| x == y)
            .count()
    };
    let common_prefix =
        |a: &str, b: &str| a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let scores: Vec<usize> = all
        .iter()
        .map(|c| {
            common_suffix(&text[..c.range.start], prefix)
                + common_prefix(&text[c.range.end..], suffix)
        })
        .collect();
    let Some(&best) = scores.iter().max() else {
        return Fit::Absent;
    };
    let mut winners = (0..all.len()).filter(|&i| scores[i] == best);
    match (winners.next(), winners.next()) {
        (Some(i), None) => Fit::Best(i),
        _ => Fit::Tie,
    }
}

/// The shortest prefix or suffix (up to 24 characters) that matches only candidate `i`.
pub fn disambiguate(blocks: &[BlockText], cands: &[Candidate], i: usize) -> Disambiguator {
    let text = |c: &Candidate| &blocks[c.block].norm;
    let me = &cands[i];
    // Same semantics as matching: spaces next to the quote are not significant.
    let before_of = |c: &Candidate| text(c)[..c.norm.start].trim_end();
    let after_of = |c: &Candidate| text(c)[c.norm.end..].trim_start();
    let before: Vec<char> = before_of(me).chars().collect();
    let after: Vec<char> = after_of(me).chars().collect();
    for k in 1..=24 {
        if k <= before.len() {
            let p: String = before[before.len() - k..].iter().collect();
            if !p.starts_with(' ')
                && cands.iter().filter(|c| before_of(c).ends_with(&p)).count() == 1
            {
                return Disambiguator::Prefix(p);
            }
        }
        if k <= after.len() {
            let s: String = after[..k].iter().collect();
            if !s.ends_with(' ')
                && cands.iter().filter(|c| after_of(c).starts_with(&s)).count() == 1
            {
                return Disambiguator::Suffix(s);
            }
        }
    }
    Disambiguator::Occurrence(i + 1)
}

/// The passage of any block closest to `quote` by edit distance (semi-global
/// alignment: the quote against every substring, in characters).
fn closest(blocks: &[BlockText], quote: &str) -> Option<Closest> {
    let q: Vec<char> = quote.chars().collect();
    let m = q.len();
    let mut best: Option<(usize, usize, Range<usize>)> = None; // (distance, block, char range)
    for (bi, b) in blocks.iter().enumerate() {
        let t: Vec<char> = b.norm.chars().collect();
        // prev[i] = distance of q[..i] against a substring ending at j; start[i] = where it starts.
        let mut prev: Vec<usize> = (0..=m).collect();
        let mut prev_start: Vec<usize> = vec![0; m + 1];
        let mut cur = vec![0; m + 1];
        let mut cur_start = vec![0; m + 1];
        for j in 1..=t.len() {
            cur[0] = 0;
            cur_start[0] = j;
            for i in 1..=m {
                let sub = prev[i - 1] + usize::from(q[i - 1] != t[j - 1]);
                let del = prev[i] + 1;
                let ins = cur[i - 1] + 1;
                let (d, s) = if sub <= del && sub <= ins {
                    (sub, prev_start[i - 1])
                } else if del <= ins {
                    (del, prev_start[i])
                } else {
                    (ins, cur_start[i - 1])
                };
                cur[i] = d;
                cur_start[i] = s;
            }
            if best.as_ref().is_none_or(|(d, _, _)| cur[m] < *d) {
                best = Some((cur[m], bi, cur_start[m]..j));
            }
            std::mem::swap(&mut prev, &mut cur);
            std::mem::swap(&mut prev_start, &mut cur_start);
        }
    }
    let (d, block, r) = best?;
    let text: String = blocks[block]
        .norm
        .chars()
        .skip(r.start)
        .take(r.end - r.start)
        .collect();
    Some(Closest {
        block,
        text,
        similarity: 1.0 - d as f64 / m.max(1) as f64,
    })
}

#[cfg(test)]
mod tests {
    /// Runs of text copied whole give what collapsing character by character
    /// gives, text and map, for every Unicode space among other characters.
    #[test]
    fn collapsing_in_runs_equals_collapsing_by_character() {
        fn by_char(s: &str) -> (String, Vec<usize>) {
            let (mut out, mut map, mut in_space) = (String::new(), Vec::new(), false);
            for (i, c) in s.char_indices() {
                if c.is_whitespace() {
                    if !in_space {
                        out.push(' ');
                        map.push(i);
                    }
                    in_space = true;
                } else {
                    in_space = false;
                    out.push(c);
                    map.extend(i..i + c.len_utf8());
                }
            }
            map.push(s.len());
            (out, map)
        }
        let spaces: Vec<char> = (char::MIN..=char::MAX)
            .filter(|c| c.is_whitespace())
            .collect();
        let others = [
            'a',
            '\u{3002}',
            '\u{4E00}',
            '\u{E000}',
            '\u{1681}',
            '\u{2060}',
            '\u{00A1}',
            '\u{1F600}',
            '\u{0B}',
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2_000 {
            let mut s = String::new();
            for _ in 0..10 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let k = (state >> 8) as usize;
                s.push(if state.is_multiple_of(3) {
                    spaces[k % spaces.len()]
                } else {
                    others[k % others.len()]
                });
            }
            assert_eq!(normalize_with_map(&s), by_char(&s), "{s:?}");
        }
    }

    use super::*;
    use crate::text::parse;

    fn run(
        md: &str,
        quote: &str,
        prefix: Option<&str>,
        suffix: Option<&str>,
        occ: Option<u32>,
    ) -> (Outcome, String) {
        let doc = parse(md);
        let blocks = block_texts(&doc);
        let o = anchor(
            &blocks,
            &Query {
                quote,
                prefix,
                suffix,
                occurrence: occ,
            },
        );
        (o, doc.text)
    }

    fn anchored(md: &str, quote: &str) -> String {
        match run(md, quote, None, None, None) {
            (Outcome::Anchored(c), text) => text[c.range].to_string(),
            (o, _) => panic!("not anchored: {o:?}"),
        }
    }

    #[test]
    fn exact_unique() {
        assert_eq!(
            anchored(
                "后者则以其他中国大模型创业公司（俗称“大模型六小虎”）为主。\n",
                "大模型六小虎"
            ),
            "大模型六小虎"
        );
    }

    #[test]
    fn across_bold_and_links_and_mixed_scripts() {
        assert_eq!(
            anchored("前者以**积极拥抱** DeepSeek 生态。\n", "积极拥抱 DeepSeek"),
            "积极拥抱 DeepSeek"
        );
        assert_eq!(
            anchored(
                "见[雷峰网](https://x) AI 科技评论报道。\n",
                "雷峰网 AI 科技"
            ),
            "雷峰网 AI 科技"
        );
    }

    #[test]
    fn whitespace_is_normalised_but_punctuation_width_is_not() {
        assert_eq!(
            anchored("DeepSeek   V3 这样的\n工作\n", "DeepSeek V3"),
            "DeepSeek   V3"
        );
        let (o, _) = run("风暴后，中国\n", "风暴后,中国", None, None, None);
        assert!(matches!(o, Outcome::NotFound { .. }), "{o:?}");
    }

    #[test]
    fn ambiguous_lists_candidates_with_shortest_disambiguators() {
        let md = "甲说 DeepSeek 好。\n\n乙说 DeepSeek 强。\n";
        let (o, _) = run(md, "DeepSeek", None, None, None);
        let Outcome::Ambiguous(c) = o else {
            panic!("{o:?}")
        };
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].1, Disambiguator::Suffix("好".into()));
        assert_eq!(c[1].1, Disambiguator::Suffix("强".into()));
        assert_eq!(blocks_para(md, &c[1].0), Some(2));
        // Disambiguated by prefix, suffix, or occurrence.
        let (o, t) = run(md, "DeepSeek", Some("乙说 "), None, None);
        assert!(
            matches!(&o, Outcome::Anchored(c) if t[c.range.clone()] == *"DeepSeek" && c.block == 1),
            "{o:?}"
        );
        let (o, _) = run(md, "DeepSeek", None, Some(" 好"), None);
        assert!(matches!(&o, Outcome::Anchored(c) if c.block == 0), "{o:?}");
        let (o, _) = run(md, "DeepSeek", None, None, Some(2));
        assert!(matches!(&o, Outcome::Anchored(c) if c.block == 1), "{o:?}");
    }

    fn blocks_para(md: &str, c: &Candidate) -> Option<u32> {
        block_texts(&parse(md))[c.block].para
    }

    #[test]
    fn occurrence_out_of_range() {
        let (o, _) = run("好 好\n", "好", None, None, Some(3));
        assert_eq!(o, Outcome::OccurrenceOutOfRange { found: 2 });
        let (o, _) = run("好 好\n", "好", None, None, Some(0));
        assert_eq!(o, Outcome::OccurrenceOutOfRange { found: 2 });
    }

    #[test]
    fn not_found_suggests_the_closest_passage() {
        let md = "第一段没有关系。\n\n梁文锋以下基本全是打工人。\n";
        let (o, _) = run(md, "梁文峰以下基本全是打工人", None, None, None);
        let Outcome::NotFound {
            closest: Some(c),
            without_context: 0,
        } = o
        else {
            panic!("{o:?}")
        };
        assert_eq!(c.block, 1);
        assert_eq!(c.text, "梁文锋以下基本全是打工人");
        assert!(
            (c.similarity - (1.0 - 1.0 / 12.0)).abs() < 1e-9,
            "{}",
            c.similarity
        );
    }

    #[test]
    fn context_that_excludes_every_match_is_reported() {
        let (o, _) = run("甲乙丙\n", "乙", Some("丁"), None, None);
        assert_eq!(
            o,
            Outcome::NotFound {
                without_context: 1,
                closest: None
            }
        );
    }

    #[test]
    fn overlapping_occurrences_are_found() {
        let (o, _) = run("哈哈哈\n", "哈哈", None, None, None);
        let Outcome::Ambiguous(c) = o else {
            panic!("{o:?}")
        };
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn one_pass_occurrences_equal_per_quote_search() {
        let doc = parse("甲说 DeepSeek 好。\n\n乙说 DeepSeek 强，哈哈哈。\n");
        let blocks = block_texts(&doc);
        let quotes: Vec<String> = ["DeepSeek", "哈哈", "说", "不存在", ""]
            .iter()
            .map(|q| quote_key(q))
            .collect();
        let all = occurrences_of_all(&blocks, &quotes);
        for (q, found) in quotes.iter().zip(&all) {
            if q.is_empty() {
                assert!(found.is_empty());
            } else {
                assert_eq!(found, &occurrences(&blocks, q), "{q}");
            }
        }
    }

    #[test]
    fn empty_quote() {
        let (o, _) = run("甲\n", "  ", None, None, None);
        assert_eq!(o, Outcome::EmptyQuote);
    }
}
