//! Profile pages and their indexes: entities → `companies/ID/`, `people/ID/`,
//! `companies/`, `people/`.
//!
//! Input: the linked edition (mentions, fact anchors) and the chapters' note
//! views. Output: jobs. Each profile page shows the names, sourced facts (a fact
//! quoted from the text links to its paragraph), the profile text, related
//! entities, every mention in reading order as a keyword-in-context line linking
//! to `chapters/SLUG/#pN`, and the notes whose `refs` name it. Pure; must not
//! touch the disk.

use rayon::prelude::*;
use serde::Serialize;

use super::markdown::{self, NoteView};
use super::{Job, PageContext, PageView, TemplateError, Templates, canonical, chapter_url};
use crate::annotate::Linked;
use crate::annotate::entities::Place;
use crate::content::FrontMatter as _;
use crate::content::{Entity, EntityKind};

#[derive(Serialize)]
struct FactView<'a> {
    label: &'a str,
    value: &'a str,
    date: Option<&'a str>,
    /// The date as the language writes it.
    date_shown: Option<String>,
    /// For a quote from the text: where it is (root-relative URL), its chapter and quote.
    text_url: Option<String>,
    text_chapter: Option<&'a str>,
    text_quote: Option<String>,
    /// For an external reference.
    title: Option<&'a str>,
    publisher: Option<&'a str>,
    url: Option<&'a str>,
    source_date: Option<&'a str>,
}

#[derive(Serialize)]
struct LinkView {
    name: String,
    url: String,
    /// How it relates (founder, role title, organisation …).
    relation: String,
}

#[derive(Serialize)]
struct MentionView<'a> {
    chapter_order: u32,
    chapter_title: &'a str,
    para: Option<u32>,
    /// Root-relative link to the paragraph (or note).
    url: String,
    before: String,
    hit: String,
    after: String,
    in_note: bool,
}

#[derive(Serialize)]
struct NoteRefView<'a> {
    chapter_title: &'a str,
    quote: &'a str,
    kind_label: &'a str,
    url: String,
}

#[derive(Serialize)]
struct EntityView<'a> {
    kind: EntityKind,
    id: &'a str,
    name: &'a str,
    name_en: Option<&'a str>,
    aliases: &'a [String],
    description: &'a str,
    url: String,
    group: Option<&'a str>,
    founded: Option<&'a str>,
    headquarters: Option<&'a str>,
    website: Option<&'a str>,
    facts: Vec<FactView<'a>>,
    body: String,
    related: Vec<LinkView>,
    mentions: Vec<MentionView<'a>>,
    mention_count: usize,
    notes: Vec<NoteRefView<'a>>,
}

#[derive(Serialize)]
struct IndexEntry<'a> {
    name: &'a str,
    name_en: Option<&'a str>,
    description: &'a str,
    url: String,
    count: usize,
    orgs: Vec<LinkView>,
}

#[derive(Serialize)]
struct Group<'a> {
    name: &'a str,
    entries: Vec<IndexEntry<'a>>,
}

fn count(linked: &Linked<'_>, ei: usize) -> usize {
    linked.mention_count(ei)
}

fn related(linked: &Linked<'_>, e: &Entity) -> Vec<LinkView> {
    let ed = linked.edition;
    let ui = &ed.config.ui;
    let link = |id: &str, relation: String| {
        ed.entity(id).map(|o| LinkView {
            name: o.name.clone(),
            url: o.url(),
            relation,
        })
    };
    let mut out = Vec::new();
    if let Some(c) = &e.company {
        out.extend(
            c.founders
                .iter()
                .filter_map(|p| link(p, ui.founder.clone())),
        );
        out.extend(
            c.people
                .iter()
                .filter_map(|p| link(p, ui.related_person.clone())),
        );
        // People who list a role here.
        for p in ed.entities.iter().filter(|p| p.kind == EntityKind::Person) {
            for r in p
                .person
                .iter()
                .flat_map(|m| &m.roles)
                .filter(|r| r.org == e.id)
            {
                if !out.iter().any(|l: &LinkView| l.url == p.url()) {
                    out.push(LinkView {
                        name: p.name.clone(),
                        url: p.url(),
                        relation: r.title.clone(),
                    });
                }
            }
        }
    }
    if let Some(p) = &e.person {
        out.extend(p.roles.iter().filter_map(|r| link(&r.org, r.title.clone())));
        for c in ed.entities.iter().filter(|c| c.kind == EntityKind::Company) {
            let m = c.company.as_ref().expect("companies have company metadata");
            if (m.founders.contains(&e.id) || m.people.contains(&e.id))
                && !out.iter().any(|l| l.url == c.url())
            {
                let relation = if m.founders.contains(&e.id) {
                    &ui.founder
                } else {
                    &ui.related_org
                };
                out.push(LinkView {
                    name: c.name.clone(),
                    url: c.url(),
                    relation: relation.clone(),
                });
            }
        }
    }
    out
}

