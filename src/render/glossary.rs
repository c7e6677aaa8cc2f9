//! The glossary page: `definition` annotations → `glossary/index.html`.
//!
//! Input: the linked edition and its note views. Output: one entry per term
//! (the quoted passage), with every definition of it and a link to each place
//! it is defined; Latin terms first, alphabetically, then Chinese terms in
//! pinyin order (tone numbers break ties). Pure; must not touch the disk.

use pinyin::ToPinyin;
use serde::Serialize;

use super::{Job, TemplateError, chapter_url};

#[derive(Serialize)]
struct Place<'a> {
    chapter: &'a str,
    para: Option<u32>,
    /// Root-relative link to the passage.
    url: String,
    html: &'a str,
}

#[derive(Serialize)]
struct Entry<'a> {
    term: &'a str,
    /// Pinyin (or lower-case) reading, for display and sorting.
    reading: String,
    places: Vec<Place<'a>>,
}

/// The sort key of a term: (Latin first?, reading).
pub fn sort_key(term: &str) -> (bool, String) {
    let mut reading = String::new();
    let mut chinese = false;
    for c in term.chars() {
        match c.to_pinyin() {
            Some(p) => {
                chinese = true;
                if !reading.is_empty() {
                    reading.push(' ');
                }
                reading.push_str(p.with_tone_num_end());
            }
            None if c.is_alphanumeric() => reading.extend(c.to_lowercase()),
            None => {}
        }
    }
    let first_latin = term
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    (!first_latin && chinese, reading)
}

/// Renders the glossary page (split into pages when it is long).
pub(crate) fn render(site: super::SiteRender<'_, '_>) -> Result<Vec<Job>, TemplateError> {
    let (linked, notes, t, base, finish) = site.parts();
    let mut entries: Vec<Entry> = Vec::new();
    // Term → its entry (a linear search per note was quadratic in large editions).
    let mut by_term: std::collections::HashMap<&str, usize> = Default::default();
    for (lc, ns) in linked.chapters.iter().zip(notes) {
        for n in ns.iter().filter(|n| n.kind() == "definition") {
            let place = Place {
                chapter: lc.chapter.title(),
                para: n.para(),
                url: format!("{}#m-{}", chapter_url(&lc.chapter.slug), n.id()),
                html: &n.html,
            };
            match by_term.get(n.quote()) {
                Some(&i) => entries[i].places.push(place),
                None => {
                    by_term.insert(n.quote(), entries.len());
                    entries.push(Entry {
                        term: n.quote(),
                        reading: sort_key(n.quote()).1,
                        places: vec![place],
                    });
                }
            }
        }
    }
    // Keys computed once per term, not per comparison.
    entries.sort_by_cached_key(|e| (sort_key(e.term), e.term));
    let ui = &linked.edition.config.ui;
    super::paged_section(
        t,
        base,
        "glossary",
        &ui.glossary,
        "entries",
        &entries,
        finish,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_order_with_latin_first() {
        let mut terms = vec![
            "裸泳",
            "具身智能",
            "AGI",
            "基座模型",
            "Scaling Law",
            "端侧小模型",
        ];
        terms.sort_by_key(|t| sort_key(t));
        assert_eq!(
            terms,
            vec![
                "AGI",
                "Scaling Law",
                "端侧小模型",
                "基座模型",
                "具身智能",
                "裸泳"
            ]
        );
    }
}
