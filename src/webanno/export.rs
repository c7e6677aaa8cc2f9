//! Web Annotations out: the linked edition's notes → `annotations.jsonld`.
//!
//! Input: the linked edition, the notes' HTML bodies and where each passage
//! is on its chapter page ([`PageAnchor`], computed by `render` from the
//! page itself). Output: the bytes of an `AnnotationCollection` (JSON-LD)
//! whose first `AnnotationPage` holds one self-contained `Annotation` per
//! note (each with its own `@context`): a `TextualBody` (the note as HTML,
//! with `language`) and a target whose `source` is the chapter page, with
//! three selectors for the same passage:
//!
//! - `TextQuoteSelector`: `exact`, and a `prefix`/`suffix` taken from the
//!   page's text so that `prefix + exact + suffix` occurs exactly once in it
//!   (from the passage's own paragraph when that is enough; an empty one is
//!   left out);
//! - `TextPositionSelector`: `start`/`end` in Unicode code points of the
//!   page's body text — the text nodes of `<body>` in document order, what
//!   `document.body.textContent` holds;
//! - for a passage in a numbered paragraph, a `CssSelector` `#pN` refined by
//!   a `TextQuoteSelector` with context from that paragraph alone.
//!
//! Ids and sources are absolute: the page's URL with a base URL
//! (`BASE/chapters/SLUG/#n-ID`), else `urn:uuid:` names derived from the
//! edition's title, the chapter and the note (valid, stable, but not
//! resolvable: set a base URL for clients to find the pages; `glossa:chapter`
//! names the chapter either way). Properties in
//! the `glossa:` namespace carry the front-matter annotation itself so that
//! `glossa annotations import` reproduces it exactly. Must not touch the disk.

use rayon::prelude::*;
use serde::Serialize;

use super::{NAMESPACE, motivation};
use crate::annotate::{Linked, LinkedChapter};
use crate::content::SourceRef;

/// The HTML body of note `k` of chapter `ci` (the caller renders notes).
pub type Bodies<'b> = dyn Fn(usize, usize) -> String + Sync + 'b;

/// Where a note's passage is on its chapter page, as clients see the page
/// (the text nodes of `<body>`, in document order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageAnchor {
    /// Code points of the page's body text before the passage, and before its end.
    pub start: u32,
    pub end: u32,
    /// The text just before and after the passage on the page that makes
    /// `prefix + exact + suffix` occur once there (empty: none needed).
    pub prefix: Box<str>,
    pub suffix: Box<str>,
    /// The paragraph (`#pN`) the passage is in, and — when `prefix`/`suffix`
    /// reach beyond it — the context within the paragraph alone.
    pub paragraph: Option<(u32, Option<Context>)>,
}

/// A quote's `prefix` and `suffix`.
pub type Context = (Box<str>, Box<str>);

/// Per chapter (`None`: none known), its notes' anchors (in the notes'
/// order; `None` where the page does not show the passage).
pub type Anchors = [Option<Vec<Option<PageAnchor>>>];

/// The JSON-LD context of the export and of each annotation in it.
fn context() -> serde_json::Value {
    serde_json::json!(["http://www.w3.org/ns/anno.jsonld", {"glossa": NAMESPACE}])
}

