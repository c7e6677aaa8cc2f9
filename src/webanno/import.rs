//! Web Annotations in: a W3C Web Annotation document → front-matter annotations.
//!
//! Input: the text of a JSON-LD file (an `AnnotationCollection` with its pages,
//! an `AnnotationPage`, an array of annotations or one annotation — as written
//! by `glossa annotations export` or by a Hypothesis-style client), or the
//! JSON Hypothesis's API returns (a search result's `rows`, or one annotation:
//! `uri`, `text`, `tags`, `document.title`, `target[].selector[]`), and the
//! linked edition. Output: per chapter, the new annotations re-anchored by
//! their `TextQuoteSelector` (the `exact` text, with `prefix`/`suffix` choosing
//! among repeats), each with the shortest `prefix`/`suffix`/`occurrence` that
//! keeps it unique in the front matter; and a diagnostic, positioned in the
//! JSON file, for every annotation that does not anchor (with the closest
//! passage), names another chapter, or clashes with an existing id. Also the
//! edited chapter text: new items appended to `annotations:` without touching
//! anything else in the file.
//!
//! The chapter is the one `glossa:chapter` names, else the one whose URL
//! (`…/chapters/SLUG/`) the target's `source`, the annotation's `id` or its
//! `uri` contains, else the one whose title the page's `document.title`
//! contains, else `--chapter`. Only the `TextQuoteSelector` anchors: range
//! and position selectors count in the page a client saw, not in the
//! chapter's text, and are ignored. `glossa:` properties (written by the
//! export) are used when present, so an export followed by an import
//! reproduces the same annotations. Must not read
//! or write files (`build::import_annotations` does, verifying each new text
//! by parsing it back and restoring the files on error).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use serde_json::Value;

use crate::annotate::Linked;
use crate::annotate::anchor::{self, Disambiguator, Outcome, Query};
use crate::content::{Annotation, AnnotationKind, Chapter, SourceRef, is_slug};
use crate::diag::{Code, Diagnostic, FileId};

/// What an import found.
#[derive(Debug, Default)]
pub struct Plan {
    /// Per chapter (index in the edition): the annotations to add, in file order.
    pub added: Vec<(usize, Vec<Annotation>)>,
    /// Annotations already in the edition, identical: nothing to do.
    pub unchanged: usize,
    /// One error per annotation that cannot be imported.
    pub diagnostics: Vec<Diagnostic>,
}

/// Plans the import of `json` (registered as `file`) into the edition.
/// `chapter` restricts it to one chapter (by slug): annotations whose target
/// names no chapter go there; those naming another chapter are reported.
pub fn plan(linked: &Linked<'_>, file: FileId, json: &str, chapter: Option<usize>) -> Plan {
    let doc: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => {
            let offset = crate::diag::line_start(json, e.line()) + e.column().saturating_sub(1);
            return Plan::failed(
                Diagnostic::new(Code::BadJson, format!("not valid JSON: {e}"))
                    .at(file, offset..offset)
                    .help("give the file glossa exported, or a Web Annotation (JSON-LD) document"),
            );
        }
    };
    let items = items(&doc);
    if items.is_empty() {
        return Plan::failed(
            Diagnostic::new(Code::NoAnnotationsFound, "the file holds no Web Annotation")
                .at(file, 0..json.len().min(1))
                .help("expected an AnnotationCollection, an AnnotationPage, an array of annotations or one annotation"),
        );
    }
    let mut planner = Planner::new(linked, file, json, chapter);
    for (n, item) in items.iter().enumerate() {
        if let Err(d) = planner.item(n, item) {
            planner.plan.diagnostics.push(d);
        }
    }
    planner.finish()
}

impl Plan {
    fn failed(d: Diagnostic) -> Plan {
        Plan {
            diagnostics: vec![d],
            ..Plan::default()
        }
    }
}

/// The state of one import: what the edition holds, what is added so far.
struct Planner<'l, 'a> {
    linked: &'l Linked<'a>,
    file: FileId,
    json: &'l str,
    chapter: Option<usize>,
    /// Every id in use, and where.
    existing: HashMap<&'a str, (usize, &'a Annotation)>,
    /// Ids in use or given to an added annotation.
    taken: HashSet<String>,
    /// Per chapter, its blocks as anchoring sees them.
    blocks: Vec<Vec<anchor::BlockText>>,
    entity_ids: HashSet<&'a str>,
    /// Per chapter, the annotations to add.
    added: Vec<Vec<Annotation>>,
    /// How often each `exact` string was seen (to find the n-th in the file).
    seen_exact: HashMap<String, usize>,
    plan: Plan,
}

