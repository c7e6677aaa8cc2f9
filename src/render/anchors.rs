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
use crate::text::Doc;
use crate::webanno::export::PageAnchor;

/// Context lengths tried, in code points, when the paragraph's own text
/// does not make a quote unique on the page.
const WIDER: [usize; 3] = [32, 64, 128];

/// The anchors of a page's notes (in the notes' order); `None` for a note
/// whose passage is not found on the page (a theme that drops the text).
pub fn page_anchors(html: &str, doc: &Doc<'_>, notes: &[NoteView<'_>]) -> Vec<Option<PageAnchor>> {
    let page = PageText::of(html, "m-");
    // Code points before each byte of the body text.
    let mut cps = vec![0u32; page.text.len() + 1];
    let mut n = 0u32;
    for (i, c) in page.text.char_indices() {
        cps[i] = n;
        n += 1;
        for k in 1..c.len_utf8() {
            cps[i + k] = n;
        }
    }
    cps[page.text.len()] = n;
    notes
        .iter()
        .map(|note| anchor(&page, &cps, doc, note))
        .collect()
}

fn anchor(page: &PageText, cps: &[u32], doc: &Doc<'_>, n: &NoteView<'_>) -> Option<PageAnchor> {
    let at = *page.ids.get(n.id)?;
    let exact = &doc.text[n.range.clone()];
    let text = &page.text;
    if !text[at..].starts_with(exact) {
        return None;
    }
    let end = at + exact.len();
    // The paragraph's text around the passage, where the page has it whole.
    let b = &doc.blocks[n.block];
    let block = b.text(&doc.text);
    let (bs, be) = (
        b.block_offset(n.range.start),
        b.block_offset(n.range.start) + exact.len(),
    );
    let in_page = at >= bs && text[at - bs..].starts_with(block.as_ref());
    let (para_prefix, para_suffix) = if in_page {
        (
            crate::text::last_chars(&block[..bs], WIDER[0]),
            crate::text::first_chars(&block[be..], WIDER[0]),
        )
    } else {
        ("", "")
    };
    let unique = |p: &str, s: &str| text.matches(&format!("{p}{exact}{s}")).count() == 1;
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
    Some(PageAnchor {
        start: cps[at],
        end: cps[end],
        prefix: prefix.into(),
        suffix: suffix.into(),
        paragraph: b.para.filter(|_| refinable).map(|p| {
            let inner = wider.then(|| (Box::from(para_prefix), Box::from(para_suffix)));
            (p, inner)
        }),
    })
}
