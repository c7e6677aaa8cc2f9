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
//! anything else in the file ([`crate::edit::insert_annotations`]).
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
use crate::annotate::anchor::{self, Disambiguator, Fit, Outcome, Query};
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

/// One document of an import: the file it was read from (registered for
/// diagnostics), its text and its JSON (from [`parse`]).
pub type Document<'t> = (FileId, &'t str, Value);

/// Plans the import of `docs` — a file, or an exported collection and the
/// pages its `next` links lead to, in order — into the edition, read as one.
/// `failed`: the documents that did not parse (reported with the rest).
/// `chapter` restricts it to one chapter (by slug): annotations whose target
/// names no chapter go there; those naming another chapter are reported.
pub fn plan(
    linked: &Linked<'_>,
    parsed: &[Document<'_>],
    failed: Vec<Diagnostic>,
    chapter: Option<usize>,
) -> Plan {
    let Some(&(file, json, _)) = parsed.first() else {
        return Plan {
            diagnostics: failed,
            ..Plan::default()
        };
    };
    let all: Vec<Vec<&Value>> = parsed.iter().map(|(_, _, doc)| items(doc)).collect();
    if all.iter().all(Vec::is_empty) {
        // (A page of a longer collection may be empty; the import may not.)
        let mut diagnostics = failed;
        diagnostics.push(
            Diagnostic::new(Code::NoAnnotationsFound, "the file holds no Web Annotation")
                .at(file, 0..json.len().min(1))
                .help("expected an AnnotationCollection, an AnnotationPage, an array of annotations or one annotation"),
        );
        return Plan {
            diagnostics,
            ..Plan::default()
        };
    }
    let mut planner = Planner::new(linked, file, json, chapter);
    planner.plan.diagnostics = failed;
    let mut n = 0;
    for ((file, json, _), items) in parsed.iter().zip(all) {
        planner.file = *file;
        planner.json = json;
        planner.seen_exact.clear();
        for item in items {
            if let Err(d) = planner.item(n, item) {
                planner.plan.diagnostics.push(d);
            }
            n += 1;
        }
    }
    planner.finish()
}

/// The JSON of one document, or the `bad-json` error where it stops parsing.
pub fn parse(file: FileId, json: &str) -> Result<Value, Diagnostic> {
    serde_json::from_str(json).map_err(|e| {
        let offset = crate::diag::line_start(json, e.line()) + e.column().saturating_sub(1);
        Diagnostic::new(Code::BadJson, format!("not valid JSON: {e}"))
            .at(file, offset..offset)
            .help("give the file glossa exported, or a Web Annotation (JSON-LD) document")
    })
}

/// Where a document continues: the `next` of its last `AnnotationPage` (the
/// collection's embedded `first`, or the page itself), if it names one.
pub fn next_page(doc: &Value) -> Option<&str> {
    let page = match doc.get("first") {
        Some(first) if first.is_object() => first,
        _ => doc,
    };
    page.get("next")?.as_str()
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
        match anchor::by_context(&all, text, &sel.prefix, &sel.suffix) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypothesis_text_and_tags_become_note_kind_and_refs() {
        let row = serde_json::json!({
            "id": "Qx3f",
            "uri": "https://example.org/chapters/one/",
            "text": "A **reader's** note.",
            "tags": ["Definition", "leiphone", "unrelated"],
            "target": [{"selector": [{"type": "TextQuoteSelector", "exact": "雷峰网"}]}]
        });
        let sel = quote_selector(target(&row).unwrap()).unwrap();
        let entities: HashSet<&str> = ["leiphone", "zhipu"].into_iter().collect();
        let a = to_annotation(&row, &sel, &entities);
        assert_eq!(a.kind, AnnotationKind::Definition);
        assert_eq!(a.refs, vec!["leiphone".to_string()]);
        assert_eq!(a.note.trim(), "A **reader's** note.");
        assert_eq!(a.quote, "雷峰网");
        // A search result's rows are its annotations.
        let result = serde_json::json!({"total": 2, "rows": [row.clone(), row]});
        assert_eq!(items(&result).len(), 2);
    }
}