/// One annotation being imported: its label for messages and where it is
/// in the JSON file.
struct Item<'v> {
    value: &'v Value,
    label: String,
    file: FileId,
    span: Range<usize>,
}

impl Item<'_> {
    fn error(&self, code: Code, message: String) -> Diagnostic {
        Diagnostic::new(code, message).at(self.file, self.span.clone())
    }
}

/// How well the occurrences of a quote fit the selector's context.
enum Fit {
    /// The quote does not occur.
    Absent,
    /// Two or more fit equally well.
    Tie,
    /// The index of the one that fits best.
    Best(usize),
}

impl<'l, 'a> Planner<'l, 'a> {
    fn new(linked: &'l Linked<'a>, file: FileId, json: &'l str, chapter: Option<usize>) -> Self {
        let edition = linked.edition;
        let mut existing = HashMap::new();
        for (ci, c) in edition.chapters.iter().enumerate() {
            for a in &c.meta.annotations {
                existing.insert(a.id.as_str(), (ci, a));
            }
        }
        Planner {
            linked,
            file,
            json,
            chapter,
            taken: existing.keys().map(|s| s.to_string()).collect(),
            existing,
            blocks: linked
                .chapters
                .iter()
                .map(|lc| anchor::block_texts(&lc.doc))
                .collect(),
            entity_ids: edition.entities.iter().map(|e| e.id.as_str()).collect(),
            added: vec![Vec::new(); edition.chapters.len()],
            seen_exact: HashMap::new(),
            plan: Plan::default(),
        }
    }