/// A `urn:uuid:` name for `parts` (FNV-1a over them, twice, as 128 bits in
/// the UUID layout, version 8 "custom"): stable for the same edition, chapter
/// and note.
fn urn(parts: &[&str]) -> String {
    let hash = |seed: u64| {
        let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
        for p in parts {
            for b in p.bytes().chain(std::iter::once(0)) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        h
    };
    let (a, b) = (hash(0), hash(0x9e37_79b9_7f4a_7c15));
    format!(
        "urn:uuid:{:08x}-{:04x}-8{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

/// Where the export's ids and sources point.
struct Names<'a> {
    base: Option<&'a str>,
    title: &'a str,
}

impl Names<'_> {
    fn page(&self, slug: &str) -> String {
        match self.base {
            Some(b) => format!("{b}{}", crate::content::chapter_url(slug)),
            None => urn(&[self.title, "chapter", slug]),
        }
    }

    fn note(&self, slug: &str, id: &str) -> String {
        match self.base {
            Some(b) => format!("{b}{}#n-{id}", crate::content::chapter_url(slug)),
            None => urn(&[self.title, "note", slug, id]),
        }
    }

    fn collection(&self) -> String {
        match self.base {
            Some(b) => format!("{b}annotations.jsonld"),
            None => urn(&[self.title, "annotations"]),
        }
    }
}

#[derive(Serialize)]
struct Item<'a> {
    #[serde(rename = "@context")]
    context: &'a serde_json::Value,
    id: String,
    #[serde(rename = "type")]
    ty: &'static str,
    motivation: &'static str,
    body: Body<'a>,
    target: Target<'a>,
    #[serde(rename = "glossa:chapter")]
    chapter: &'a str,
    #[serde(rename = "glossa:kind")]
    kind: &'a str,
    #[serde(rename = "glossa:number")]
    number: u32,
    #[serde(rename = "glossa:id")]
    gid: &'a str,
    #[serde(rename = "glossa:quote")]
    quote: &'a str,
    #[serde(rename = "glossa:note")]
    note: &'a str,
    #[serde(rename = "glossa:prefix", skip_serializing_if = "Option::is_none")]
    prefix: Option<&'a str>,
    #[serde(rename = "glossa:suffix", skip_serializing_if = "Option::is_none")]
    suffix: Option<&'a str>,
    #[serde(rename = "glossa:occurrence", skip_serializing_if = "Option::is_none")]
    occurrence: Option<u32>,
    #[serde(rename = "glossa:date", skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    #[serde(rename = "glossa:sources", skip_serializing_if = "<[_]>::is_empty")]
    sources: &'a [SourceRef],
    #[serde(rename = "glossa:refs", skip_serializing_if = "<[_]>::is_empty")]
    refs: &'a [String],
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    value: String,
    format: &'static str,
    language: &'a str,
    purpose: &'static str,
}

#[derive(Serialize)]
struct Target<'a> {
    source: &'a str,
    selector: Vec<serde_json::Value>,
}

/// A `TextQuoteSelector`, without an empty prefix or suffix.
fn quote_selector(exact: &str, prefix: &str, suffix: &str) -> serde_json::Value {
    let mut q = serde_json::json!({"type": "TextQuoteSelector", "exact": exact});
    if !prefix.is_empty() {
        q["prefix"] = prefix.into();
    }
    if !suffix.is_empty() {
        q["suffix"] = suffix.into();
    }
    q
}

/// The selectors of a passage: quote, position, and paragraph refined by quote.
pub fn selectors(exact: &str, a: &PageAnchor) -> Vec<serde_json::Value> {
    let mut out = vec![
        quote_selector(exact, &a.prefix, &a.suffix),
        serde_json::json!({"type": "TextPositionSelector", "start": a.start, "end": a.end}),
    ];
    if let Some((p, inner)) = &a.paragraph {
        let (prefix, suffix) = match inner {
            Some((p, s)) => (&**p, &**s),
            None => (&*a.prefix, &*a.suffix),
        };
        out.push(serde_json::json!({
            "type": "CssSelector",
            "value": format!("#p{p}"),
            "refinedBy": quote_selector(exact, prefix, suffix),
        }));
    }
    out
}

/// The items of one chapter: one compact JSON object each (`<` escaped).
#[allow(clippy::too_many_arguments)]
fn chapter_items(
    ci: usize,
    lc: &LinkedChapter<'_>,
    anchors: &[Option<PageAnchor>],
    bodies: &Bodies<'_>,
    names: &Names<'_>,
    lang: &str,
    context: &serde_json::Value,
    out: &mut Vec<String>,
) {
    let slug = &lc.chapter.slug;
    let page = names.page(slug);
    for (k, note) in lc.notes.iter().enumerate() {
        let exact = note.exact();
        let selector = match anchors.get(k).and_then(Option::as_ref) {
            Some(a) => selectors(exact, a),
            None => vec![quote_selector(exact, "", "")],
        };
        let body = bodies(ci, k);
        let kind = note.annotation.kind.as_str();
        let a = note.annotation;
        let item = Item {
            context,
            id: names.note(slug, &a.id),
            ty: "Annotation",
            motivation: motivation(kind),
            body: Body {
                ty: "TextualBody",
                value: body,
                format: "text/html",
                language: lang,
                purpose: motivation(kind),
            },
            target: Target {
                source: &page,
                selector,
            },
            chapter: slug,
            kind,
            number: note.number,
            gid: &a.id,
            quote: &a.quote,
            note: &a.note,
            prefix: a.prefix.as_deref(),
            suffix: a.suffix.as_deref(),
            occurrence: a.occurrence,
            date: a.date.as_deref(),
            sources: &a.sources,
            refs: &a.refs,
        };
        let json = serde_json::to_string(&item).expect("annotations serialize");
        // `<` only occurs inside strings: escaping it keeps the file inert even
        // if someone pastes it into an HTML page (`</script>` in a note), and
        // any JSON parser reads the same value.
        out.push(escape_lt(json));
    }
}