/// A profile's facts, each with its source: where a quote of the text is, or
/// the external reference.
fn fact_views<'a>(linked: &'a Linked<'a>, ei: usize) -> Vec<FactView<'a>> {
    let ed = linked.edition;
    ed.entities[ei]
        .facts
        .iter()
        .zip(&linked.fact_anchors[ei])
        .map(|(f, anchor)| {
            let s = &f.source;
            let (text_url, text_chapter, text_quote) = match anchor {
                Some(a) => {
                    let c = &ed.chapters[a.chapter];
                    let frag = a.para.map(|p| format!("#p{p}")).unwrap_or_default();
                    (
                        Some(format!("{}{frag}", chapter_url(&c.slug))),
                        Some(c.title()),
                        Some(a.quote.clone()),
                    )
                }
                None => (None, None, None),
            };
            FactView {
                label: &f.label,
                value: &f.value,
                date: f.date.as_deref(),
                date_shown: f
                    .date
                    .as_deref()
                    .and_then(crate::content::PartialDate::parse)
                    .map(|d| ed.config.pack.date(d.year, d.month, d.day)),
                text_url,
                text_chapter,
                text_quote,
                title: s.title.as_deref(),
                publisher: s.publisher.as_deref(),
                url: s.url.as_deref().filter(|u| crate::diag::is_web_url(u)),
                source_date: s.date.as_deref(),
            }
        })
        .collect()
}

/// Every mention of a profile, in reading order, with its context.
fn mention_views<'a>(linked: &'a Linked<'a>, ei: usize) -> Vec<MentionView<'a>> {
    let ed = linked.edition;
    linked
        .mentions_of(ei)
        .map(|m| {
            let c = &ed.chapters[m.chapter as usize];
            let (url, in_note) = match &m.place {
                Place::Text { .. } => (
                    format!(
                        "{}{}",
                        chapter_url(&c.slug),
                        m.para.map(|p| format!("#p{p}")).unwrap_or_default()
                    ),
                    false,
                ),
                Place::Note { index, .. } => (
                    format!(
                        "{}#n-{}",
                        chapter_url(&c.slug),
                        c.meta.annotations[*index as usize].id
                    ),
                    true,
                ),
            };
            let (before, hit, after) = m.snippet(ed, &linked.chapters[m.chapter as usize].doc);
            MentionView {
                chapter_order: c.meta.order,
                chapter_title: c.title(),
                para: m.para,
                url,
                before,
                hit,
                after,
                in_note,
            }
        })
        .collect()
}

/// The notes whose `refs` name `profile`.
fn note_refs<'a>(
    linked: &'a Linked<'a>,
    notes: &'a [Vec<NoteView<'a>>],
    profile: &Entity,
) -> Vec<NoteRefView<'a>> {
    linked
        .chapters
        .iter()
        .zip(notes)
        .flat_map(|(lc, ns)| {
            ns.iter()
                .filter(|n| n.refs.iter().any(|r| std::ptr::eq(r.0, profile)))
                .map(move |n| NoteRefView {
                    chapter_title: lc.chapter.title(),
                    quote: n.quote,
                    kind_label: n.kind_label,
                    url: format!("{}#n-{}", chapter_url(&lc.chapter.slug), n.id),
                })
        })
        .collect()
}

