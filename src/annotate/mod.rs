//! Linking a loaded edition: anchoring annotations and checking relations between files.
//!
//! Input: a loaded [`Edition`] and its [`Sources`]. Output: a [`Linked`] edition
//! (each chapter parsed once into its reading text, each annotation anchored to
//! a byte range of it and numbered in reading order) and every diagnostic:
//! duplicate chapter `order` and slugs, invalid or duplicate annotation ids,
//! missing sources, and every quote that is ambiguous, not found (with the
//! closest passage) or asks for an occurrence that does not exist. Diagnostics
//! point at the annotation's `quote:` (or `id:`/`kind:`) value in the front matter.
//!
//! After this the edition is frozen: [`Linked`] only borrows it (a build's
//! [`link_releasing`] releases each chapter's text once it is linked, and
//! changes nothing else). Must not read files or render HTML. Submodule [`anchor`] matches one quote.

pub mod anchor;
pub mod candidates;
pub mod entities;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use crate::content::FrontMatter as _;
use crate::content::{Annotation, AnnotationKind, Chapter, Edition, PartialDate, is_slug};
use crate::diag::{Code, Diagnostic, Sources};
use crate::text::Doc;
use anchor::{Disambiguator, Outcome, Query};

/// An anchored annotation.
#[derive(Debug, Clone)]
pub struct Note<'a> {
    /// 1-based, per chapter, in reading order.
    pub number: u32,
    pub annotation: &'a Annotation,
    /// Index of the annotation in its chapter's front matter.
    pub index: usize,
    /// Index of the block in [`Doc::blocks`].
    pub block: usize,
    /// Byte range of the passage in the chapter's reading text.
    pub range: Range<usize>,
    /// Paragraph number of the block, if it is a paragraph.
    pub para: Option<u32>,
    /// The passage as the page shows it, when that differs from the quote
    /// as written (a quote matches across runs of whitespace): see
    /// [`Note::exact`].
    pub shown: Option<Box<str>>,
}

impl Note<'_> {
    /// The passage as the page shows it (the reading text's bytes at
    /// `range`), known without the reading text: a build drops it.
    pub fn exact(&self) -> &str {
        self.shown.as_deref().unwrap_or(&self.annotation.quote)
    }
}

/// A chapter's parsed text: the linked chapter's own (`Borrowed`: linking
/// keeps its reading text and blocks, not its events), shared with a
/// [`LinkCache`] (serve keeps it, events too, across rebuilds), or lent
/// while [`link_releasing`] shows a block to its caller.
#[derive(Debug)]
pub enum DocRef<'a> {
    Borrowed(Doc<'a>),
    Shared(Arc<Doc<'static>>),
    Lent(&'a Doc<'a>),
}

impl<'a> std::ops::Deref for DocRef<'a> {
    type Target = Doc<'a>;
    fn deref(&self) -> &Doc<'a> {
        match self {
            DocRef::Borrowed(d) => d,
            DocRef::Shared(d) => d,
            DocRef::Lent(d) => d,
        }
    }
}

/// What linking found per chapter, kept by `serve` between rebuilds: a
/// chapter whose text is the same `Arc` as last time is not parsed, anchored
/// or scanned for mentions again. Valid only for the edition it was filled
/// from with chapters edited in place (same order, slugs and profiles).
#[derive(Debug, Default)]
pub struct LinkCache {
    chapters: Vec<Option<Cached>>,
}

/// A note without its borrow of the annotation (`index` names it).
#[derive(Debug, Clone)]
struct CachedNote {
    number: u32,
    index: usize,
    block: usize,
    range: Range<usize>,
    para: Option<u32>,
    shown: Option<Box<str>>,
}

#[derive(Debug)]
struct Cached {
    text: Arc<str>,
    doc: Arc<Doc<'static>>,
    notes: Vec<CachedNote>,
    diags: Vec<Diagnostic>,
    mentions: Vec<entities::Mention>,
}

/// A chapter with its parsed text and anchored notes.
#[derive(Debug)]
pub struct LinkedChapter<'a> {
    pub chapter: &'a Chapter,
    pub doc: DocRef<'a>,
    /// Anchored notes in reading order (`number` = index + 1).
    pub notes: Vec<Note<'a>>,
}

