//! Profile pages and their indexes: entities → `companies/ID/`, `people/ID/`,
//! `companies/`, `people/`.
//!
//! Input: the linked edition (mentions, fact anchors), the chapters' note
//! views and, chapter by chapter in reading order, each chapter's parsed
//! text (handed over by the sweep that renders the chapter pages: the
//! mentions' context is read there, so no chapter's text is kept for the
//! profiles). Output: jobs. Each profile page shows the names, sourced facts (a fact
//! quoted from the text links to its paragraph), the profile text, related
//! entities, every mention in reading order as a keyword-in-context line linking
//! to `chapters/SLUG/#pN`, and the notes whose `refs` name it. Pure; must not
//! touch the disk.

use rayon::prelude::*;
use serde::Serialize;

use super::markdown::{self, NoteView};
use super::{Job, PageContext, PageView, TemplateError, Templates, canonical, chapter_url};
use crate::annotate::Linked;
use crate::annotate::entities::{Mention, Place};
use crate::content::FrontMatter as _;
use crate::content::{Entity, EntityKind};
use crate::text::Doc;

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
pub(crate) struct MentionView<'a> {
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

/// A mention as a profile page shows it: where, and its context in `doc`
/// (the parsed text of its chapter).
fn mention_view<'a>(linked: &'a Linked<'a>, m: &Mention, doc: &Doc<'_>) -> MentionView<'a> {
    let ed = linked.edition;
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
    let (before, hit, after) = m.snippet(ed, doc);
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
                    quote: n.quote(),
                    kind_label: n.kind_label,
                    url: format!("{}#n-{}", chapter_url(&lc.chapter.slug), n.id()),
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
        mention_count: linked.mention_count(ei),
        mentions: Vec::new(),
        notes: note_refs(linked, notes, e),
    }
}

/// The profile pages (all, or those in `only`), rendered as a sweep over
/// the chapters in reading order hands over each chapter's parsed text
/// ([`Profiles::mentions`], then [`Profiles::add`]): a profile lists its
/// mentions in reading order, [`super::MENTIONS_PER_PAGE`] a page, so a
/// page is rendered as soon as the chapters holding its mentions have been
/// seen ([`Profiles::render_full`]) and no chapter's text is needed after
/// its turn (a build keeps none). Each profile's pages: the profile, and
/// when its mentions or its notes run long, their continuation on `ID/2/`,
/// `ID/3/` … (the profile repeats; each page lists the next mentions and
/// the next [`super::ENTRIES_PER_PAGE`] related notes).
pub(crate) struct Profiles<'a> {
    linked: &'a Linked<'a>,
    t: &'a Templates,
    base: Option<&'a str>,
    finish: super::Finish<'a>,
    /// Per entity: its index in `pending`, if its pages are rendered.
    slot: Vec<Option<u32>>,
    pending: Vec<Profile<'a>>,
}

/// One profile being rendered.
struct Profile<'a> {
    ei: usize,
    /// The profile, with no mentions or related notes (each page sets its own).
    view: EntityView<'a>,
    /// The related notes, a page's worth each.
    related: std::vec::IntoIter<Vec<NoteRefView<'a>>>,
    /// Mentions seen and not yet on a page, in reading order.
    mentions: Vec<MentionView<'a>>,
    /// Pages in all, and rendered so far.
    pages: usize,
    done: usize,
}