fn entity_view<'a>(
    linked: &'a Linked<'a>,
    notes: &'a [Vec<NoteView<'a>>],
    ei: usize,
) -> EntityView<'a> {
    let e = &linked.edition.entities[ei];
    let company = e.company.as_ref();
    let mentions = mention_views(linked, ei);
    EntityView {
        kind: e.kind,
        id: &e.id,
        name: &e.name,
        name_en: e.name_en.as_deref(),
        aliases: &e.aliases,
        description: &e.description,
        url: e.url(),
        group: company.map(|c| c.group.as_str()),
        founded: company.and_then(|c| c.founded.as_deref()),
        headquarters: company.and_then(|c| c.headquarters.as_deref()),
        website: company
            .and_then(|c| c.website.as_deref())
            .filter(|u| crate::diag::is_web_url(u)),
        facts: fact_views(linked, ei),
        body: markdown::note_html(e.body()),
        related: related(linked, e),
        mention_count: mentions.len(),
        mentions,
        notes: note_refs(linked, notes, e),
    }
}

/// Renders the profile pages (all, or those in `only`) and, with `indexes`,
/// the two indexes.
pub fn render_entities(
    linked: &Linked<'_>,
    notes: &[Vec<NoteView<'_>>],
    t: &Templates,
    base: Option<&str>,
    only: Option<&[usize]>,
    indexes: bool,
    finish: super::Finish<'_>,
) -> Result<Vec<Job>, TemplateError> {
    let ed = linked.edition;
    let which: Vec<usize> = match only {
        Some(list) => list
            .iter()
            .copied()
            .filter(|&i| i < ed.entities.len())
            .collect(),
        None => (0..ed.entities.len()).collect(),
    };
    let pages: Vec<Vec<Job>> = which
        .into_par_iter()
        .map(|ei| render_profile(linked, notes, t, base, ei, finish))
        .collect::<Result<_, TemplateError>>()?;
    let mut jobs: Vec<Job> = pages.into_iter().flatten().collect();
    if indexes {
        jobs.extend(render_indexes(linked, t, base, finish)?);
    }
    Ok(jobs)
}

/// One profile's pages: the profile, and when its mentions or its notes run
/// long, their continuation on `ID/2/`, `ID/3/` … (the profile repeats; each
/// page lists the next [`super::MENTIONS_PER_PAGE`] mentions and the next
/// [`super::ENTRIES_PER_PAGE`] related notes).
fn render_profile(
    linked: &Linked<'_>,
    notes: &[Vec<NoteView<'_>>],
    t: &Templates,
    base: Option<&str>,
    ei: usize,
    finish: super::Finish<'_>,
) -> Result<Vec<Job>, TemplateError> {
    let e = &linked.edition.entities[ei];
    let mut view = entity_view(linked, notes, ei);
    let (template, kind) = match e.kind {
        EntityKind::Company => ("company.html", "company"),
        EntityKind::Person => ("person.html", "person"),
    };
    let url = e.url();
    let mut mentions = chunked(std::mem::take(&mut view.mentions), super::MENTIONS_PER_PAGE);
    let mut related = chunked(std::mem::take(&mut view.notes), super::ENTRIES_PER_PAGE);
    let count = mentions.len().max(related.len()).max(1);
    let mut jobs = Vec::with_capacity(count);
    for i in 0..count {
        let k = i + 1;
        view.mentions = mentions.get_mut(i).map(std::mem::take).unwrap_or_default();
        view.notes = related.get_mut(i).map(std::mem::take).unwrap_or_default();
        let links = super::page_links(&url, count, k);
        let here = super::page_url(&url, k);
        let mut ctx = PageContext::new();
        ctx.insert("root", &super::page_root(2, k))
            .insert(
                "page",
                &PageView {
                    kind,
                    title: &e.name,
                    description: Some(&e.description),
                    canonical: canonical(base, &here),
                    jsonld: Some(super::meta::entity(e, base)),
                },
            )
            .insert("has_code", &view.body.contains("<pre class=\"code\""))
            .insert("pages", &links)
            .insert("offset", &(i * super::MENTIONS_PER_PAGE))
            .insert("entity", &view);
        let mut job = Job::new(format!("{here}index.html"), t.render(template, &ctx)?);
        finish(&mut job);
        jobs.push(job);
    }
    Ok(jobs)
}

/// `items` in consecutive chunks of `size`.
fn chunked<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let mut all = items.into_iter().peekable();
    while all.peek().is_some() {
        out.push(all.by_ref().take(size).collect());
    }
    out
}

/// A profile's line on an index page.
fn index_entry<'a>(linked: &'a Linked<'a>, ei: usize) -> IndexEntry<'a> {
    let ed = linked.edition;
    let e = &ed.entities[ei];
    IndexEntry {
        name: &e.name,
        name_en: e.name_en.as_deref(),
        description: &e.description,
        url: e.url(),
        count: count(linked, ei),
        orgs: e
            .person
            .iter()
            .flat_map(|p| &p.roles)
            .filter_map(|r| {
                ed.entity(&r.org).map(|o| LinkView {
                    name: o.name.clone(),
                    url: o.url(),
                    relation: r.title.clone(),
                })
            })
            .collect(),
    }
}

/// The companies by group: the groups `edition.yaml` lists, in its order,
/// then the others in the order the text first mentions one of their
/// companies (never-mentioned groups last, by name); in each group the most
/// mentioned first.
fn company_groups<'a>(linked: &'a Linked<'a>) -> Vec<Group<'a>> {
    let ed = linked.edition;
    let listed = &ed.config.groups;
    let mut first_mention: std::collections::HashMap<&str, usize> = Default::default();
    for (k, m) in linked.mentions.iter().enumerate() {
        if let Some(c) = &ed.entities[m.entity as usize].company {
            first_mention.entry(c.group.as_str()).or_insert(k);
        }
    }
    let mut names: Vec<&str> = ed
        .entities
        .iter()
        .filter_map(|e| e.company.as_ref().map(|c| c.group.as_str()))
        .collect();
    names.sort_by_key(|g| {
        let at = listed.iter().position(|l| l == g);
        (
            at.unwrap_or(listed.len()),
            first_mention.get(g).copied().unwrap_or(usize::MAX),
            *g,
        )
    });
    names.dedup();
    names
        .into_iter()
        .map(|g| {
            let mut entries: Vec<IndexEntry> = (0..ed.entities.len())
                .filter(|&i| {
                    ed.entities[i]
                        .company
                        .as_ref()
                        .is_some_and(|c| c.group == g)
                })
                .map(|i| index_entry(linked, i))
                .collect();
            entries.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(b.name)));
            Group { name: g, entries }
        })
        .collect()
}