impl<'a> LinkedChapter<'a> {
    /// Calls `f` with the parsed text and its events, for rendering the
    /// chapter's page: a build drops the events after linking (see
    /// [`link_with`]) and this parses the chapter again — reading its file
    /// again if its text was released, which fails if the file changed —;
    /// `serve` keeps them in its cache.
    pub fn with_page_doc<R>(
        &self,
        f: impl FnOnce(&Doc<'_>) -> R,
    ) -> Result<R, crate::content::SourceChanged> {
        if self.doc.events.is_empty() {
            let body = self.chapter.body_text()?;
            Ok(f(&crate::text::parse(&body)))
        } else {
            Ok(f(&self.doc))
        }
    }
}

/// A [`Linked`] edition without its borrows of the [`Edition`]: what
/// [`link_releasing`] returns, since it changes the edition (it releases the
/// chapters' texts) while it links; [`Detached::attach`] links it to the
/// edition again at no cost.
#[derive(Debug)]
pub struct Detached {
    chapters: Vec<DetachedChapter>,
    mentions: Vec<entities::Mention>,
    fact_anchors: Vec<Vec<Option<entities::FactAnchor>>>,
    by_entity: Vec<Vec<u32>>,
}

impl Detached {
    /// Links the edition it was detached from again: the same chapters (in
    /// the same order, with the same annotations), whatever was released.
    pub fn attach(self, edition: &Edition) -> Linked<'_> {
        assert_eq!(self.chapters.len(), edition.chapters.len(), "same edition");
        let chapters = self
            .chapters
            .into_iter()
            .zip(&edition.chapters)
            .map(|((doc, notes), c)| attach_chapter(c, doc, &notes))
            .collect();
        Linked {
            edition,
            chapters,
            mentions: self.mentions,
            fact_anchors: self.fact_anchors,
            by_entity: self.by_entity,
        }
    }
}

/// The frozen, linked edition that `render` works from.
#[derive(Debug)]
pub struct Linked<'a> {
    pub edition: &'a Edition,
    /// Same order as `edition.chapters`.
    pub chapters: Vec<LinkedChapter<'a>>,
    /// Every mention of every entity, in reading order (chapter, then position).
    pub mentions: Vec<entities::Mention>,
    /// Per entity (same order as `edition.entities`), per fact: where its quote anchors.
    pub fact_anchors: Vec<Vec<Option<entities::FactAnchor>>>,
    /// Per entity: indices into `mentions`, in reading order.
    pub by_entity: Vec<Vec<u32>>,
}

impl Linked<'_> {
    /// Total number of anchored notes.
    pub fn note_count(&self) -> usize {
        self.chapters.iter().map(|c| c.notes.len()).sum()
    }

    /// The mentions in chapter `i` (a slice: mentions are in chapter order).
    pub fn mentions_in(&self, i: usize) -> &[entities::Mention] {
        mentions_in(&self.mentions, i)
    }

    /// The mentions of entity `ei`, in reading order.
    pub fn mentions_of(&self, ei: usize) -> impl Iterator<Item = &entities::Mention> {
        self.by_entity
            .get(ei)
            .into_iter()
            .flatten()
            .map(|&k| &self.mentions[k as usize])
    }

    /// How often entity `ei` is mentioned.
    pub fn mention_count(&self, ei: usize) -> usize {
        self.by_entity.get(ei).map_or(0, Vec::len)
    }

    /// Per chapter: the entities whose profile pages show something of it (a
    /// mention in its text or notes, a note's `refs`, a fact quoting it),
    /// ascending. An incremental rebuild re-renders these profiles.
    pub fn dependents(&self) -> Vec<Vec<usize>> {
        let ed = self.edition;
        let mut deps = vec![Vec::new(); ed.chapters.len()];
        for m in &self.mentions {
            deps[m.chapter as usize].push(m.entity as usize);
        }
        let index: HashMap<&str, usize> = ed
            .entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        for (ci, c) in ed.chapters.iter().enumerate() {
            for a in &c.meta.annotations {
                deps[ci].extend(a.refs.iter().filter_map(|r| index.get(r.as_str()).copied()));
            }
        }
        for (ei, facts) in self.fact_anchors.iter().enumerate() {
            for f in facts.iter().flatten() {
                deps[f.chapter].push(ei);
            }
        }
        for d in &mut deps {
            d.sort_unstable();
            d.dedup();
        }
        deps
    }
}

/// One chapter's row of `check --coverage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub order: u32,
    pub slug: String,
    pub paragraphs: usize,
    pub notes: usize,
    /// Paragraphs with at least one note.
    pub noted: usize,
    /// The entities mentioned in the chapter (indices into `edition.entities`).
    pub entities: Vec<usize>,
}

impl Linked<'_> {
    /// Per chapter: paragraphs, notes, paragraphs with a note, entities mentioned.
    pub fn coverage(&self) -> Vec<Coverage> {
        self.chapters
            .iter()
            .enumerate()
            .map(|(i, lc)| {
                let mut noted: Vec<u32> = lc.notes.iter().filter_map(|n| n.para).collect();
                noted.sort_unstable();
                noted.dedup();
                let mut entities: Vec<usize> = self
                    .mentions_in(i)
                    .iter()
                    .map(|m| m.entity as usize)
                    .collect();
                entities.sort_unstable();
                entities.dedup();
                Coverage {
                    order: lc.chapter.meta.order,
                    slug: lc.chapter.slug.clone(),
                    paragraphs: lc.doc.paragraphs as usize,
                    notes: lc.notes.len(),
                    noted: noted.len(),
                    entities,
                }
            })
            .collect()
    }
}

/// The mentions of chapter `i` in a list ordered by chapter.
pub fn mentions_in(mentions: &[entities::Mention], i: usize) -> &[entities::Mention] {
    let start = mentions.partition_point(|m| (m.chapter as usize) < i);
    let end = mentions.partition_point(|m| m.chapter as usize <= i);
    &mentions[start..end]
}