    /// Imports one annotation, or says why it cannot be.
    fn item(&mut self, n: usize, value: &Value) -> Result<(), Diagnostic> {
        let target = target(value);
        let selector = target.and_then(quote_selector);
        let item = Item {
            value,
            label: value
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| format!("annotation {}", n + 1), |id| format!("`{id}`")),
            file: self.file,
            span: self.span_of(selector.as_ref()),
        };
        let Some(sel) = selector else {
            return Err(item
                .error(Code::NoQuoteSelector, format!("{} has no TextQuoteSelector", item.label))
                .help("glossa anchors annotations by quote; add a target selector of type TextQuoteSelector with `exact`"));
        };
        let ci = self.chapter_of(&item, target)?;
        let (all, chosen) = self.reanchor(&item, ci, &sel)?;
        let mut a = to_annotation(value, &sel, &self.entity_ids);
        self.disambiguate(&mut a, ci, &all, chosen);
        if self.admit(&item, &mut a, ci)? {
            self.added[ci].push(a);
        }
        Ok(())
    }

    /// Where an annotation is in the JSON file: its `exact` string (the n-th
    /// time that string is seen), else the file's start.
    fn span_of(&mut self, sel: Option<&QuoteSelector>) -> Range<usize> {
        sel.and_then(|s| {
            let key = serde_json::to_string(&s.exact).ok()?;
            let k = self.seen_exact.entry(key.clone()).or_insert(0);
            *k += 1;
            self.json
                .match_indices(&key)
                .nth(*k - 1)
                .map(|(i, m)| i..i + m.len())
        })
        .unwrap_or(0..0)
    }

    /// The chapter the annotation goes to: the one its target names, or
    /// `--chapter`; an error when they disagree or neither says.
    fn chapter_of(&self, item: &Item<'_>, target: Option<&Value>) -> Result<usize, Diagnostic> {
        let chapters = &self.linked.edition.chapters;
        let named = named_chapter(item.value, target, chapters);
        match (self.chapter, named) {
            (Some(want), Some(got)) if want != got => Err(item
                .error(
                    Code::OtherChapter,
                    format!(
                        "{} targets chapter `{}`, not `{}`",
                        item.label, chapters[got].slug, chapters[want].slug
                    ),
                )
                .help("import it without --chapter, or with --chapter set to its chapter")),
            (Some(want), _) => Ok(want),
            (None, Some(got)) => Ok(got),
            (None, None) => Err(item
                .error(
                    Code::NoTargetChapter,
                    format!("{} does not target a chapter of this edition", item.label),
                )
                .help("pass --chapter SLUG to say which chapter it belongs to")),
        }
    }

    /// Every occurrence of the quote in the chapter, and the one whose
    /// context fits the selector best; an error when the quote is gone (with
    /// the closest passage) or two places fit equally well.
    fn reanchor(
        &self,
        item: &Item,
        ci: usize,
        sel: &QuoteSelector,
    ) -> Result<(Vec<anchor::Candidate>, usize), Diagnostic> {
        let bl = &self.blocks[ci];
        let text = &self.linked.chapters[ci].doc.text;
        let all = anchor::occurrences_of_all(bl, &[anchor::quote_key(&sel.exact)]).remove(0);
        match best_fit(&all, text, sel) {
            Fit::Best(i) => Ok((all, i)),
            Fit::Tie => Err(item
                .error(
                    Code::AmbiguousTarget,
                    format!(
                        "{}: “{}” occurs {} times and its prefix/suffix do not tell which",
                        item.label,
                        sel.exact.trim(),
                        all.len()
                    ),
                )
                .help("add a longer prefix or suffix to the TextQuoteSelector")),
            Fit::Absent => {
                let slug = &self.linked.edition.chapters[ci].slug;
                let mut d = item.error(
                    Code::DoesNotAnchor,
                    format!(
                        "{}: “{}” is not in chapter `{slug}` any more",
                        item.label,
                        sel.exact.trim()
                    ),
                );
                let alone = Query {
                    quote: &sel.exact,
                    prefix: None,
                    suffix: None,
                    occurrence: None,
                };
                if let Outcome::NotFound {
                    closest: Some(cl), ..
                } = anchor::anchor(bl, &alone)
                {
                    d = d.note(format!(
                        "closest passage: “{}” (similarity {:.0}%)",
                        cl.text,
                        cl.similarity * 100.0
                    ));
                }
                Err(d.help(
                    "the text changed since the annotation was made: re-annotate the passage by hand",
                ))
            }
        }
    }

    /// Keeps the annotation's own prefix/suffix/occurrence if they still pick
    /// the chosen place; otherwise gives it the shortest that does.
    fn disambiguate(
        &self,
        a: &mut Annotation,
        ci: usize,
        all: &[anchor::Candidate],
        chosen: usize,
    ) {
        let bl = &self.blocks[ci];
        let q = Query {
            quote: &a.quote,
            prefix: a.prefix.as_deref(),
            suffix: a.suffix.as_deref(),
            occurrence: a.occurrence,
        };
        let keeps = matches!(anchor::anchor_among(bl, &q, all.to_vec()),
            Outcome::Anchored(x) if x.range == all[chosen].range);
        if keeps {
            return;
        }
        a.prefix = None;
        a.suffix = None;
        a.occurrence = None;
        if all.len() > 1 {
            match anchor::disambiguate(bl, all, chosen) {
                Disambiguator::Prefix(p) => a.prefix = Some(p),
                Disambiguator::Suffix(s) => a.suffix = Some(s),
                Disambiguator::Occurrence(o) => a.occurrence = Some(o as u32),
            }
        }
    }

    /// Whether to add the annotation: the same annotation again is counted
    /// as unchanged; a different one under an existing id is an error; a
    /// foreign annotation whose derived id clashes is numbered.
    fn admit(&mut self, item: &Item, a: &mut Annotation, ci: usize) -> Result<bool, Diagnostic> {
        if let Some((other, old)) = self.existing.get(a.id.as_str()) {
            if *other == ci && **old == *a {
                self.plan.unchanged += 1;
                return Ok(false);
            }
            return Err(item
                .error(
                    Code::IdConflict,
                    format!(
                        "{}: the id `{}` is already used in chapter `{}` by a different annotation",
                        item.label, a.id, self.linked.edition.chapters[*other].slug
                    ),
                )
                .help("nothing was changed for it: edit or remove the existing annotation first, or drop the `glossa:id` from the file"));
        }
        if !self.taken.insert(a.id.clone()) {
            let base = a.id.clone();
            let mut k = 2;
            while !self.taken.insert(format!("{base}-{k}")) {
                k += 1;
            }
            a.id = format!("{base}-{k}");
        }
        Ok(true)
    }

    fn finish(mut self) -> Plan {
        self.plan.added = self
            .added
            .into_iter()
            .enumerate()
            .filter(|(_, a)| !a.is_empty())
            .collect();
        self.plan
    }
}