impl<'a> Profiles<'a> {
    /// The profiles in `only` (distinct indices: `serve` sorts and dedups
    /// them), or all.
    pub(crate) fn new(
        linked: &'a Linked<'a>,
        notes: &'a [Vec<NoteView<'a>>],
        t: &'a Templates,
        base: Option<&'a str>,
        only: Option<&[usize]>,
        finish: super::Finish<'a>,
    ) -> Self {
        let count = linked.edition.entities.len();
        let which: Vec<usize> = match only {
            Some(list) => list.iter().copied().filter(|&i| i < count).collect(),
            None => (0..count).collect(),
        };
        let mut slot = vec![None; count];
        for (k, &ei) in which.iter().enumerate() {
            slot[ei] = Some(k as u32);
        }
        let pending = which
            .into_par_iter()
            .map(|ei| {
                let mut view = entity_view(linked, notes, ei);
                let related = chunked(std::mem::take(&mut view.notes), super::ENTRIES_PER_PAGE);
                let pages = view
                    .mention_count
                    .div_ceil(super::MENTIONS_PER_PAGE)
                    .max(related.len())
                    .max(1);
                Profile {
                    ei,
                    view,
                    related: related.into_iter(),
                    mentions: Vec::new(),
                    pages,
                    done: 0,
                }
            })
            .collect();
        Profiles {
            linked,
            t,
            base,
            finish,
            slot,
            pending,
        }
    }

    /// Whether chapter `i` holds a mention one of these profiles lists.
    pub(crate) fn shows(&self, i: usize) -> bool {
        self.linked
            .mentions_in(i)
            .iter()
            .any(|m| self.slot[m.entity as usize].is_some())
    }

    /// The mentions of chapter `i` these profiles list (in reading order,
    /// each with its profile's slot), their context read from `doc`, the
    /// chapter's parsed text.
    pub(crate) fn mentions(&self, i: usize, doc: &Doc<'_>) -> Vec<(u32, MentionView<'a>)> {
        self.linked
            .mentions_in(i)
            .iter()
            .filter_map(|m| {
                let k = self.slot[m.entity as usize]?;
                Some((k, mention_view(self.linked, m, doc)))
            })
            .collect()
    }

    /// Adds mentions found by [`Profiles::mentions`], chapter by chapter in
    /// reading order.
    pub(crate) fn add(&mut self, found: Vec<(u32, MentionView<'a>)>) {
        for (k, m) in found {
            self.pending[k as usize].mentions.push(m);
        }
    }

    /// Renders every page whose mentions have all been added.
    pub(crate) fn render_full(&mut self) -> Result<Vec<Job>, TemplateError> {
        self.render(false)
    }

    /// Renders the pages left, once every chapter was added.
    pub(crate) fn render_rest(mut self) -> Result<Vec<Job>, TemplateError> {
        self.render(true)
    }

    fn render(&mut self, last: bool) -> Result<Vec<Job>, TemplateError> {
        let (linked, t, base, finish) = (self.linked, self.t, self.base, self.finish);
        let per_page = super::MENTIONS_PER_PAGE;
        let pages: Vec<Vec<Job>> = self
            .pending
            .par_iter_mut()
            .filter(|p| last || p.mentions.len() >= per_page)
            .map(|p| {
                let mut jobs = Vec::new();
                while p.done < p.pages && (last || p.mentions.len() >= per_page) {
                    let take = p.mentions.len().min(per_page);
                    let mentions = p.mentions.drain(..take).collect();
                    jobs.push(render_page(linked, t, base, p, mentions, finish)?);
                }
                Ok(jobs)
            })
            .collect::<Result<_, TemplateError>>()?;
        Ok(pages.into_iter().flatten().collect())
    }
}

/// The next page of profile `p`, listing `mentions`.
fn render_page<'a>(
    linked: &Linked<'_>,
    t: &Templates,
    base: Option<&str>,
    p: &mut Profile<'a>,
    mentions: Vec<MentionView<'a>>,
    finish: super::Finish<'_>,
) -> Result<Job, TemplateError> {
    let e = &linked.edition.entities[p.ei];
    let (template, kind) = match e.kind {
        EntityKind::Company => ("company.html", "company"),
        EntityKind::Person => ("person.html", "person"),
    };
    let i = p.done;
    let k = i + 1;
    p.view.mentions = mentions;
    p.view.notes = p.related.next().unwrap_or_default();
    let url = &p.view.url;
    let links = super::page_links(url, p.pages, k);
    let here = super::page_url(url, k);
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
        .insert("has_code", &p.view.body.contains("<pre class=\"code\""))
        .insert("pages", &links)
        .insert("offset", &(i * super::MENTIONS_PER_PAGE))
        .insert("entity", &p.view);
    let mut job = Job::new(format!("{here}index.html"), t.render(template, &ctx)?);
    p.done = k;
    finish(&mut job);
    Ok(job)
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
pub(crate) fn render_indexes(
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
