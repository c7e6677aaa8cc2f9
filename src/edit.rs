//! Front matter edited in place: annotations added, replaced or removed in a
//! chapter file's text with every other byte kept (comments, formatting,
//! CRLF line ends), and the requests of `serve`'s editing API turned into
//! such edits.
//!
//! Input: a chapter (its text and front matter; for a [`Change`], the linked
//! edition: the chapter's reading text and blocks, every id in use, the
//! profiles' aliases). Output: the file's new text, and for a change the
//! annotation as written — its quote anchored with the shortest
//! `prefix`/`suffix`/`occurrence` that singles it out, the same
//! disambiguators `check` suggests — or the [`Problem`]s with the request,
//! each naming the form field it is about. The caller checks the whole
//! edition with the new text before writing it. Must not read or write
//! files.

use std::collections::HashSet;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::annotate::Linked;
use crate::annotate::anchor::{self, Candidate, Disambiguator, Fit, Outcome, Query};
use crate::content::{Annotation, AnnotationKind, Chapter, FrontMatter as _, SourceRef, is_slug};
use crate::diag::{Code, Diagnostic};
use crate::yaml::{Step, Tree};

/// An annotation as the editing API receives it: the front matter's own
/// field names. Only `quote`, `kind` and `note` are needed; `prefix` and
/// `suffix` are the text just before and after the passage (of any length)
/// when the quote repeats; a missing `id` is proposed from the passage.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub quote: String,
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub suffix: Option<String>,
    #[serde(default)]
    pub occurrence: Option<u32>,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub sources: Vec<SourceRef>,
    #[serde(default)]
    pub refs: Vec<String>,
    #[serde(default)]
    pub date: Option<String>,
}

/// What to do to one chapter's annotations.
#[derive(Debug, Clone)]
pub enum Change {
    Create(Draft),
    Replace { id: String, draft: Draft },
    Delete { id: String },
}

/// A problem with a request, and the form field it is about (`quote`,
/// `kind`, `id`, `sources[0].url`, …; `None` for the request as a whole).
#[derive(Debug, Clone)]
pub struct Problem {
    pub field: Option<String>,
    pub diagnostic: Diagnostic,
}

impl Problem {
    fn on(field: &str, diagnostic: Diagnostic) -> Problem {
        Problem {
            field: Some(field.to_string()),
            diagnostic,
        }
    }
}

/// A change applied to a chapter's text.
#[derive(Debug, Clone)]
pub struct Edited {
    /// The chapter file's new text.
    pub text: String,
    /// The annotation as written (`None` for a deletion).
    pub annotation: Option<Annotation>,
    /// Its index in the chapter's `annotations:` (for positioning problems).
    pub index: Option<usize>,
}

/// Applies `change` to chapter `ci` of the linked edition.
pub fn apply(linked: &Linked<'_>, ci: usize, change: &Change) -> Result<Edited, Vec<Problem>> {
    let chapter = linked.chapters[ci].chapter;
    let cannot = || {
        vec![Problem {
            field: None,
            diagnostic: Diagnostic::new(
                Code::CannotInsert,
                "the chapter's `annotations:` is not a block list glossa can edit safely",
            )
            .help("edit this chapter's front matter by hand (one `- id:` item per annotation)"),
        }]
    };
    match change {
        Change::Create(draft) => {
            let a = annotation(linked, ci, draft, None)?;
            let text = insert_annotations(chapter, std::slice::from_ref(&a));
            Ok(Edited {
                text,
                annotation: Some(a),
                index: Some(chapter.meta.annotations.len()),
            })
        }
        Change::Replace { id, draft } => {
            let k = position(chapter, id)?;
            let a = annotation(linked, ci, draft, Some(id))?;
            let text = replace_annotation(chapter, k, Some(&a)).ok_or_else(cannot)?;
            Ok(Edited {
                text,
                annotation: Some(a),
                index: Some(k),
            })
        }
        Change::Delete { id } => {
            let k = position(chapter, id)?;
            let text = replace_annotation(chapter, k, None).ok_or_else(cannot)?;
            Ok(Edited {
                text,
                annotation: None,
                index: None,
            })
        }
    }
}

