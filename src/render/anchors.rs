//! Where each note's passage is on its chapter page, as a Web Annotation
//! client sees the page: the input of the export's selectors.
//!
//! Input: a chapter's rendered page (final bytes), its parsed text and its
//! notes. Output: per note, a [`PageAnchor`] — the passage's code-point
//! offsets in the page's body text ([`PageText`]), a quote context that
//! makes `prefix + exact + suffix` occur exactly once in that text (taken
//! from the passage's own paragraph when that is enough, else from the text
//! around it on the page), and the context within the paragraph for a
//! selector refined by the paragraph's id. Pure.

use super::markdown::NoteView;
use super::pagetext::PageText;
use crate::annotate::anchor::find_all;
use crate::text::Doc;
use crate::webanno::export::PageAnchor;

/// Context lengths tried, in code points, when the paragraph's own text
/// does not make a quote unique on the page.
const WIDER: [usize; 3] = [32, 64, 128];

/// The anchors of a page's notes (in the notes' order); `None` for a note
/// whose passage is not found on the page (a theme that drops the text).
/// One pass over the page for all quotes, one for the code-point offsets.
pub fn page_anchors(html: &str, doc: &Doc<'_>, notes: &[NoteView<'_>]) -> Vec<Option<PageAnchor>> {
    let page = PageText::of(html, "m-");
    let exacts: Vec<&str> = notes.iter().map(|n| n.quote()).collect();
    let hits = find_all(&page.text, &exacts);
    let found: Vec<Option<Found>> = notes
        .iter()
        .zip(&exacts)
        .zip(&hits)
        .map(|((n, exact), hits)| context(&page, doc, n, exact, hits))
        .collect();
    // Code points before each passage's start and end, in one sweep.
    let mut offsets: Vec<usize> = found
        .iter()
        .flatten()
        .flat_map(|f| [f.at, f.at + f.len])
        .collect();
    offsets.sort_unstable();
    offsets.dedup();
    let cps = code_points(&page.text, &offsets);
    let cp = |byte: usize| cps[offsets.binary_search(&byte).expect("offset listed")];
    found
        .into_iter()
        .map(|f| {
            let f = f?;
            Some(PageAnchor {
                start: cp(f.at),
                end: cp(f.at + f.len),
                prefix: f.prefix.into(),
                suffix: f.suffix.into(),
                paragraph: f.paragraph,
            })
        })
        .collect()
}

/// A passage found on the page: where (bytes), and its quote context.
struct Found {
    at: usize,
    len: usize,
    prefix: String,
    suffix: String,
    paragraph: Option<(u32, Option<crate::webanno::export::Context>)>,
}

/// The number of code points of `text` before each of `offsets` (sorted
/// byte offsets at character boundaries).
fn code_points(text: &str, offsets: &[usize]) -> Vec<u32> {
    let mut out = Vec::with_capacity(offsets.len());
    let (mut n, mut from) = (0u32, 0usize);
    for &o in offsets {
        n += text[from..o].chars().count() as u32;
        from = o;
        out.push(n);
    }
    out
}

/// The context that makes the passage unique on the page, given every
/// place (`hits`, byte offsets) its quote occurs there.
fn context(
    page: &PageText,
    doc: &Doc<'_>,
    n: &NoteView<'_>,
    exact: &str,
    hits: &[usize],
) -> Option<Found> {
    let at = *page.ids.get(n.id())?;
    let text = &page.text;
    if !text[at..].starts_with(exact) {
        return None;
    }
    let end = at + exact.len();
    // The paragraph's text around the passage, where the page has it whole.
    let b = &doc.blocks[n.block()];
    let block = b.text(&doc.text);
    let bs = b.block_offset(n.range().start);
    let be = bs + exact.len();
    let in_page = at >= bs && text[at - bs..].starts_with(block.as_ref());
    let (para_prefix, para_suffix) = if in_page {
        (
            crate::text::last_chars(&block[..bs], WIDER[0]),
            crate::text::first_chars(&block[be..], WIDER[0]),
        )
    } else {
        ("", "")
    };
    // Unique: among the quote's occurrences, only this one has the context.
    let fits = |h: usize, p: &str, s: &str| {
        text[..h].ends_with(p) && text[h + exact.len()..].starts_with(s)
    };
    let unique = |p: &str, s: &str| hits.iter().filter(|&&h| fits(h, p, s)).count() == 1;
    let (prefix, suffix, wider) = if in_page && unique(para_prefix, para_suffix) {
        (para_prefix, para_suffix, false)
    } else {
        let around = |k: usize| {
            (
                crate::text::last_chars(&text[..at], k),
                crate::text::first_chars(&text[end..], k),
            )
        };
        let found = WIDER.iter().map(|&k| around(k)).find(|(p, s)| unique(p, s));
        let (p, s) = found.unwrap_or_else(|| around(WIDER[WIDER.len() - 1]));
        (p, s, true)
    };
    // The refined selector needs its context to be unique in the paragraph
    // (it is, when the page-wide context is the paragraph's own).
    let refinable = in_page
        && (!wider
            || block
                .matches(&format!("{para_prefix}{exact}{para_suffix}"))
                .count()
                == 1);
    Some(Found {
        at,
        len: exact.len(),
        prefix: prefix.to_string(),
        suffix: suffix.to_string(),
        paragraph: b.para.filter(|_| refinable).map(|p| {
            let inner = wider.then(|| (Box::from(para_prefix), Box::from(para_suffix)));
            (p, inner)
        }),
    })
}
