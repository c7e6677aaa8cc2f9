//! The timeline page: dated facts and annotations → `timeline/index.html`.
//!
//! Input: the linked edition (profiles' facts with `date:`, anchored notes with
//! `date:`) and the note views. Output: one chronological list; each event
//! links to its source (an external reference, or the paragraph a fact quotes)
//! and to the paragraph where the article mentions it (a note's passage, a
//! fact's quote, or else the entity's first mention). Dates sort by precision
//! within the same period (2024 before 2024-05 before 2024-05-07); ties keep
//! reading order. Pure; must not touch the disk.

use serde::Serialize;

use super::markdown::{NoteView, source_html};
use super::{Job, TemplateError, chapter_url};
use crate::annotate::Linked;
use crate::content::{PartialDate, SourceRef};

/// A link to a place in the text.
#[derive(Debug, Serialize)]
pub struct Passage<'a> {
    pub chapter: &'a str,
    pub para: Option<u32>,
    /// Root-relative URL.
    pub url: String,
}

/// A profile: name and root-relative URL.
#[derive(Debug, Serialize)]
pub struct EntityLink<'a> {
    pub name: &'a str,
    pub url: String,
}

/// One event on the timeline.
#[derive(Debug, Serialize)]
pub struct Event<'a> {
    /// As written (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`); the `datetime`.
    pub date: &'a str,
    /// As the language writes it (`2024 年 5 月`, `May 2024`).
    pub shown: String,
    #[serde(skip)]
    pub key: PartialDate,
    /// `fact` or the annotation kind.
    pub kind: &'a str,
    /// The profile a fact belongs to.
    pub entity: Option<EntityLink<'a>>,
    /// A fact's label, or the quoted passage of a note.
    pub title: &'a str,
    /// A fact's value (escaped by the template) …
    pub value: Option<&'a str>,
    /// … or a note's rendered HTML.
    pub html: Option<&'a str>,
    /// External sources, as HTML.
    pub sources: Vec<String>,
    /// Where the article mentions it.
    pub passage: Option<Passage<'a>>,
    /// For a fact quoting the edition: the quoted words (the source is that passage).
    pub quote: Option<&'a str>,
}

/// A dated note or fact before it is shown: its date, and which it is.
#[derive(Clone, Copy)]
struct Dated {
    key: PartialDate,
    what: What,
}

#[derive(Clone, Copy)]
enum What {
    /// Note `k` (in reading order) of chapter `chapter`.
    Note { chapter: u32, k: u32 },
    /// Fact `k` of profile `entity`.
    Fact { entity: u32, k: u32 },
}

/// Every dated note and fact, in chronological order: 16 bytes each, the
/// events themselves are made a page at a time ([`event`]).
fn dated(linked: &Linked<'_>) -> Vec<Dated> {
    let edition = linked.edition;
    let mut out = Vec::new();
    for (ci, lc) in linked.chapters.iter().enumerate() {
        for (k, note) in lc.notes.iter().enumerate() {
            if let Some(key) = note.annotation.date.as_deref().and_then(PartialDate::parse) {
                let what = What::Note {
                    chapter: ci as u32,
                    k: k as u32,
                };
                out.push(Dated { key, what });
            }
        }
    }
    for (ei, e) in edition.entities.iter().enumerate() {
        for (k, f) in e.facts.iter().enumerate() {
            if let Some(key) = f.date.as_deref().and_then(PartialDate::parse) {
                let what = What::Fact {
                    entity: ei as u32,
                    k: k as u32,
                };
                out.push(Dated { key, what });
            }
        }
    }
    // Stable: equal dates keep notes in reading order, then facts by profile.
    out.sort_by_key(|d| d.key);
    out
}

/// A dated note or fact as the timeline shows it.
fn event<'a>(linked: &'a Linked<'a>, notes: &'a [Vec<NoteView<'a>>], d: Dated) -> Event<'a> {
    let edition = linked.edition;
    let ui = &edition.config.ui;
    let shown = edition.config.pack.date(d.key.year, d.key.month, d.key.day);
    let passage = |chapter: usize, para: Option<u32>, fragment: Option<String>| {
        let c = &edition.chapters[chapter];
        let anchor = fragment.or_else(|| para.map(|p| format!("#p{p}")));
        Passage {
            chapter: c.title(),
            para,
            url: format!("{}{}", chapter_url(&c.slug), anchor.unwrap_or_default()),
        }
    };
    match d.what {
        What::Note { chapter, k } => {
            let (ci, k) = (chapter as usize, k as usize);
            let note = &linked.chapters[ci].notes[k];
            let view = &notes[ci][k];
            Event {
                date: note.annotation.date.as_deref().unwrap_or_default(),
                shown,
                key: d.key,
                kind: view.kind(),
                entity: None,
                title: view.quote(),
                value: None,
                html: Some(&view.html),
                sources: view.sources().iter().map(|s| source_html(s, ui)).collect(),
                passage: Some(passage(ci, view.para(), Some(format!("#m-{}", view.id())))),
                quote: None,
            }
        }
        What::Fact { entity, k } => {
            let (ei, k) = (entity as usize, k as usize);
            let e = &edition.entities[ei];
            let f = &e.facts[k];
            let anchor = linked
                .fact_anchors
                .get(ei)
                .and_then(|a| a.get(k))
                .and_then(Option::as_ref);
            let (place, quote) = match anchor {
                Some(a) => (
                    Some(passage(a.chapter, a.para, None)),
                    Some(a.quote.as_str()),
                ),
                None => (
                    linked
                        .mentions_of(ei)
                        .find(|m| m.para.is_some())
                        .or_else(|| linked.mentions_of(ei).next())
                        .map(|m| passage(m.chapter as usize, m.para, None)),
                    None,
                ),
            };
            let s = &f.source;
            let sources = match &s.title {
                Some(title) if anchor.is_none() => vec![source_html(
                    &SourceRef {
                        title: title.clone(),
                        publisher: s.publisher.clone(),
                        url: s.url.clone(),
                        date: s.date.clone(),
                    },
                    ui,
                )],
                _ => Vec::new(),
            };
            Event {
                date: f.date.as_deref().unwrap_or_default(),
                shown,
                key: d.key,
                kind: "fact",
                entity: Some(EntityLink {
                    name: &e.name,
                    url: e.url(),
                }),
                title: &f.label,
                value: Some(&f.value),
                html: None,
                sources,
                passage: place,
                quote,
            }
        }
    }
}

/// Renders the timeline page (split into pages when it is long), each
/// page's events made as the page is rendered.
pub(crate) fn render(site: super::SiteRender<'_, '_>) -> Result<Vec<Job>, TemplateError> {
    let (linked, notes, t, base, finish) = site.parts();
    let dated = dated(linked);
    let ui = &linked.edition.config.ui;
    let page = |range: std::ops::Range<usize>| -> Vec<Event<'_>> {
        dated[range]
            .iter()
            .map(|&d| event(linked, notes, d))
            .collect()
    };
    super::paged_section_with(
        t,
        base,
        "timeline",
        &ui.timeline,
        "events",
        dated.len(),
        &page,
        finish,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_dated_note_or_fact_is_16_bytes() {
        // Sorted whole: an edition of 10,000 full chapters has 50,000.
        assert_eq!(std::mem::size_of::<super::Dated>(), 16);
    }
}
