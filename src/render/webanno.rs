//! The W3C Web Annotation export: notes → `annotations.jsonld`.
//!
//! Input: the linked edition and its note views. Output: the bytes of an
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

use serde_json::{Value, json};

use super::chapter_url;
use super::markdown::NoteView;
use crate::annotate::Linked;

/// Characters of context on each side in a `TextQuoteSelector`.
pub const CONTEXT: usize = 32;

/// Motivation for each kind (Web Annotation vocabulary).
fn motivation(kind: &str) -> &'static str {
    match kind {
        "definition" => "describing",
        "fact-check" => "assessing",
        "translation" => "describing",
        "source" => "linking",
        "context" => "describing",
        _ => "commenting",
    }
}

/// Serializes every note of the edition.
pub fn export(linked: &Linked<'_>, notes: &[Vec<NoteView<'_>>], base: Option<&str>) -> Vec<u8> {
    let edition = linked.edition;
    let prefix = base.unwrap_or("");
    let lang = edition.config.language.as_str();
    let mut items = Vec::new();
    for (lc, ns) in linked.chapters.iter().zip(notes) {
        let by_id: std::collections::HashMap<&str, &crate::content::Annotation> = lc
            .notes
            .iter()
            .map(|n| (n.annotation.id.as_str(), n.annotation))
            .collect();
        let page = format!("{prefix}{}", chapter_url(&lc.chapter.slug));
        let text = &lc.doc.text;
        // Byte offset of every character, computed once per chapter: code-point
        // positions and context slices are then binary searches, not rescans.
        let offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for n in ns {
            let start = offsets.partition_point(|&o| o < n.range.start);
            let exact = &text[n.range.clone()];
            let end = start + exact.chars().count();
            let p = &text[offsets[start.saturating_sub(CONTEXT)].min(n.range.start)..n.range.start];
            let s: String = text[n.range.end..].chars().take(CONTEXT).collect();
            let quote =
                json!({"type": "TextQuoteSelector", "exact": exact, "prefix": p, "suffix": s});
            let position = json!({"type": "TextPositionSelector", "start": start, "end": end});
            let mut body = n.html.clone();
            if !n.sources.is_empty() {
                body.push_str("<ul>");
                for src in n.sources {
                    body.push_str("<li>");
                    body.push_str(&super::markdown::source_html(src));
                    body.push_str("</li>");
                }
                body.push_str("</ul>");
            }
            let a = by_id[n.id];
            let mut item = json!({
                "id": format!("{page}#n-{}", n.id),
                "type": "Annotation",
                "motivation": motivation(n.kind),
                "body": {
                    "type": "TextualBody",
                    "value": body,
                    "format": "text/html",
                    "language": lang,
                    "purpose": motivation(n.kind),
                },
                "target": {
                    "source": page,
                    "selector": [quote, position],
                },
                "glossa:kind": n.kind,
                "glossa:number": n.number,
                "glossa:id": a.id,
                "glossa:quote": a.quote,
                "glossa:note": a.note,
            });
            // The rest of the front-matter annotation, so that `glossa annotations
            // import` can reproduce it exactly.
            let extra = [
                ("glossa:prefix", a.prefix.as_ref().map(|p| json!(p))),
                ("glossa:suffix", a.suffix.as_ref().map(|s| json!(s))),
                ("glossa:occurrence", a.occurrence.map(|o| json!(o))),
                ("glossa:date", a.date.as_ref().map(|d| json!(d))),
                (
                    "glossa:sources",
                    (!a.sources.is_empty()).then(|| json!(a.sources)),
                ),
                ("glossa:refs", (!a.refs.is_empty()).then(|| json!(a.refs))),
            ];
            for (key, value) in extra {
                if let Some(v) = value {
                    item[key] = v;
                }
            }
            items.push(item);
        }
    }
    let total = items.len();
    let doc: Value = json!({
        "@context": ["http://www.w3.org/ns/anno.jsonld", {"glossa": "https://glossa.invalid/ns#"}],
        "id": format!("{prefix}annotations.jsonld"),
        "type": "AnnotationCollection",
        "label": edition.config.title,
        "total": total,
        "first": {
            "id": format!("{prefix}annotations.jsonld#page1"),
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    });
    let text = serde_json::to_string_pretty(&doc).expect("JSON values always serialize");
    // `<` only occurs inside strings: escaping it keeps the file inert even if
    // someone pastes it into an HTML page (`</script>` in a note), and any
    // JSON parser reads the same value.
    let mut out = text.replace('<', "\\u003c").into_bytes();
    out.push(b'\n');
    out
}