/// `<` as `\u003c` (it only occurs inside JSON strings).
fn escape_lt(json: String) -> String {
    if json.contains('<') {
        json.replace('<', "\\u003c")
    } else {
        json
    }
}

/// Annotations per `AnnotationPage` of the build's export: each page is a
/// file of its own after the first, so no file grows with the edition.
pub const ANNOTATIONS_PER_PAGE: usize = 500;

/// Chapters serialized together, in parallel, per part of [`ExportParts::chapters`].
const CHAPTERS_PER_PART: usize = 64;

/// The file of the export's page `k` (0-based): the collection itself holds
/// the first page; page `k` ≥ 1 is `annotations/page-{k+1}.jsonld`.
pub fn page_file(k: usize) -> String {
    if k == 0 {
        "annotations.jsonld".to_string()
    } else {
        format!("annotations/page-{}.jsonld", k + 1)
    }
}

/// How one page refers to another: with a base URL the absolute URL (the
/// first page, held by the collection, is `…/annotations.jsonld#page1`);
/// without one the first page has a `urn:uuid:` name and the others a path
/// relative to the file that names them (the collection at the site's root,
/// or a page in `annotations/`), so a client that fetched one follows
/// `next` to the rest.
fn page_ref(names: &Names<'_>, k: usize, from_page_file: bool) -> String {
    match (names.base, k) {
        (Some(_), 0) => format!("{}#page1", names.collection()),
        (Some(b), _) => format!("{b}{}", page_file(k)),
        (None, 0) => urn(&[names.title, "annotations", "page1"]),
        (None, _) if from_page_file => format!("page-{}.jsonld", k + 1),
        (None, _) => page_file(k),
    }
}

/// The opening of page `k` of `pages` (up to its `"items":[` and a line
/// break): inside the collection for the first, a document of its own
/// (`@context`, `partOf`) for the others.
fn page_head(names: &Names<'_>, k: usize, pages: usize, per_page: usize) -> String {
    let own = k > 0;
    let mut page = serde_json::Map::new();
    if own {
        page.insert("@context".into(), context());
    }
    page.insert("id".into(), page_ref(names, k, own).into());
    page.insert("type".into(), "AnnotationPage".into());
    if own {
        page.insert("partOf".into(), names.collection().into());
    }
    page.insert("startIndex".into(), (k * per_page).into());
    if k > 0 {
        page.insert("prev".into(), page_ref(names, k - 1, own).into());
    }
    if k + 1 < pages {
        page.insert("next".into(), page_ref(names, k + 1, own).into());
    }
    let page = escape_lt(serde_json::Value::Object(page).to_string());
    format!("{},\"items\":[\n", &page[..page.len() - 1])
}

/// Serializes every note of the edition as an `AnnotationCollection`, one
/// annotation per line, handing the bytes to `emit(k, bytes)` as soon as they
/// exist (`k`: the page, written to [`page_file`]`(k)`; the parts of a page
/// come in order and, concatenated, are its file). `per_page`: annotations per page (the build's [`ANNOTATIONS_PER_PAGE`]);
/// `None` puts every annotation in the first page (one file, for
/// `glossa annotations export`).
pub fn export_parts(
    linked: &Linked<'_>,
    bodies: &Bodies<'_>,
    anchors: &Anchors,
    base: Option<&str>,
    per_page: Option<usize>,
    emit: &mut dyn FnMut(usize, Vec<u8>),
) {
    let mut export = ExportParts::begin(linked, base, per_page, emit);
    export.chapters(0, &linked.chapters, anchors, bodies, emit);
    export.end(emit);
}