/// The index of annotation `id` in the chapter, or a problem.
fn position(chapter: &Chapter, id: &str) -> Result<usize, Vec<Problem>> {
    chapter
        .meta
        .annotations
        .iter()
        .position(|a| a.id == id)
        .ok_or_else(|| {
            vec![Problem::on(
                "id",
                Diagnostic::new(
                    Code::UnknownAnnotation,
                    format!("chapter `{}` has no annotation `{id}`", chapter.slug),
                )
                .help("reload the page: the annotation may have been removed or renamed"),
            )]
        })
}

/// The annotation a draft describes, anchored in chapter `ci`; `replacing`
/// is the id of the annotation it replaces (which it may keep).
fn annotation(
    linked: &Linked<'_>,
    ci: usize,
    d: &Draft,
    replacing: Option<&str>,
) -> Result<Annotation, Vec<Problem>> {
    let mut problems = Vec::new();
    let kind = AnnotationKind::ALL
        .into_iter()
        .find(|k| k.as_str() == d.kind.trim());
    if kind.is_none() {
        let kinds: Vec<&str> = AnnotationKind::ALL.iter().map(|k| k.as_str()).collect();
        let message = if d.kind.trim().is_empty() {
            "an annotation needs a kind".to_string()
        } else {
            format!("`{}` is not an annotation kind", d.kind.trim())
        };
        problems.push(Problem::on(
            "kind",
            Diagnostic::new(Code::UnknownValue, message)
                .help(format!("one of: {}", kinds.join(", "))),
        ));
    }
    let quote = anchor::normalize(d.quote.trim());
    let placed = place(linked, ci, d, &quote);
    let taken = ids_in_use(linked, replacing);
    let id = match d.id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        Some(id) => match check_id(id, &taken) {
            Ok(()) => id.to_string(),
            Err(p) => {
                problems.push(p);
                String::new()
            }
        },
        None => propose_id(&quote, &taken, linked),
    };
    let disambiguator = match placed {
        Ok(d) => d,
        Err(p) => {
            problems.push(p);
            None
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let (mut prefix, mut suffix, mut occurrence) = (None, None, None);
    match disambiguator {
        Some(Disambiguator::Prefix(p)) => prefix = Some(p),
        Some(Disambiguator::Suffix(s)) => suffix = Some(s),
        Some(Disambiguator::Occurrence(n)) => occurrence = u32::try_from(n).ok(),
        None => {}
    }
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut note = d.note.trim_end().to_string();
    if note.contains('\n') {
        note.push('\n');
    }
    Ok(Annotation {
        id,
        quote,
        prefix,
        suffix,
        occurrence,
        kind: kind.expect("checked above"),
        note,
        sources: d
            .sources
            .iter()
            .map(|s| SourceRef {
                title: s.title.trim().to_string(),
                publisher: text(&s.publisher),
                url: text(&s.url),
                date: text(&s.date),
            })
            .filter(|s| {
                !s.title.is_empty() || s.publisher.is_some() || s.url.is_some() || s.date.is_some()
            })
            .collect(),
        refs: d
            .refs
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect(),
        date: text(&d.date),
    })
}

/// An id an editor chose: valid and not used by another annotation.
fn check_id(id: &str, taken: &HashSet<&str>) -> Result<(), Problem> {
    if !is_slug(id) {
        return Err(Problem::on(
            "id",
            Diagnostic::new(
                Code::BadAnnotationId,
                format!("`{id}` is not a valid annotation id"),
            )
            .help("use lowercase ASCII letters, digits and `-`"),
        ));
    }
    if taken.contains(id) {
        return Err(Problem::on(
            "id",
            Diagnostic::new(
                Code::DuplicateAnnotationId,
                format!("the id `{id}` is already used in this edition"),
            )
            .help("ids are permalinks, unique in the edition: choose another"),
        ));
    }
    Ok(())
}

/// Where the draft's quote is in the chapter, as the shortest disambiguator
/// (`None`: the quote occurs once). The draft's `prefix`/`suffix`/
/// `occurrence` choose among repeats, read as front-matter disambiguators
/// first and else as loose context (the text seen around the selection).
fn place(
    linked: &Linked<'_>,
    ci: usize,
    d: &Draft,
    quote: &str,
) -> Result<Option<Disambiguator>, Problem> {
    let lc = &linked.chapters[ci];
    let blocks = anchor::block_texts(&lc.doc);
    let all: Vec<Candidate> =
        anchor::occurrences_of_all(&blocks, &[anchor::quote_key(quote)]).remove(0);
    let q = Query {
        quote,
        prefix: d.prefix.as_deref(),
        suffix: d.suffix.as_deref(),
        occurrence: d.occurrence,
    };
    let chosen = match anchor::anchor_among(&blocks, &q, all.clone()) {
        Outcome::Anchored(c) => all.iter().position(|x| *x == c),
        Outcome::EmptyQuote => {
            return Err(Problem::on(
                "quote",
                Diagnostic::new(Code::EmptyQuote, "the passage is empty")
                    .help("select the words the note is about"),
            ));
        }
        Outcome::OccurrenceOutOfRange { found } => {
            return Err(Problem::on(
                "occurrence",
                Diagnostic::new(
                    Code::OccurrenceOutOfRange,
                    format!("the passage occurs {found} times here"),
                ),
            ));
        }
        Outcome::NotFound {
            closest: Some(cl), ..
        } if all.is_empty() => {
            return Err(Problem::on(
                "quote",
                Diagnostic::new(
                    Code::QuoteNotFound,
                    format!("“{quote}” is not in this chapter"),
                )
                .note(format!(
                    "closest passage: “{}” (similarity {:.0}%)",
                    cl.text,
                    cl.similarity * 100.0
                ))
                .help("select text within one paragraph, heading or list item"),
            ));
        }
        Outcome::NotFound { .. } if all.is_empty() => None,
        // Context that is not an exact disambiguator: the best fit.
        Outcome::NotFound { .. } | Outcome::Ambiguous(_) => {
            let text = &lc.doc.text;
            let prefix = d.prefix.as_deref().unwrap_or("");
            let suffix = d.suffix.as_deref().unwrap_or("");
            match anchor::by_context(&all, text, prefix, suffix) {
                Fit::Best(i) if !(prefix.is_empty() && suffix.is_empty()) => Some(i),
                _ => {
                    return Err(Problem::on(
                        "quote",
                        Diagnostic::new(
                            Code::AmbiguousQuote,
                            format!(
                                "“{quote}” occurs {} times in this chapter and nothing says which",
                                all.len()
                            ),
                        )
                        .help(
                            "send `prefix` or `suffix` (the text just before or after the passage)",
                        ),
                    ));
                }
            }
        }
    };
    let Some(i) = chosen else {
        return Err(Problem::on(
            "quote",
            Diagnostic::new(
                Code::QuoteNotFound,
                format!("“{quote}” is not in this chapter"),
            )
            .help("select text within one paragraph, heading or list item"),
        ));
    };
    Ok((all.len() > 1).then(|| anchor::disambiguate(&blocks, &all, i)))
}

/// Every annotation id of the edition but `except`.
fn ids_in_use<'l>(linked: &'l Linked<'_>, except: Option<&str>) -> HashSet<&'l str> {
    linked
        .edition
        .chapters
        .iter()
        .flat_map(|c| &c.meta.annotations)
        .map(|a| a.id.as_str())
        .filter(|id| Some(*id) != except)
        .collect()
}

/// An id for a new annotation: the id of the profile whose alias the quote
/// is, else the quote's Latin words (`vision-pro`), else `note-N`; never one
/// in use.
pub fn propose_id(quote: &str, taken: &HashSet<&str>, linked: &Linked<'_>) -> String {
    let entity = linked
        .edition
        .entities
        .iter()
        .find(|e| e.aliases.iter().any(|a| a.eq_ignore_ascii_case(quote)))
        .map(|e| e.id.clone());
    let words: Vec<String> = quote
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(5)
        .map(str::to_ascii_lowercase)
        .collect();
    let mut latin = words.join("-");
    latin.truncate(40);
    let latin = latin.trim_end_matches('-').to_string();
    let base = entity
        .or((!latin.is_empty()).then_some(latin))
        .unwrap_or_else(|| "note".to_string());
    if base != "note" && !taken.contains(base.as_str()) {
        return base;
    }
    (if base == "note" { 1 } else { 2 }..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken.contains(id.as_str()))
        .expect("some number is free")
}

/// An annotation of an earlier import whose passage is not in the new text.
#[derive(Debug, Clone)]
pub struct Unanchored {
    /// The chapter it was in.
    pub chapter: String,
    pub annotation: Annotation,
    /// The most similar passage of the new text, if any is close.
    pub closest: Option<String>,
}

/// Carries the annotations of an earlier import (`old`: chapter slug and
/// annotation) over to re-imported chapters: each goes to the chapter with
/// its old slug when its quote anchors there, else to the first other
/// chapter where it anchors. Its own `prefix`/`suffix`/`occurrence` are kept
/// when they still single out one place; otherwise they are read as context
/// and replaced by the shortest disambiguator. Returns, per new chapter, the
/// annotations it receives, and those that anchor nowhere (never dropped).
pub fn carry_over(
    old: &[(String, Annotation)],
    new: &[Chapter],
) -> (Vec<Vec<Annotation>>, Vec<Unanchored>) {
    let texts: Vec<crate::text::Doc<'_>> =
        new.iter().map(|c| crate::text::parse(c.body())).collect();
    let blocks: Vec<Vec<anchor::BlockText>> = texts.iter().map(anchor::block_texts).collect();
    let mut carried = vec![Vec::new(); new.len()];
    let mut lost = Vec::new();
    for (slug, a) in old {
        let own = new.iter().position(|c| &c.slug == slug);
        let order = own
            .into_iter()
            .chain((0..new.len()).filter(|&i| Some(i) != own));
        let placed = order
            .clone()
            .find_map(|i| re_anchor(&blocks[i], &texts[i].text, a).map(|a| (i, a)));
        match placed {
            Some((i, a)) => carried[i].push(a),
            None => {
                let alone = Query {
                    quote: &a.quote,
                    prefix: None,
                    suffix: None,
                    occurrence: None,
                };
                let closest = order
                    .filter_map(|i| match anchor::anchor(&blocks[i], &alone) {
                        Outcome::NotFound {
                            closest: Some(cl), ..
                        } => Some(cl),
                        _ => None,
                    })
                    .max_by(|x, y| x.similarity.total_cmp(&y.similarity))
                    .filter(|cl| cl.similarity >= 0.5)
                    .map(|cl| cl.text);
                lost.push(Unanchored {
                    chapter: slug.clone(),
                    annotation: a.clone(),
                    closest,
                });
            }
        }
    }
    (carried, lost)
}

/// The annotation anchored in one chapter's blocks, or `None`.
fn re_anchor(blocks: &[anchor::BlockText], text: &str, a: &Annotation) -> Option<Annotation> {
    let all = anchor::occurrences_of_all(blocks, &[anchor::quote_key(&a.quote)]).remove(0);
    if all.is_empty() {
        return None;
    }
    let q = Query {
        quote: &a.quote,
        prefix: a.prefix.as_deref(),
        suffix: a.suffix.as_deref(),
        occurrence: a.occurrence,
    };
    if matches!(
        anchor::anchor_among(blocks, &q, all.clone()),
        Outcome::Anchored(_)
    ) {
        return Some(a.clone());
    }
    let prefix = a.prefix.as_deref().unwrap_or("");
    let suffix = a.suffix.as_deref().unwrap_or("");
    let Fit::Best(i) = anchor::by_context(&all, text, prefix, suffix) else {
        return None;
    };
    if all.len() > 1 && prefix.is_empty() && suffix.is_empty() {
        return None; // nothing says which
    }
    let mut out = a.clone();
    out.prefix = None;
    out.suffix = None;
    out.occurrence = None;
    if all.len() > 1 {
        match anchor::disambiguate(blocks, &all, i) {
            Disambiguator::Prefix(p) => out.prefix = Some(p),
            Disambiguator::Suffix(s) => out.suffix = Some(s),
            Disambiguator::Occurrence(n) => out.occurrence = u32::try_from(n).ok(),
        }
    }
    Some(out)
}

/// The form field a diagnostic at byte `at` of a chapter's new text is
/// about, when it lies in annotation `index`'s entry (`kind`, `note`,
/// `sources[1].url`, …).
pub fn field_at(text: &str, yaml: Range<usize>, index: usize, at: usize) -> Option<String> {
    let tree = Tree::parse(&text[yaml.clone()], yaml.start);
    let item = [Step::Key("annotations"), Step::Index(index)];
    let within = |r: Option<Range<usize>>| r.is_some_and(|r| r.start <= at && at <= r.end);
    for field in [
        "id",
        "quote",
        "prefix",
        "suffix",
        "occurrence",
        "kind",
        "note",
        "refs",
        "date",
    ] {
        let path = [item[0], item[1], Step::Key(field)];
        if within(tree.value(&path)) || within(tree.key(&path)) {
            return Some(field.to_string());
        }
    }
    let sources = [item[0], item[1], Step::Key("sources")];
    let mut i = 0;
    while let Some(span) = tree.value(&[sources[0], sources[1], sources[2], Step::Index(i)]) {
        for key in ["title", "publisher", "url", "date"] {
            let path = [
                sources[0],
                sources[1],
                sources[2],
                Step::Index(i),
                Step::Key(key),
            ];
            if within(tree.value(&path)) || within(tree.key(&path)) {
                return Some(format!("sources[{i}].{key}"));
            }
        }
        if within(Some(span)) {
            return Some(format!("sources[{i}]"));
        }
        i += 1;
    }
    (within(tree.value(&sources)) || within(tree.key(&sources))).then(|| "sources".to_string())
}

/// The chapter's text with `new` appended to its `annotations:` list (created
/// at the end of the front matter if absent); nothing else changes.
pub fn insert_annotations(c: &Chapter, new: &[Annotation]) -> String {
    match_line_ends(c, insert_lf(c, new))
}

/// `out` (an edit of the chapter's text written with `\n`) with the lines
/// it changed ending in CRLF when the front matter does; only the changed
/// middle (between the common prefix and suffix) is touched.
fn match_line_ends(c: &Chapter, out: String) -> String {
    if !c.text[c.yaml.clone()].contains("\r\n") {
        return out;
    }
    let text: &str = &c.text;
    let p = text
        .bytes()
        .zip(out.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let max_s = text.len().min(out.len()) - p;
    let sfx = text
        .bytes()
        .rev()
        .zip(out.bytes().rev())
        .take(max_s)
        .take_while(|(a, b)| a == b)
        .count();
    // Never split a character (the common prefix may end inside one).
    let mut p = p;
    while !out.is_char_boundary(p) {
        p -= 1;
    }
    let (head, rest) = out.split_at(p);
    let mut cut = rest.len() - sfx.min(rest.len());
    while !rest.is_char_boundary(cut) {
        cut += 1;
    }
    let (middle, tail) = rest.split_at(cut);
    let mut fixed = String::with_capacity(out.len() + 64);
    fixed.push_str(head);
    let mut prev = head.chars().next_back();
    for ch in middle.chars() {
        if ch == '\n' && prev != Some('\r') {
            fixed.push('\r');
        }
        fixed.push(ch);
        prev = Some(ch);
    }
    // The common suffix may start at the line end of the last changed line.
    if tail.starts_with('\n') && prev != Some('\r') {
        fixed.push('\r');
    }
    fixed.push_str(tail);
    fixed
}

/// The chapter's text with annotation `k` replaced by `new` (or removed when
/// `None`; the list becomes `annotations: []` when it was the last one);
/// nothing else changes. `None` when the entry is not an item of a block
/// list (a flow list `[…]`, or `-` alone on its line).
pub fn replace_annotation(c: &Chapter, k: usize, new: Option<&Annotation>) -> Option<String> {
    let text: &str = &c.text;
    let yaml = c.yaml.clone();
    let tree = Tree::parse(&text[yaml.clone()], yaml.start);
    let (lines, indent) = entry_lines(text, yaml.clone(), &tree, k)?;
    let mut out = String::with_capacity(text.len() + 512);
    out.push_str(&text[..lines.start]);
    match new {
        Some(a) => out.push_str(&items_yaml(std::slice::from_ref(a), &indent)),
        None if c.meta.annotations.len() == 1 => {
            // The key line becomes `annotations: []`.
            let key = tree.key(&[Step::Key("annotations")])?;
            let line_start = text[..key.start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[key.end..]
                .find('\n')
                .map_or(text.len(), |i| key.end + i + 1);
            if line_end > lines.start {
                return None;
            }
            out.clear();
            out.push_str(&text[..line_start]);
            out.push_str(&text[line_start..key.end]);
            out.push_str(": []\n");
            out.push_str(&text[line_end..lines.start]);
        }
        None => {}
    }
    out.push_str(&text[lines.end..]);
    Some(match_line_ends(c, out))
}

/// The lines of annotation `k`'s entry (its `-` line, and the lines after it
/// that are blank or indented deeper than the `-`, without trailing blank
/// lines), and the indentation of its `-`.
fn entry_lines(
    text: &str,
    yaml: Range<usize>,
    tree: &Tree,
    k: usize,
) -> Option<(Range<usize>, String)> {
    let item = tree.value(&[Step::Key("annotations"), Step::Index(k)])?;
    let start = text[..item.start].rfind('\n').map_or(0, |i| i + 1);
    let lead = &text[start..item.start];
    let dash = lead.trim_start();
    if !dash.starts_with('-') || !dash[1..].trim().is_empty() {
        return None;
    }
    let indent = lead[..lead.len() - dash.len()].to_string();
    let depth = indent.chars().count();
    let first_end = text[start..yaml.end]
        .find('\n')
        .map_or(yaml.end, |i| start + i + 1);
    let mut end = first_end;
    for line in line_ranges(text, first_end..yaml.end) {
        let s = &text[line.clone()];
        if s.trim().is_empty() {
            continue;
        }
        if s.chars().take_while(|c| *c == ' ').count() <= depth {
            break;
        }
        end = line.end;
    }
    Some((start..end, indent))
}

fn insert_lf(c: &Chapter, new: &[Annotation]) -> String {
    let text = &c.text;
    let yaml = c.yaml.clone();
    let lines = line_ranges(text, yaml.clone());
    let key = lines
        .iter()
        .position(|r| text[r.clone()].starts_with("annotations:"));
    let Some(k) = key else {
        let mut out = String::with_capacity(text.len() + 256 * new.len());
        out.push_str(&text[..yaml.end]);
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("annotations:\n");
        out.push_str(&items_yaml(new, "  "));
        out.push_str(&text[yaml.end..]);
        return out;
    };
    let key_line = lines[k].clone();
    let after_key = text[key_line.clone()]["annotations:".len()..].trim();
    if after_key.starts_with("[]") {
        // `annotations: []` → a block list.
        let start = key_line.start;
        let end = key_line.start + text[key_line.clone()].trim_end_matches(['\n', '\r']).len();
        let mut out = String::with_capacity(text.len() + 256 * new.len());
        out.push_str(&text[..start]);
        out.push_str("annotations:\n");
        out.push_str(items_yaml(new, "  ").trim_end_matches('\n'));
        out.push_str(&text[end..]);
        return out;
    }
    // The list runs while lines are indented or start with `-`; the items'
    // indentation is that of the first `-`.
    let mut last = k;
    let mut indent = "  ".to_string();
    let mut found_item = false;
    for (i, r) in lines.iter().enumerate().skip(k + 1) {
        let line = &text[r.clone()];
        let trimmed = line.trim_start();
        if line.trim().is_empty() || (trimmed.starts_with('#') && !line.starts_with(['-', ' '])) {
            continue;
        }
        if line.starts_with([' ', '-']) {
            if !found_item && trimmed.starts_with('-') {
                indent = line[..line.len() - trimmed.len()].to_string();
                found_item = true;
            }
            last = i;
        } else {
            break;
        }
    }
    let at = lines[last].end;
    let mut out = String::with_capacity(text.len() + 256 * new.len());
    out.push_str(&text[..at]);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&items_yaml(new, &indent));
    out.push_str(&text[at..]);
    out
}

/// Byte ranges of the lines (with their line ends) within `range`.
fn line_ranges(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut pos = range.start;
    for line in text[range].split_inclusive('\n') {
        out.push(pos..pos + line.len());
        pos += line.len();
    }
    out
}

/// YAML block-sequence items, each line indented by `indent`.
fn items_yaml(new: &[Annotation], indent: &str) -> String {
    let yaml = crate::yaml::to_string(&new);
    let mut out = String::with_capacity(yaml.len() + 16 * new.len());
    for line in yaml.lines() {
        if !line.is_empty() {
            out.push_str(indent);
        }
        // Dates quoted, as editors write them (YAML 1.1 tools would read a bare
        // 2024-05-07 as a timestamp).
        let bare_date = line.trim_start_matches([' ', '-']).strip_prefix("date: ");
        match bare_date {
            Some(d) if d.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
                out.push_str(&line[..line.len() - d.len()]);
                out.push('\'');
                out.push_str(d);
                out.push('\'');
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sources;
    use std::path::Path;

    fn chapter(text: &str) -> Chapter {
        let mut sources = Sources::new();
        let path = Path::new("01-one.md");
        let file = sources.add(path, "01-one.md".into(), text.into());
        crate::content::load::parse_chapter(path, file, text.into()).unwrap()
    }

    fn note(id: &str, quote: &str) -> Annotation {
        Annotation {
            id: id.into(),
            quote: quote.into(),
            prefix: None,
            suffix: None,
            occurrence: None,
            kind: AnnotationKind::Note,
            note: "多行\n注释。\n".into(),
            sources: vec![],
            refs: vec![],
            date: Some("2024-05".into()),
        }
    }

    /// Inserting keeps everything else byte for byte and parses back to old + new.
    fn round_trip(text: &str) -> String {
        let c = chapter(text);
        let new = [note("new-one", "正文"), note("new-two", "一段")];
        let out = insert_annotations(&c, &new);
        let back = chapter(&out);
        let expected: Vec<Annotation> = c.meta.annotations.iter().chain(&new).cloned().collect();
        assert_eq!(back.meta.annotations, expected, "{out}");
        assert_eq!(back.body(), c.body());
        assert_eq!(back.meta.title, c.meta.title);
        assert!(out.contains("date: '2024-05'"), "{out}");
        out
    }

    #[test]
    fn inserts_into_every_shape_of_front_matter() {
        // No annotations key.
        round_trip("---\ntitle: 一\norder: 1\n---\n\n正文一段。\n");
        // `annotations: []` from `glossa new`, with comments after it.
        let out = round_trip(
            "---\ntitle: 一\norder: 1\nannotations: []\n# annotations:\n#   - id: example\n---\n\n正文一段。\n",
        );
        assert!(out.contains("# annotations:\n#   - id: example\n"), "{out}");
        // Items at column 0, followed by another key.
        let out = round_trip(
            "---\ntitle: 一\nannotations:\n- id: old\n  quote: 正文\n  kind: note\n  note: 旧的\norder: 1\n---\n\n正文一段。\n",
        );
        assert!(out.contains("\n- id: new-one\n"), "{out}");
        // Indented items with a comment inside the list, CRLF line ends (kept).
        let out = round_trip(
            "---\r\ntitle: 一\r\norder: 1\r\nannotations:\r\n  # first\r\n  - id: old\r\n    quote: 正文\r\n    kind: note\r\n---\r\n\r\n正文一段。\r\n",
        );
        assert_eq!(
            out.matches('\n').count(),
            out.matches("\r\n").count(),
            "{out:?}"
        );
    }

    /// A file with comments, a block-scalar note with a blank line, and a
    /// comment about the next item at the list's indentation.
    const THREE: &str = "---\ntitle: 一\norder: 1\n# editors: keep this\nannotations:\n  - id: a\n    quote: 正文\n    kind: note\n    note: |\n      第一段。\n\n      第二段。\n  # about b\n  - id: b   # inline\n    quote: 一段\n    kind: note\n    note: 乙\n  - id: c\n    quote: 段\n    kind: note\n    note: 丙\nsummary: 一句。\n---\n\n正文一段。\n";

    #[test]
    fn replacing_an_entry_keeps_every_other_byte() {
        let c = chapter(THREE);
        let mut new = note("a", "正文");
        new.note = "新的。".into();
        let out = replace_annotation(&c, 0, Some(&new)).unwrap();
        let back = chapter(&out);
        assert_eq!(back.meta.annotations[0], new);
        assert_eq!(back.meta.annotations[1..], c.meta.annotations[1..]);
        // Everything from the comment about `b` on is untouched, and so is
        // everything before the entry.
        let at = THREE.find("  # about b").unwrap();
        assert!(out.ends_with(&THREE[at..]), "{out}");
        let head = THREE.find("  - id: a").unwrap();
        assert!(out.starts_with(&THREE[..head]), "{out}");
        // The middle entry: the inline comment goes with it, the rest stays.
        let out = replace_annotation(&c, 1, Some(&note("b", "一段"))).unwrap();
        assert!(out.contains("  # about b\n  - id: b\n"), "{out}");
        assert!(out.contains("  - id: c\n"), "{out}");
        assert_eq!(chapter(&out).meta.annotations[2], c.meta.annotations[2]);
    }

    #[test]
    fn removing_entries_down_to_an_empty_list() {
        let c = chapter(THREE);
        let out = replace_annotation(&c, 2, None).unwrap();
        assert_eq!(
            out,
            THREE.replace(
                "  - id: c\n    quote: 段\n    kind: note\n    note: 丙\n",
                ""
            )
        );
        let c = chapter(
            "---\ntitle: 一\norder: 1\nannotations:\n- id: only\n  quote: 正文\n  kind: note\nsummary: 一句。\n---\n\n正文一段。\n",
        );
        let out = replace_annotation(&c, 0, None).unwrap();
        assert_eq!(
            out,
            "---\ntitle: 一\norder: 1\nannotations: []\nsummary: 一句。\n---\n\n正文一段。\n"
        );
        assert!(chapter(&out).meta.annotations.is_empty());
    }

    #[test]
    fn crlf_files_stay_crlf_and_flow_lists_are_refused() {
        let text = THREE.replace('\n', "\r\n");
        let c = chapter(&text);
        let out = replace_annotation(&c, 1, Some(&note("b", "一段"))).unwrap();
        assert_eq!(out.matches('\n').count(), out.matches("\r\n").count());
        assert_eq!(chapter(&out).meta.annotations[1], note("b", "一段"));
        let out = replace_annotation(&c, 1, None).unwrap();
        assert_eq!(out.matches('\n').count(), out.matches("\r\n").count());
        let flow = chapter(
            "---\ntitle: 一\norder: 1\nannotations: [{id: a, quote: 正文, kind: note}]\n---\n\n正文一段。\n",
        );
        assert!(replace_annotation(&flow, 0, None).is_none());
    }
}