/// `companies/` (by group) and `people/`.
fn render_indexes(
    linked: &Linked<'_>,
    t: &Templates,
    base: Option<&str>,
    finish: super::Finish<'_>,
) -> Result<Vec<Job>, TemplateError> {
    let ed = linked.edition;
    let ui = &ed.config.ui;
    let groups = company_groups(linked);
    let mut people: Vec<IndexEntry> = (0..ed.entities.len())
        .filter(|&i| ed.entities[i].kind == EntityKind::Person)
        .map(|i| index_entry(linked, i))
        .collect();
    people.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(b.name)));
    let mut jobs = Vec::with_capacity(2);
    for (kind, title, path) in [
        (EntityKind::Company, &ui.companies, "companies/"),
        (EntityKind::Person, &ui.people, "people/"),
    ] {
        let mut ctx = PageContext::new();
        ctx.insert("root", "../").insert(
            "page",
            &PageView {
                kind: "entities",
                title,
                description: None,
                canonical: canonical(base, path),
                jsonld: None,
            },
        );
        match kind {
            EntityKind::Company => ctx
                .insert("groups", &groups)
                .insert("entries", &Vec::<IndexEntry>::new()),
            EntityKind::Person => ctx
                .insert("groups", &Vec::<Group>::new())
                .insert("entries", &people),
        };
        ctx.insert("index_kind", &kind);
        let mut job = Job::new(
            format!("{path}index.html"),
            t.render("entities.html", &ctx)?,
        );
        finish(&mut job);
        jobs.push(job);
    }
    Ok(jobs)
}