/// The export being written: [`ExportParts::begin`] emits the collection's
/// head, [`ExportParts::chapters`] the annotations of the next chapters (in
/// order, so a build can hand them over a block at a time as it renders
/// the pages their anchors are read from, and keep no anchor), and
/// [`ExportParts::end`] the last page's end.
pub struct ExportParts<'w> {
    names: Names<'w>,
    lang: &'w str,
    context: serde_json::Value,
    per_page: usize,
    pages: usize,
    /// The page being written, and how many items it holds so far.
    page: usize,
    held: usize,
}

impl<'w> ExportParts<'w> {
    /// Emits the collection's head (with its first page's).
    pub fn begin(
        linked: &'w Linked<'_>,
        base: Option<&'w str>,
        per_page: Option<usize>,
        emit: &mut dyn FnMut(usize, Vec<u8>),
    ) -> Self {
        let edition = linked.edition;
        let names = Names {
            base,
            title: &edition.config.title,
        };
        let total = linked.note_count();
        let per_page = per_page.unwrap_or(usize::MAX).max(1);
        let pages = total.div_ceil(per_page).max(1);
        let mut head = serde_json::json!({
            "@context": context(),
            "id": names.collection(),
            "type": "AnnotationCollection",
            "label": edition.config.title,
            "total": total,
        });
        if pages > 1 {
            head["last"] = page_ref(&names, pages - 1, false).into();
        }
        let head = escape_lt(head.to_string());
        let mut out = String::new();
        out.push_str(&head[..head.len() - 1]);
        out.push_str(",\n\"first\":");
        out.push_str(&page_head(&names, 0, pages, per_page));
        emit(0, out.into_bytes());
        ExportParts {
            names,
            lang: edition.config.language.as_str(),
            context: context(),
            per_page,
            pages,
            page: 0,
            held: 0,
        }
    }

    /// Emits the annotations of `lcs`, the chapters from index `first` on
    /// (the next ones after those emitted so far), [`CHAPTERS_PER_PART`]
    /// serialized at a time, in parallel; `anchors[i]`: where the notes of
    /// `lcs[i]` are on its page, if known.
    pub fn chapters(
        &mut self,
        first: usize,
        lcs: &[crate::annotate::LinkedChapter<'_>],
        anchors: &[Option<Vec<Option<PageAnchor>>>],
        bodies: &Bodies<'_>,
        emit: &mut dyn FnMut(usize, Vec<u8>),
    ) {
        for (part, lcs) in lcs.chunks(CHAPTERS_PER_PART).enumerate() {
            let at = part * CHAPTERS_PER_PART;
            let mine = anchors.get(at..).unwrap_or(&[]);
            let (names, lang, context) = (&self.names, self.lang, &self.context);
            let items: Vec<Vec<String>> = lcs
                .par_iter()
                .enumerate()
                .map(|(i, lc)| {
                    let mut out = Vec::with_capacity(lc.notes.len());
                    let anchors = mine.get(i).and_then(Option::as_deref).unwrap_or(&[]);
                    let ci = first + at + i;
                    chapter_items(ci, lc, anchors, bodies, names, lang, context, &mut out);
                    out
                })
                .collect();
            self.write(&items, emit);
        }
    }

    /// Writes serialized annotations after those written so far, starting a
    /// new page whenever one is full.
    fn write(&mut self, items: &[Vec<String>], emit: &mut dyn FnMut(usize, Vec<u8>)) {
        let mut out = String::new();
        for item in items.iter().flatten() {
            if self.held == self.per_page {
                out.push_str(page_tail(self.page));
                emit(self.page, std::mem::take(&mut out).into_bytes());
                self.page += 1;
                self.held = 0;
                out.push_str(&page_head(
                    &self.names,
                    self.page,
                    self.pages,
                    self.per_page,
                ));
            } else if self.held > 0 {
                out.push_str(",\n");
            }
            out.push_str(item);
            self.held += 1;
        }
        if !out.is_empty() {
            emit(self.page, out.into_bytes());
        }
    }

    /// Emits the end of the last page (and of the collection).
    pub fn end(self, emit: &mut dyn FnMut(usize, Vec<u8>)) {
        emit(self.page, page_tail(self.page).as_bytes().to_vec());
    }
}

/// The end of page `k`'s file: its items and itself, and for the first page
/// the collection that holds it.
fn page_tail(k: usize) -> &'static str {
    if k == 0 { "\n]}}\n" } else { "\n]}\n" }
}