/// Links the edition; returns it with all diagnostics (the caller decides whether errors stop it).
pub fn link<'a>(edition: &'a Edition, sources: &Sources) -> (Linked<'a>, Vec<Diagnostic>) {
    link_with(edition, sources, None, None)
}

/// [`link`], reusing and refilling a [`LinkCache`] (for `serve`); with
/// `keep`, warnings are bounded per code a block of chapters at a time
/// ([`crate::diag::bound`]: a build shows a few, and a large edition can
/// have millions).
pub fn link_with<'a>(
    edition: &'a Edition,
    sources: &Sources,
    cache: Option<&mut LinkCache>,
    keep: Option<usize>,
) -> (Linked<'a>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let matcher = before_chapters(edition, sources, &mut diags);
    let (chapters, mentions) = match cache {
        None => {
            let names = candidates::NameCheck::new(edition);
            let mut blocks = Blocks::new(edition.chapters.len());
            for range in blocks.ranges() {
                let part = &edition.chapters[range.clone()];
                let linked = link_block(
                    edition,
                    part,
                    range.start,
                    &matcher,
                    &names,
                    blocks.names_after,
                );
                blocks.add(linked, keep, &mut diags);
            }
            let (chapters, mentions) = blocks.finish();
            let chapters = chapters
                .into_iter()
                .zip(&edition.chapters)
                .map(|((doc, notes), c)| attach_chapter(c, doc, &notes))
                .collect();
            (chapters, mentions)
        }
        Some(cache) => link_cached(edition, &matcher, cache, &mut diags),
    };
    let docs: Vec<&Doc<'_>> = chapters
        .iter()
        .map(|c: &LinkedChapter<'_>| &*c.doc)
        .collect();
    let (fact_anchors, by_entity) = indexes(edition, &docs, &mentions, &mut diags);
    (
        Linked {
            edition,
            chapters,
            mentions,
            fact_anchors,
            by_entity,
        },
        diags,
    )
}

/// [`link_with`] for a build, which never needs a chapter's source again
/// once it is linked: chapters are linked a block at a time, and each
/// block's sources are released as soon as it is
/// ([`crate::content::release_chapters`]), so that memory never holds every
/// source beside every parsed chapter. Every check that reads a chapter's
/// text runs before its release; diagnostics that point into a released
/// file are shown after reading it back ([`crate::content::load::restore`]).
///
/// Each block, linked, is shown to `on_block` (a build indexes it for
/// search there); then the reading text of each chapter is dropped too
/// (only its paragraph count stays), unless a profile's fact quotes it, so
/// `on_block` is the last look at it: rendering parses each chapter again
/// for its page and its mentions' context on the profile pages, and a
/// note's passage is known without it ([`Note::exact`]).
/// Returns the linked edition without its borrows: [`Detached::attach`] it
/// to `edition`.
pub fn link_releasing(
    edition: &mut Edition,
    sources: &mut Sources,
    keep: Option<usize>,
    on_block: &mut dyn FnMut(&[LinkedChapter<'_>]),
) -> (Detached, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let matcher = before_chapters(edition, sources, &mut diags);
    let quoted = quoted_chapters(edition);
    // The chapters leave the edition while they are linked and released:
    // what is read of the edition meanwhile is its profiles and settings.
    let mut chapters = std::mem::take(&mut edition.chapters);
    let mut blocks = Blocks::new(chapters.len());
    {
        let names = candidates::NameCheck::new(edition);
        for range in blocks.ranges() {
            let mut linked = link_block(
                edition,
                &chapters[range.clone()],
                range.start,
                &matcher,
                &names,
                blocks.names_after,
            );
            let lent: Vec<LinkedChapter<'_>> = chapters[range.clone()]
                .iter()
                .zip(&linked)
                .map(|(c, ((doc, notes), ..))| attach_chapter(c, DocRef::Lent(doc), notes))
                .collect();
            on_block(&lent);
            drop(lent);
            for (((doc, _), ..), quoted) in linked.iter_mut().zip(&quoted[range.clone()]) {
                if !quoted {
                    forget_text(doc);
                }
            }
            blocks.add(linked, keep, &mut diags);
            crate::content::release_chapters(&mut chapters[range], sources);
        }
    }
    edition.chapters = chapters;
    let (chapters, mentions) = blocks.finish();
    let docs: Vec<&Doc<'_>> = chapters.iter().map(|(doc, _)| &**doc).collect();
    let (fact_anchors, by_entity) = indexes(edition, &docs, &mentions, &mut diags);
    (
        Detached {
            chapters,
            mentions,
            fact_anchors,
            by_entity,
        },
        diags,
    )
}

/// Per chapter (in order), whether a profile's fact quotes it.
fn quoted_chapters(edition: &Edition) -> Vec<bool> {
    let slugs: std::collections::HashSet<&str> = edition
        .entities
        .iter()
        .flat_map(|e| &e.facts)
        .filter(|f| f.source.quote.is_some())
        .filter_map(|f| f.source.chapter.as_deref())
        .collect();
    edition
        .chapters
        .iter()
        .map(|c| slugs.contains(c.slug.as_str()))
        .collect()
}

/// The error for a chapter whose file can no longer be read as it was
/// loaded (a build released its body, and it changed or went away).
fn changed_source(c: &Chapter, e: &crate::content::SourceChanged) -> Diagnostic {
    Diagnostic::new(Code::Io, format!("cannot link this chapter: {}", e.why))
        .at(c.file, 0..0)
        .help("build again once the file is saved as it should be")
}

/// Drops a linked chapter's reading text and blocks, keeping its
/// paragraph count (what its page and the coverage read of it).
fn forget_text(doc: &mut DocRef<'_>) {
    if let DocRef::Borrowed(d) = doc {
        d.text = String::new();
        d.blocks = Vec::new();
    }
}

/// The checks that come before the chapters are linked (they read the
/// chapters' front matter, which a build holds until each block is
/// linked), and the profile names' matcher.
fn before_chapters(
    edition: &Edition,
    sources: &Sources,
    diags: &mut Vec<Diagnostic>,
) -> entities::Matcher {
    duplicate_orders(edition, sources, diags);
    duplicate_slugs(edition, sources, diags);
    annotation_ids(edition, diags);
    entities::annotation_refs(edition, diags);
    placeholders(edition, diags);
    entities::Matcher::new(edition, diags)
}

/// Chapters linked per block: the unit of [`link_releasing`]'s releases and
/// of bounding warnings.
const BLOCK: usize = 256;

/// A linked chapter without its borrows of the chapter.
type DetachedChapter = (DocRef<'static>, Vec<CachedNote>);

/// A linked chapter as a block gives it: the chapter, its mentions, its
/// diagnostics, and how many name warnings were only counted.
type BlockChapter = (
    DetachedChapter,
    Vec<entities::Mention>,
    Vec<Diagnostic>,
    usize,
);

/// The linked chapters, gathered block by block in chapter order.
struct Blocks {
    len: usize,
    chapters: Vec<DetachedChapter>,
    mentions: Vec<Vec<entities::Mention>>,
    /// Once as many `unprofiled-name` warnings as a build shows are kept,
    /// the file of the last: the warnings of a later chapter whose file
    /// sorts after it would only be counted, so they are counted without
    /// being made (finding each one's place in the file and writing its
    /// message was nearly half of the names check on an edition with many
    /// such names).
    names_after: Option<crate::diag::FileId>,
}

impl Blocks {
    fn new(len: usize) -> Self {
        Blocks {
            len,
            chapters: Vec::with_capacity(len),
            mentions: Vec::with_capacity(len),
            names_after: None,
        }
    }

    /// The chapter ranges of the blocks, in order.
    fn ranges(&self) -> Vec<Range<usize>> {
        (0..self.len)
            .step_by(BLOCK)
            .map(|start| start..self.len.min(start + BLOCK))
            .collect()
    }

    /// Adds a block's chapters and diagnostics; with `keep`, bounds the
    /// warnings so far (bounding block by block keeps what bounding all of
    /// them at the end would).
    fn add(&mut self, linked: Vec<BlockChapter>, keep: Option<usize>, diags: &mut Vec<Diagnostic>) {
        let mut counted = 0;
        for (chapter, mentions, mut d, n) in linked {
            self.chapters.push(chapter);
            self.mentions.push(mentions);
            diags.append(&mut d);
            counted += n;
        }
        let Some(k) = keep else { return };
        use crate::diag::Code::UnprofiledName;
        crate::diag::bound(diags, k);
        // The counted warnings sort after every kept one.
        crate::diag::omit(diags, UnprofiledName, counted);
        self.names_after = crate::diag::full_after(diags, UnprofiledName, k);
    }

    /// The chapters, and every mention in chapter order.
    fn finish(self) -> (Vec<DetachedChapter>, Vec<entities::Mention>) {
        // Exactly sized: hundreds of thousands of mentions in a large edition.
        let mut mentions = Vec::with_capacity(self.mentions.iter().map(Vec::len).sum());
        for m in self.mentions {
            mentions.extend(m);
        }
        (self.chapters, mentions)
    }
}

/// A block of chapters (the first is chapter `first`) parsed, anchored,
/// scanned for mentions and for names with no profile, in parallel. Keeps
/// of each parsed chapter only what outlives linking: its reading text and
/// blocks, not its events — only its page needs them, and that page parses
/// the chapter again (`LinkedChapter::with_page_doc`).
fn link_block(
    edition: &Edition,
    chapters: &[Chapter],
    first: usize,
    matcher: &entities::Matcher,
    names: &candidates::NameCheck<'_>,
    names_after: Option<crate::diag::FileId>,
) -> Vec<BlockChapter> {
    let policy = edition.config.mentions.link;
    chapters
        .par_iter()
        .enumerate()
        .map(|(k, c)| {
            // Read again if a build released it when it loaded.
            let body = match c.body_text() {
                Ok(body) => body,
                Err(e) => {
                    let d = vec![changed_source(c, &e)];
                    return (
                        (DocRef::Borrowed(Doc::default()), Vec::new()),
                        Vec::new(),
                        d,
                        0,
                    );
                }
            };
            let (mut doc, notes, mut d) = link_chapter(c, crate::text::parse(&body));
            d.extend(body_placeholder(c, &body));
            let mentions = entities::chapter_mentions(policy, c, first + k, &doc, matcher);
            doc.events = Vec::new();
            // The reading text was given the Markdown's length to grow in;
            // it stays for the whole build, so it is copied to its own
            // length (an allocator may keep a shrunk block where it is).
            doc.text = String::from(doc.text.as_str());
            doc.blocks.shrink_to_fit();
            let ranges: Vec<Range<usize>> = notes.iter().map(|n| n.range.clone()).collect();
            let counted = if names_after.is_some_and(|f| c.file > f) {
                names.count(&doc, &ranges, &mentions)
            } else {
                d.extend(names.chapter(c, &body, &doc, &ranges, &mentions));
                0
            };
            let notes = notes.iter().map(detach_note).collect();
            (
                (DocRef::Borrowed(doc.into_static()), notes),
                mentions,
                d,
                counted,
            )
        })
        .collect()
}

/// A note without its borrow of the annotation.
fn detach_note(n: &Note<'_>) -> CachedNote {
    CachedNote {
        number: n.number,
        index: n.index,
        block: n.block,
        range: n.range.clone(),
        para: n.para,
        shown: n.shown.clone(),
    }
}

/// A linked chapter borrowing its chapter again.
fn attach_chapter<'a>(c: &'a Chapter, doc: DocRef<'a>, notes: &[CachedNote]) -> LinkedChapter<'a> {
    LinkedChapter {
        chapter: c,
        doc,
        notes: notes
            .iter()
            .map(|n| Note {
                number: n.number,
                annotation: &c.meta.annotations[n.index],
                index: n.index,
                block: n.block,
                range: n.range.clone(),
                para: n.para,
                shown: n.shown.clone(),
            })
            .collect(),
    }
}

/// Like the blocks of [`link_with`], but only chapters whose text changed
/// since the cache was filled are parsed and anchored again; their results
/// replace the cached ones.
fn link_cached<'a>(
    edition: &'a Edition,
    matcher: &entities::Matcher,
    cache: &mut LinkCache,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<LinkedChapter<'a>>, Vec<entities::Mention>) {
    let names = candidates::NameCheck::new(edition);
    let policy = edition.config.mentions.link;
    cache.chapters.resize_with(edition.chapters.len(), || None);
    let fresh: Vec<Option<Cached>> = edition
        .chapters
        .par_iter()
        .enumerate()
        .map(|(ci, c)| {
            let hit = cache.chapters[ci]
                .as_ref()
                .is_some_and(|k| Arc::ptr_eq(&k.text, &c.text));
            if hit {
                return None;
            }
            let doc = crate::text::parse(c.body()).into_static();
            let mentions = entities::chapter_mentions(policy, c, ci, &doc, matcher);
            let (doc, notes, mut d) = link_chapter(c, doc);
            d.extend(body_placeholder(c, c.body()));
            let ranges: Vec<Range<usize>> = notes.iter().map(|n| n.range.clone()).collect();
            d.extend(names.chapter(c, c.body(), &doc, &ranges, &mentions));
            let notes = notes.iter().map(detach_note).collect();
            Some(Cached {
                text: c.text.clone(),
                doc: Arc::new(doc),
                notes,
                diags: d,
                mentions,
            })
        })
        .collect();
    for (slot, f) in cache.chapters.iter_mut().zip(fresh) {
        if f.is_some() {
            *slot = f;
        }
    }
    let cached = cache.chapters.iter().flatten();
    let mut mentions = Vec::with_capacity(cached.map(|k| k.mentions.len()).sum());
    let mut chapters = Vec::with_capacity(edition.chapters.len());
    for (c, k) in edition.chapters.iter().zip(&cache.chapters) {
        let k = k.as_ref().expect("every chapter is cached");
        diags.extend(k.diags.iter().cloned());
        mentions.extend(k.mentions.iter().cloned());
        chapters.push(attach_chapter(c, DocRef::Shared(k.doc.clone()), &k.notes));
    }
    (chapters, mentions)
}

/// Edition-wide checks and indexes over the linked chapters: each fact's
/// anchor, and each entity's mentions.
fn indexes(
    edition: &Edition,
    docs: &[&Doc<'_>],
    mentions: &[entities::Mention],
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Vec<Option<entities::FactAnchor>>>, Vec<Vec<u32>>) {
    let fact_anchors = entities::check_references(edition, docs, mentions, diags);
    let mut by_entity = vec![Vec::new(); edition.entities.len()];
    for (k, m) in mentions.iter().enumerate() {
        by_entity[m.entity as usize].push(k as u32);
    }
    (fact_anchors, by_entity)
}

/// Runs every check; returns all diagnostics found.
pub fn check(edition: &Edition, sources: &Sources) -> Vec<Diagnostic> {
    link(edition, sources).1
}

/// The placeholder text `glossa new` wrote (in any of the packs' languages)
/// that `text` still is, if any.
fn placeholder(text: &str, pick: fn(&crate::i18n::NewTexts) -> &str) -> Option<&'static str> {
    let text = text.trim();
    crate::i18n::packs()
        .iter()
        .map(|p| pick(&p.new))
        .find(|&t| t == text)
}

/// The warning for a placeholder nobody replaced.
fn placeholder_warning(what: &str, text: &str) -> Diagnostic {
    Diagnostic::new(
        Code::Placeholder,
        format!("{what} is still the placeholder “{text}” that `glossa new` wrote"),
    )
    .help("replace it with the real text (it is published as it stands)")
}

/// Where `placeholder` is in the body `body` (starting at byte `start` of
/// the file).
fn body_span(body: &str, start: usize, placeholder: &str) -> Option<Range<usize>> {
    body.find(placeholder)
        .map(|i| start + i..start + i + placeholder.len())
}

/// A chapter body that is still `glossa new`'s placeholder (checked where
/// the chapter is linked, with its body in hand).
fn body_placeholder(c: &Chapter, body: &str) -> Option<Diagnostic> {
    let t = placeholder(body, |n| &n.chapter_body)?;
    let span = body_span(body, c.body.start, t)?;
    Some(placeholder_warning("the chapter text", t).at(c.file, span))
}

/// Text that `glossa new` wrote as a placeholder (in any language) and
/// nobody replaced: it would be published as it stands. (A chapter's body
/// is checked where it is linked: [`body_placeholder`].)
fn placeholders(edition: &Edition, diags: &mut Vec<Diagnostic>) {
    for c in &edition.chapters {
        if let Some(t) = placeholder(&c.meta.title, |n| &n.chapter_title) {
            diags.push(
                placeholder_warning("the chapter title", t).at(c.file, c.span(&["title".into()])),
            );
        }
    }
    for e in &edition.entities {
        if let Some(t) = placeholder(&e.description, |n| &n.description) {
            diags.push(
                placeholder_warning("the description", t)
                    .at(e.file, e.span(&["description".into()])),
            );
        }
        if let Some(t) = e
            .company
            .as_ref()
            .and_then(|m| placeholder(&m.group, |n| &n.group))
        {
            diags.push(placeholder_warning("the group", t).at(e.file, e.span(&["group".into()])));
        }
        if let Some(t) = placeholder(e.body(), |n| &n.profile_body)
            && let Some(span) = body_span(e.body(), e.body.start, t)
        {
            diags.push(placeholder_warning("the profile text", t).at(e.file, span));
        }
    }
}

/// Ids: valid and unique across the edition.
fn annotation_ids(edition: &Edition, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, (&Chapter, usize)> = HashMap::new();
    for c in &edition.chapters {
        for (k, a) in c.meta.annotations.iter().enumerate() {
            let span = || c.annotation_span(k, "id");
            if !is_slug(&a.id) {
                diags.push(
                    Diagnostic::new(
                        Code::BadAnnotationId,
                        format!("annotation id `{}` is not valid", a.id),
                    )
                    .at(c.file, span())
                    .help("use lowercase ASCII letters, digits and `-`, e.g. `six-tigers`"),
                );
            }
            if let Some((other, j)) = seen.get(a.id.as_str()) {
                diags.push(
                    Diagnostic::new(
                        Code::DuplicateAnnotationId,
                        format!("annotation id `{}` is used twice", a.id),
                    )
                    .at(c.file, span())
                    .label("second use")
                    .secondary(other.file, other.annotation_span(*j, "id"), "first use")
                    .help(
                        "ids must be unique in the whole edition: they are the notes' permalinks",
                    ),
                );
            } else {
                seen.insert(&a.id, (c, k));
            }
        }
    }
}

/// Anchors a parsed chapter's annotations; returns the document back with
/// the notes (numbered in reading order) and the diagnostics.
fn link_chapter<'c, 'd>(c: &'c Chapter, doc: Doc<'d>) -> (Doc<'d>, Vec<Note<'c>>, Vec<Diagnostic>) {
    // Only annotations are matched against the blocks' normalised text.
    let blocks = if c.meta.annotations.is_empty() {
        Vec::new()
    } else {
        anchor::block_texts(&doc)
    };
    let quotes: Vec<String> = c
        .meta
        .annotations
        .iter()
        .map(|a| anchor::quote_key(&a.quote))
        .collect();
    let mut found = anchor::occurrences_of_all(&blocks, &quotes);
    let mut diags = Vec::new();
    let mut notes = Vec::new();
    if c.meta.annotations.is_empty() && !doc.blocks.is_empty() {
        diags.push(
            Diagnostic::new(
                Code::NoAnnotations,
                format!("chapter `{}` has no annotations", c.slug),
            )
            .at(c.file, c.span(&["title".into()]))
            .help("annotate it in the front matter, under `annotations:`"),
        );
    }
    for (k, a) in c.meta.annotations.iter().enumerate() {
        annotation_checks(c, k, a, &mut diags);
        let q = Query {
            quote: &a.quote,
            prefix: a.prefix.as_deref(),
            suffix: a.suffix.as_deref(),
            occurrence: a.occurrence,
        };
        match anchor::anchor_among(&blocks, &q, std::mem::take(&mut found[k])) {
            Outcome::Anchored(cand) => {
                let exact = &doc.text[cand.range.clone()];
                notes.push(Note {
                    number: 0,
                    annotation: a,
                    index: k,
                    shown: (exact != a.quote).then(|| exact.into()),
                    block: cand.block,
                    range: cand.range,
                    para: blocks[cand.block].para,
                })
            }
            other => diags.extend(anchor_problem(c, k, &blocks, other)),
        }
    }
    // Reading order = the order of the markers, which follow the end of each passage.
    notes.sort_by_key(|n| (n.range.end, n.range.start));
    for (i, n) in notes.iter_mut().enumerate() {
        n.number = i as u32 + 1;
    }
    (doc, notes, diags)
}

/// The checks of one annotation that do not need its passage: sources
/// (present where required, http(s), findable), the date, the note.
fn annotation_checks(c: &Chapter, k: usize, a: &Annotation, diags: &mut Vec<Diagnostic>) {
    let checked = matches!(a.kind, AnnotationKind::FactCheck | AnnotationKind::Context);
    if checked && a.sources.is_empty() {
        diags.push(
            Diagnostic::new(
                Code::MissingSources,
                format!(
                    "a `{}` annotation needs at least one source",
                    a.kind.as_str()
                ),
            )
            .at(c.file, c.annotation_span(k, "kind"))
            .help("add `sources:` with a `title` (and `publisher`, `url`, `date` when known)"),
        );
    }
    for (j, src) in a.sources.iter().enumerate() {
        if let Some(d) = src.url.as_deref().and_then(crate::diag::source_url) {
            diags.push(d.at(c.file, source_span(c, k, j, "url")));
        }
        if checked && src.url.is_none() && src.date.is_none() {
            diags.push(
                Diagnostic::new(
                    Code::UndatedSource,
                    format!("the source “{}” has neither a URL nor a date", src.title),
                )
                .at(c.file, source_span(c, k, j, "title"))
                .help("give the best public reference: `url:` where there is a stable one, else `date:` (and `publisher:`) so a reader can find it"),
            );
        }
    }
    if let Some(date) = &a.date {
        date_checks(c, k, date, a.sources.is_empty(), diags);
    }
    if a.note.trim().is_empty() {
        diags.push(
            Diagnostic::new(
                Code::EmptyNote,
                format!("annotation `{}` has no note", a.id),
            )
            .at(c.file, c.annotation_span(k, "id"))
            .help("write the note under `note: |`"),
        );
    }
}

/// `¶N`, or `block N` for a block that is not a paragraph.
fn block_label(blocks: &[anchor::BlockText], b: usize) -> String {
    match blocks[b].para {
        Some(n) => format!("¶{n}"),
        None => format!("block {}", b + 1),
    }
}

/// The diagnostic for annotation `k` of `c` when it did not anchor.
fn anchor_problem(
    c: &Chapter,
    k: usize,
    blocks: &[anchor::BlockText],
    outcome: Outcome,
) -> Option<Diagnostic> {
    let a = &c.meta.annotations[k];
    let span = c.annotation_span(k, "quote");
    Some(match outcome {
        Outcome::Anchored(_) => return None,
        Outcome::EmptyQuote => Diagnostic::new(Code::EmptyQuote, "the quote is empty")
            .at(c.file, span)
            .help("copy the exact words of the passage the note is about"),
        Outcome::OccurrenceOutOfRange { found } => Diagnostic::new(
            Code::OccurrenceOutOfRange,
            format!(
                "`occurrence: {}` asked for, but the quote matches {found} time{}",
                a.occurrence.unwrap_or(0),
                if found == 1 { "" } else { "s" }
            ),
        )
        .at(c.file, c.annotation_span(k, "occurrence"))
        .help(if found == 0 {
            "the quote (with its prefix/suffix) is not in the chapter; check its text".to_string()
        } else {
            format!("use a number from 1 to {found}")
        }),
        Outcome::Ambiguous(cands) => {
            let mut d = Diagnostic::new(
                Code::AmbiguousQuote,
                format!(
                    "the quote “{}” matches {} places",
                    a.quote.trim(),
                    cands.len()
                ),
            )
            .at(c.file, span)
            .label("ambiguous");
            for (cand, dis) in &cands {
                let b = &blocks[cand.block];
                let fix = match dis {
                    Disambiguator::Prefix(p) => format!("prefix: {}", yaml_str(p)),
                    Disambiguator::Suffix(s) => format!("suffix: {}", yaml_str(s)),
                    Disambiguator::Occurrence(n) => format!("occurrence: {n}"),
                };
                d = d.note(format!(
                    "{}: {}  → add `{fix}`",
                    block_label(blocks, cand.block),
                    context(&b.norm, cand.norm.clone(), 10)
                ));
            }
            d.help("add the `prefix`, `suffix` or `occurrence` shown for the place you mean")
        }
        Outcome::NotFound {
            without_context,
            closest,
        } => {
            let d = Diagnostic::new(
                Code::QuoteNotFound,
                format!("the quote “{}” is not in this chapter", a.quote.trim()),
            )
            .at(c.file, span)
            .label("not found");
            if without_context > 0 {
                d.note(format!(
                    "the quote alone matches {without_context} time{}, but not with the given prefix/suffix",
                    if without_context == 1 { "" } else { "s" }
                ))
                .help("check `prefix` and `suffix`: they must be the text immediately before and after the quote")
            } else if let Some(cl) = closest {
                let same_but_width =
                    fold_width(&cl.text) == fold_width(&anchor::normalize(a.quote.trim()));
                d.note(format!(
                    "closest passage: {} “{}” (similarity {:.0}%)",
                    block_label(blocks, cl.block),
                    cl.text,
                    cl.similarity * 100.0
                ))
                .help(if same_but_width {
                    format!(
                        "the passage differs only in punctuation width; quote it as “{}”",
                        cl.text
                    )
                } else {
                    "copy the quote from the chapter text exactly (the text may have changed)"
                        .to_string()
                })
            } else {
                d.help("copy the quote from the chapter text exactly")
            }
        }
    })
}

/// A dated annotation: the date must be valid and, like any fact, sourced.
fn date_checks(c: &Chapter, k: usize, date: &str, no_sources: bool, diags: &mut Vec<Diagnostic>) {
    let span = || c.annotation_span(k, "date");
    if PartialDate::parse(date).is_none() {
        diags.push(crate::diag::bad_date(date).at(c.file, span()));
    } else if no_sources {
        diags.push(
            Diagnostic::new(
                Code::DateWithoutSource,
                format!("the date `{date}` has no source"),
            )
            .at(c.file, span())
            .help("add `sources:` naming where the date comes from (it appears on the timeline)"),
        );
    }
}

/// Span of key `key` of source `j` of annotation `k`.
fn source_span(c: &Chapter, k: usize, j: usize, key: &str) -> Range<usize> {
    c.span(&[
        "annotations".into(),
        k.into(),
        "sources".into(),
        j.into(),
        key.into(),
    ])
}

/// A string as it would be written in YAML (quoted when it has edge spaces or special starts).
fn yaml_str(s: &str) -> String {
    if s.starts_with([
        ' ', '[', '{', '*', '&', '!', '|', '>', '%', '@', '`', '\'', '"', '#', '-', '?', ':',
    ]) || s.ends_with(' ')
        || s.contains(": ")
    {
        format!("{s:?}")
    } else {
        s.to_string()
    }
}

/// `…context…` around a byte range of `text`, `n` characters each side.
fn context(text: &str, r: Range<usize>, n: usize) -> String {
    let before: Vec<char> = text[..r.start].chars().collect();
    let after: Vec<char> = text[r.end..].chars().collect();
    let b: String = before[before.len().saturating_sub(n)..].iter().collect();
    let a: String = after[..after.len().min(n)].iter().collect();
    format!(
        "{}{}⟦{}⟧{}{}",
        if before.len() > n { "…" } else { "" },
        b,
        &text[r],
        a,
        if after.len() > n { "…" } else { "" }
    )
}

/// Folds full-width punctuation to half-width, to recognise width-only differences.
fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

fn duplicate_orders(edition: &Edition, sources: &Sources, diags: &mut Vec<Diagnostic>) {
    let mut first: HashMap<u32, usize> = HashMap::new();
    for (i, c) in edition.chapters.iter().enumerate() {
        if let Some(&j) = first.get(&c.meta.order) {
            let other = &edition.chapters[j];
            diags.push(
                Diagnostic::new(
                    Code::DuplicateOrder,
                    format!("two chapters have `order: {}`", c.meta.order),
                )
                .at(c.file, c.first_key_span(&["order"]))
                .label("this chapter")
                .secondary(
                    other.file,
                    other.first_key_span(&["order"]),
                    "also uses this order",
                )
                .help(format!(
                    "give each chapter its own order; {} and {} cannot both be chapter {}",
                    sources.get(other.file).display,
                    sources.get(c.file).display,
                    c.meta.order
                )),
            );
        } else {
            first.insert(c.meta.order, i);
        }
    }
}

fn duplicate_slugs(edition: &Edition, sources: &Sources, diags: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, c) in edition.chapters.iter().enumerate() {
        if let Some(&j) = first.get(c.slug.as_str()) {
            let other = &edition.chapters[j];
            let span = |ch: &Chapter| ch.first_key_span(&["slug", "title"]);
            diags.push(
                Diagnostic::new(
                    Code::DuplicateSlug,
                    format!("two chapters would be written to chapters/{}/", c.slug),
                )
                .at(c.file, span(c))
                .secondary(other.file, span(other), "same slug here")
                .help(format!(
                    "rename one file or set a different `slug:`; {} already uses `{}`",
                    sources.get(other.file).display,
                    c.slug
                )),
            );
        } else {
            first.insert(&c.slug, i);
        }
    }
}
