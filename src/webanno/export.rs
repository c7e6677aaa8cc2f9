//! Web Annotations out: the linked edition's notes → `annotations.jsonld`.
//!
//! Input: the linked edition and the notes' HTML bodies (rendered by the caller). Output: the bytes of an
//! `AnnotationCollection` (JSON-LD, `http://www.w3.org/ns/anno.jsonld`) whose first
//! `AnnotationPage` holds one `Annotation` per note: a `TextualBody` (the note as
//! HTML, with `language`) and a target whose `source` is the chapter page and
//! whose selectors are a `TextQuoteSelector` (exact, and up to 32 characters of
//! prefix/suffix) and a `TextPositionSelector` (code points).
//!
//! Positions count the page's **reading text**: the text content of the
//! chapter's `<div class="text" id="text">` without glossa's apparatus (the
//! `aside.notes` elements; paragraph numbers and note markers carry no text).
//! Quote prefixes and suffixes come from the same text. Ids are stable URLs: with a base URL
//! they are absolute (`BASE/chapters/SLUG/#n-ID`), without one relative to the
//! site root. Properties in the `glossa:` namespace carry the front-matter
//! annotation itself (id, quote, note source, prefix/suffix/occurrence, date,
//! sources, refs) so that `glossa annotations import` reproduces it exactly.
//! Must not touch the disk.

use rayon::prelude::*;
use serde::Serialize;

use super::{CONTEXT, NAMESPACE, motivation};
use crate::annotate::{Linked, LinkedChapter};
use crate::content::SourceRef;

/// The HTML body of note `k` of chapter `ci` (the caller renders notes).
pub type Bodies<'b> = dyn Fn(usize, usize) -> String + Sync + 'b;

#[derive(Serialize)]
struct Item<'a> {
    id: String,
    #[serde(rename = "type")]
    ty: &'static str,
    motivation: &'static str,
    body: Body<'a>,
    target: Target<'a>,
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
    selector: (QuoteSel<'a>, PositionSel),
}

#[derive(Serialize)]
struct QuoteSel<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    exact: &'a str,
    prefix: &'a str,
    suffix: &'a str,
}

#[derive(Serialize)]
struct PositionSel {
    #[serde(rename = "type")]
    ty: &'static str,
    start: usize,
    end: usize,
}

/// The items of one chapter, one compact JSON object per line (`<` escaped).
fn chapter_items(
    ci: usize,
    lc: &LinkedChapter<'_>,
    bodies: &Bodies<'_>,
    prefix: &str,
    lang: &str,
    out: &mut String,
) {
    let page = format!("{prefix}{}", lc.chapter.url());
    let text = &lc.doc.text;
    // Byte offset of every character, computed once per chapter: code-point
    // positions and context slices are then binary searches, not rescans.
    let offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    for (k, note) in lc.notes.iter().enumerate() {
        let start = offsets.partition_point(|&o| o < note.range.start);
        let exact = &text[note.range.clone()];
        let end = start + exact.chars().count();
        let p =
            &text[offsets[start.saturating_sub(CONTEXT)].min(note.range.start)..note.range.start];
        let after = offsets
            .get(end + CONTEXT)
            .copied()
            .unwrap_or(text.len())
            .max(note.range.end);
        let sfx = &text[note.range.end..after];
        let body = bodies(ci, k);
        let kind = note.annotation.kind.as_str();
        let a = note.annotation;
        let item = Item {
            id: format!("{page}#n-{}", a.id),
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
                selector: (
                    QuoteSel {
                        ty: "TextQuoteSelector",
                        exact,
                        prefix: p,
                        suffix: sfx,
                    },
                    PositionSel {
                        ty: "TextPositionSelector",
                        start,
                        end,
                    },
                ),
            },
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
        if !out.is_empty() {
            out.push_str(",\n");
        }
        out.push_str(&json.replace('<', "\\u003c"));
    }
}

/// Chapters serialized together, in parallel, per part of [`export_parts`].
const CHAPTERS_PER_PART: usize = 64;

/// Serializes every note of the edition — a collection with one page whose
/// items are one annotation per line — in consecutive parts, handing each to `emit` as soon
/// as it exists: the head, then the annotations of [`CHAPTERS_PER_PART`]
/// chapters at a time (serialized in parallel), then the tail. Concatenated,
/// the parts are the file.
pub fn export_parts(
    linked: &Linked<'_>,
    bodies: &Bodies<'_>,
    base: Option<&str>,
    emit: &mut dyn FnMut(Vec<u8>),
) {
    let edition = linked.edition;
    let prefix = base.unwrap_or("");
    let lang = edition.config.language.as_str();
    let total = linked.note_count();
    let head = serde_json::json!({
        "@context": ["http://www.w3.org/ns/anno.jsonld", {"glossa": NAMESPACE}],
        "id": format!("{prefix}annotations.jsonld"),
        "type": "AnnotationCollection",
        "label": edition.config.title,
        "total": total,
    });
    let head = serde_json::to_string(&head).expect("JSON values always serialize");
    let page = serde_json::json!({
        "id": format!("{prefix}annotations.jsonld#page1"),
        "type": "AnnotationPage",
        "startIndex": 0,
    });
    let page = serde_json::to_string(&page).expect("JSON values always serialize");
    let mut out = String::new();
    let head = head.replace('<', "\\u003c");
    out.push_str(&head[..head.len() - 1]);
    out.push_str(",\n\"first\":");
    out.push_str(&page[..page.len() - 1]);
    out.push_str(",\"items\":[\n");
    emit(out.into_bytes());
    let mut first = true;
    for (part, lcs) in linked.chapters.chunks(CHAPTERS_PER_PART).enumerate() {
        let parts: Vec<String> = lcs
            .par_iter()
            .enumerate()
            .map(|(i, lc)| {
                let mut out = String::with_capacity(lc.notes.len() * 1024);
                let ci = part * CHAPTERS_PER_PART + i;
                chapter_items(ci, lc, bodies, prefix, lang, &mut out);
                out
            })
            .collect();
        let size = parts.iter().map(|p| p.len() + 2).sum();
        let mut out = String::with_capacity(size);
        for p in parts.iter().filter(|p| !p.is_empty()) {
            if !first {
                out.push_str(",\n");
            }
            first = false;
            out.push_str(p);
        }
        if !out.is_empty() {
            emit(out.into_bytes());
        }
    }
    emit(b"\n]}}\n".to_vec());
}