/// The annotations of a document, whatever its shape.
fn items(doc: &Value) -> Vec<&Value> {
    match doc {
        Value::Array(a) => a.iter().flat_map(items).collect(),
        Value::Object(o) => {
            let ty = o.get("type").and_then(Value::as_str).unwrap_or("");
            if ty == "Annotation" || (o.contains_key("target") && !o.contains_key("items")) {
                return vec![doc];
            }
            let mut out = Vec::new();
            if let Some(first) = o.get("first") {
                out.extend(items(first));
            }
            // `items` of a page; `rows` of a Hypothesis search result.
            for key in ["items", "rows"] {
                if let Some(Value::Array(list)) = o.get(key) {
                    out.extend(list.iter().flat_map(items));
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The first target that is an object (a `SpecificResource`).
fn target(item: &Value) -> Option<&Value> {
    match item.get("target")? {
        Value::Array(a) => a.iter().find(|t| t.is_object()),
        t @ Value::Object(_) => Some(t),
        _ => None,
    }
}

/// A `TextQuoteSelector`.
#[derive(Debug)]
struct QuoteSelector {
    exact: String,
    prefix: String,
    suffix: String,
}

fn quote_selector(target: &Value) -> Option<QuoteSelector> {
    let selectors: Vec<&Value> = match target.get("selector")? {
        Value::Array(a) => a.iter().collect(),
        s => vec![s],
    };
    let s = selectors
        .into_iter()
        .find(|s| s.get("type").and_then(Value::as_str) == Some("TextQuoteSelector"))?;
    let field = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let exact = field("exact");
    (!exact.trim().is_empty()).then(|| QuoteSelector {
        exact,
        prefix: field("prefix"),
        suffix: field("suffix"),
    })
}

/// The chapter an annotation names: by `glossa:chapter`, by a URL (the
/// target's `source`, the annotation's `id`, Hypothesis's `uri`), or by the
/// page title Hypothesis records (`document.title`, a list or a string).
fn named_chapter(item: &Value, target: Option<&Value>, chapters: &[Chapter]) -> Option<usize> {
    let slug = item.get("glossa:chapter").and_then(Value::as_str);
    if let Some(i) = slug.and_then(|s| chapters.iter().position(|c| c.slug == s)) {
        return Some(i);
    }
    let urls = [
        target.and_then(|t| t.get("source")),
        item.get("id"),
        item.get("uri"),
    ];
    if let Some(i) = urls
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find_map(|u| chapter_in_url(u, chapters))
    {
        return Some(i);
    }
    let titles: Vec<&str> = match item.get("document").and_then(|d| d.get("title")) {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(t)) => vec![t],
        _ => Vec::new(),
    };
    // The longest chapter title a page title contains (so “Chapter 1”
    // does not win over “Chapter 12”); only one chapter may have it.
    let mut best: Option<(usize, usize)> = None;
    let mut tie = false;
    for (i, c) in chapters.iter().enumerate() {
        let t = c.title();
        if t.is_empty() || !titles.iter().any(|p| p.contains(t)) {
            continue;
        }
        match best {
            Some((_, len)) if len > t.len() => {}
            Some((_, len)) if len == t.len() => tie = true,
            _ => {
                best = Some((i, t.len()));
                tie = false;
            }
        }
    }
    best.filter(|_| !tie).map(|(i, _)| i)
}

/// The chapter whose URL (`…/chapters/SLUG/…`) the string contains.
fn chapter_in_url(src: &str, chapters: &[Chapter]) -> Option<usize> {
    let rest = &src[src.find("chapters/")? + "chapters/".len()..];
    let slug = rest.split(['/', '#', '?']).next()?;
    chapters.iter().position(|c| c.slug == slug)
}

/// Among the occurrences, the one whose surroundings in the reading text best
/// match the selector's prefix and suffix.
fn best_fit(all: &[anchor::Candidate], text: &str, sel: &QuoteSelector) -> Fit {
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
            common_suffix(&text[..c.range.start], &sel.prefix)
                + common_prefix(&text[c.range.end..], &sel.suffix)
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

/// The front-matter annotation for a Web Annotation (quote and disambiguators
/// are checked by the caller).
fn to_annotation(item: &Value, sel: &QuoteSelector, entities: &HashSet<&str>) -> Annotation {
    let str_of = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_string);
    let tags = tags(item);
    let kind = str_of("glossa:kind")
        .or_else(|| {
            tags.iter()
                .find(|t| AnnotationKind::ALL.iter().any(|k| k.as_str() == t.as_str()))
                .cloned()
        })
        .and_then(|k| AnnotationKind::ALL.into_iter().find(|x| x.as_str() == k))
        .unwrap_or(AnnotationKind::Note);
    let note = str_of("glossa:note").unwrap_or_else(|| body_text(item));
    let id = str_of("glossa:id")
        .filter(|i| is_slug(i))
        .or_else(|| {
            let id = str_of("id")?;
            let frag = &id[id.rfind("#n-")? + 3..];
            is_slug(frag).then(|| frag.to_string())
        })
        .unwrap_or_else(|| {
            format!(
                "imported-{:08x}",
                fnv(&format!("{}\u{0}{note}", sel.exact)) as u32
            )
        });
    let sources: Vec<SourceRef> = item
        .get("glossa:sources")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let refs: Vec<String> = match item.get("glossa:refs") {
        Some(v) => serde_json::from_value(v.clone()).unwrap_or_default(),
        None => tags
            .into_iter()
            .filter(|t| entities.contains(t.as_str()))
            .collect(),
    };
    Annotation {
        id,
        quote: str_of("glossa:quote").unwrap_or_else(|| sel.exact.trim().to_string()),
        prefix: str_of("glossa:prefix"),
        suffix: str_of("glossa:suffix"),
        occurrence: item
            .get("glossa:occurrence")
            .and_then(Value::as_u64)
            .and_then(|o| u32::try_from(o).ok()),
        kind,
        note,
        sources,
        refs,
        date: str_of("glossa:date"),
    }
}

/// Bodies as a list.
fn bodies(item: &Value) -> Vec<&Value> {
    match item.get("body") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(b) => vec![b],
        None => Vec::new(),
    }
}

/// `tagging` bodies' values, and Hypothesis's `tags`.
fn tags(item: &Value) -> Vec<String> {
    let hypothesis = item.get("tags").and_then(Value::as_array);
    bodies(item)
        .into_iter()
        .filter(|b| b.get("purpose").and_then(Value::as_str) == Some("tagging"))
        .filter_map(|b| b.get("value"))
        .chain(hypothesis.into_iter().flatten())
        .filter_map(Value::as_str)
        .map(|t| t.trim().to_lowercase())
        .collect()
}

/// The note of a foreign annotation: its textual bodies (not tags), as plain
/// text (HTML bodies lose their markup), or Hypothesis's `text` (Markdown,
/// as notes are).
fn body_text(item: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(text) = item.get("text").and_then(Value::as_str) {
        parts.push(text.trim().to_string());
    }
    for b in bodies(item) {
        let text = match b {
            Value::String(s) => s.clone(),
            Value::Object(_) => {
                if b.get("purpose").and_then(Value::as_str) == Some("tagging") {
                    continue;
                }
                let Some(v) = b.get("value").and_then(Value::as_str) else {
                    continue;
                };
                if b.get("format").and_then(Value::as_str) == Some("text/html") {
                    strip_html(v)
                } else {
                    v.to_string()
                }
            }
            _ => continue,
        };
        if !text.trim().is_empty() {
            parts.push(text.trim().to_string());
        }
    }
    let mut note = parts.join("\n\n");
    note.push('\n');
    note
}

/// Text content of an HTML fragment (tags dropped, the common entities decoded,
/// block ends as line breaks).
fn strip_html(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[i + 1..i + j];
        if tag.starts_with("/p") || tag.starts_with("br") || tag.starts_with("/li") {
            out.push('\n');
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

/// The chapter's text with `new` appended to its `annotations:` list (created
/// at the end of the front matter if absent); nothing else changes.
pub fn insert_annotations(c: &Chapter, new: &[Annotation]) -> String {
    let out = insert_lf(c, new);
    if !c.text[c.yaml.clone()].contains("\r\n") {
        return out;
    }
    // A CRLF file: the inserted lines get CRLF too. Only the changed middle
    // (between the common prefix and suffix) is touched.
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
    let (head, rest) = out.split_at(p);
    let (middle, tail) = rest.split_at(rest.len() - sfx);
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
    fixed.push_str(tail);
    fixed
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
    use crate::content::FrontMatter as _;
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
}
