//! Rendering: a linked edition → a list of `(relative path, bytes)` jobs.
//!
//! Input: the frozen, linked edition (chapters parsed, notes anchored) and
//! compiled [`Templates`]. Output: one [`Job`] per file: `index.html`,
//! `chapters/SLUG/index.html`, `annotations/index.html`, `404.html` and the Web
//! Annotation export `annotations.jsonld`, rendered in parallel. Pure: nothing
//! here touches the disk (a chapter whose text `build` released is read again
//! by `content`, `Chapter::body_text`, and a file that changed since it was
//! linked is a [`TemplateError::Source`]); each job goes through the caller's
//! `finish` hook as soon as it exists (`build` minifies and writes it there,
//! through `output`).
//!
//! Submodules: [`markdown`] (the HTML passes over parsed chapters), [`templates`]
//! (the only place that names Tera),
//! [`highlight`] (code highlighting, the only place that names syntect),
//! [`entities`] (profiles), [`search`] (the search index), [`meta`]
//! (JSON-LD, sitemap, feed, robots). Views handed to templates borrow from the edition; edition-wide
//! values are set once as template globals.
//!
//! All internal links are relative (`root` is `./` or `../../`), so a site
//! works under any sub-path; only `404.html`, which hosts serve at arbitrary
//! depths, uses the base URL when one is configured.

pub mod entities;
pub mod glossary;
pub mod highlight;
pub mod markdown;
pub mod anchors;
pub mod meta;
pub mod pagetext;
pub mod search;
pub mod templates;
pub mod timeline;

use rayon::prelude::*;
use serde::Serialize;

use crate::annotate::entities::Place;
use crate::annotate::{Linked, LinkedChapter};
use crate::config::SourceMeta;
use crate::content::{AnnotationKind, Chapter, Edition, Provenance};
use crate::i18n::Ui;
use crate::text::Doc;
use crate::webanno::export::{ANNOTATIONS_PER_PAGE, ExportParts, PageAnchor, page_file};
use markdown::NoteView;
pub use templates::{PageContext, TemplateError, Templates};

/// Wall time per stage, as laps of one clock (for `build --timings` and benchmarks).
#[derive(Debug, Clone)]
pub struct Stages {
    last: std::time::Instant,
    pub laps: Vec<(&'static str, std::time::Duration)>,
    /// After each sequential lap (by name): the process's resident memory
    /// and its peak so far, in KiB (Linux; empty elsewhere).
    pub memory: Vec<(&'static str, u64, u64)>,
}

impl Default for Stages {
    fn default() -> Self {
        Stages {
            last: std::time::Instant::now(),
            laps: Vec::new(),
            memory: Vec::new(),
        }
    }
}

impl Stages {
    /// Records the time since the previous lap under `name`, and the memory.
    pub fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.laps.push((name, now - self.last));
        if let Some((rss, peak)) = resident_memory() {
            self.memory.push((name, rss, peak));
        }
        self.last = now;
    }
}

/// The process's resident memory and its peak, in KiB (`VmRSS`, `VmHWM`).
fn resident_memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The pages that depend on some chapters, for an incremental rebuild (serve):
/// those chapters' pages, the given profiles and, with `lists`, the profile
/// indexes and the edition-wide lists built from every chapter (annotations
/// page and export, glossary, timeline, search index). The home page, 404,
/// search page and site files do not depend on a chapter's text and are not
/// rendered.
#[derive(Debug, Clone, Default)]
pub struct Affected {
    /// Chapter indices.
    pub chapters: Vec<usize>,
    /// Entity indices.
    pub entities: Vec<usize>,
    /// Also the profile indexes and the edition-wide lists.
    pub lists: bool,
}

/// What `render_site`'s caller does with each job as soon as it exists
/// (minify, write, free its bytes).
pub type Finish<'f> = &'f (dyn Fn(&mut Job) + Sync);

/// One file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Path relative to the output root, `/`-separated.
    pub path: String,
    pub bytes: Vec<u8>,
    /// The bytes continue the file of the job before with the same path (a
    /// large file is finished in parts, so it never sits in memory whole);
    /// [`render_site`] returns each file as one job.
    pub append: bool,
}

impl Job {
    /// A whole file.
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> Job {
        Job {
            path: path.into(),
            bytes,
            append: false,
        }
    }

    pub fn is_html(&self) -> bool {
        self.path.ends_with(".html")
    }
}

#[derive(Serialize)]
struct EditionView<'a> {
    title: &'a str,
    subtitle: Option<&'a str>,
    language: &'a str,
    source: &'a SourceMeta,
    /// The rights notice split into lines (templates join them with `<br>`).
    rights_lines: Vec<&'a str>,
    /// OpenGraph `og:locale` (from the language pack).
    og_locale: &'a str,
    /// The source's lead, rendered from its Markdown.
    lead_html: Option<String>,
}

#[derive(Serialize)]
struct ChapterLink<'a> {
    order: u32,
    slug: &'a str,
    title: &'a str,
    summary: &'a str,
    /// Relative to the site root.
    url: String,
}

#[derive(Serialize)]
pub(crate) struct PageView<'a> {
    pub(crate) kind: &'static str,
    pub(crate) title: &'a str,
    pub(crate) description: Option<&'a str>,
    pub(crate) canonical: Option<String>,
    /// schema.org JSON-LD for the page (already escaped for a `<script>` element).
    pub(crate) jsonld: Option<String>,
}

#[derive(Serialize)]
struct ChapterView<'a> {
    order: u32,
    slug: &'a str,
    title: &'a str,
    summary: &'a str,
    html: &'a str,
    paragraphs: u32,
    source: Option<&'a Provenance>,
}

#[derive(Serialize)]
struct NavLink<'a> {
    title: &'a str,
    url: String,
}

/// URL of a chapter page relative to the site root.
pub fn chapter_url(slug: &str) -> String {
    crate::content::chapter_url(slug)
}

/// Renders every file of the site (or, with `only`, the files that depend
/// on some chapters); returns the jobs and notes for the build summary (e.g.
/// files skipped for lack of a base URL).
pub fn render_site(
    linked: &Linked<'_>,
    templates: &mut Templates,
    search: Option<search::SearchIndex>,
    stages: &mut Stages,
    only: Option<&Affected>,
    anchors: Option<&mut PageAnchors>,
    finish: Finish<'_>,
) -> Result<(Vec<Job>, Vec<String>), TemplateError> {
    let edition = linked.edition;
    let pages = edition.config.minify == crate::config::Minify::Pages;
    // Every page leaves rendering final: minified when `minify: pages`.
    let done = |job: &mut Job| {
        if pages {
            minify_page(job);
        }
        finish(job);
    };
    // The search index linking made is finished first: its postings are
    // the most it holds, and they are freed as its shards are written.
    let searched = search.is_some();
    let early = search.map(|index| search::index(linked, Some(index), &done));
    if searched {
        stages.lap("render: search index");
    }
    set_globals(edition, templates);
    let templates = &*templates;
    let notes = rendered_notes(linked, only);
    stages.lap("render: notes");
    let base = edition.config.base_url();
    let found = Found::default();
    let site = SiteRender {
        linked,
        notes: &notes,
        templates,
        base: base.as_deref(),
        finish: &done,
        raw: finish,
        pages,
        found: &found,
        searched,
        // With no anchors to keep, a whole render writes the export as it
        // renders the chapter pages.
        streamed: only.is_none() && anchors.is_none(),
    };
    let results: Vec<Done> = site
        .tasks(only)
        .par_iter()
        .map(|(name, task)| {
            let t = std::time::Instant::now();
            let result = task();
            (*name, t.elapsed(), result)
        })
        .collect();
    stages.lap("render + finish (concurrent tasks, below)");
    let mut jobs = early.unwrap_or_default();
    jobs.extend(collect_jobs(results, stages, edition.chapters.len())?);
    if let Some(anchors) = anchors {
        anchors.resize(edition.chapters.len(), None);
        for (i, a) in found.lock().expect("anchors").drain(..) {
            anchors[i] = Some(a);
        }
        if only.is_none_or(|o| o.lists) {
            jobs.extend(site.export(anchors, Some(ANNOTATIONS_PER_PAGE))?);
            stages.lap("annotations.jsonld");
        }
    }
    if only.is_some() {
        return Ok((jobs, Vec::new()));
    }
    let html: Vec<String> = jobs
        .iter()
        .filter(|j| j.is_html())
        .map(|j| j.path.clone())
        .collect();
    let (mut files, note) = meta::site_files(edition, &html, base.as_deref());
    files.iter_mut().for_each(finish);
    jobs.extend(files);
    stages.lap("render: sitemap, feed, robots");
    Ok((jobs, note.into_iter().collect()))
}

/// The generator named in every page's metadata.
pub const GENERATOR: &str = concat!("glossa ", env!("CARGO_PKG_VERSION"));

/// Edition-wide values, set once as template globals.
fn set_globals(edition: &Edition, templates: &mut Templates) {
    let config = &edition.config;
    templates.set_global(
        "edition",
        &EditionView {
            title: &config.title,
            subtitle: config.subtitle.as_deref(),
            language: &config.language,
            source: &config.source,
            rights_lines: config
                .source
                .rights
                .as_deref()
                .map_or_else(Vec::new, |r| r.lines().collect()),
            og_locale: &config.pack.og_locale,
            lead_html: config.source.lead.as_deref().map(markdown::note_html),
        },
    );
    templates.set_global("ui", &config.ui);
    let links: Vec<ChapterLink> = edition.chapters.iter().map(chapter_link).collect();
    templates.set_global("chapters", &links);
    templates.set_global("generator", GENERATOR);
}

fn chapter_link(c: &Chapter) -> ChapterLink<'_> {
    ChapterLink {
        order: c.meta.order,
        slug: &c.slug,
        title: c.title(),
        summary: summary(c),
        url: chapter_url(&c.slug),
    }
}

/// Notes of every chapter, rendered once and shared by every output (only
/// the affected chapters' notes when nothing else needs them).
fn rendered_notes<'a>(linked: &'a Linked<'a>, only: Option<&Affected>) -> Vec<Vec<NoteView<'a>>> {
    let edition = linked.edition;
    let all_notes = only.is_none_or(|o| o.lists || !o.entities.is_empty());
    linked
        .chapters
        .par_iter()
        .enumerate()
        .map(|(i, c)| {
            if all_notes || only.is_some_and(|o| o.chapters.contains(&i)) {
                note_views(c, edition, &edition.config.ui)
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// One independent output of the site, run concurrently with the others; it
/// hands every job to `finish` itself, as soon as the job exists.
type Task<'t> = Box<dyn Fn() -> Result<Vec<Job>, TemplateError> + Send + Sync + 't>;

/// A task's name, its wall time and its jobs.
type Done = (
    &'static str,
    std::time::Duration,
    Result<Vec<Job>, TemplateError>,
);

/// Per chapter, where its notes' passages are on its page (computed from the
/// rendered page; kept by `serve` so that the export can be written without
/// rendering every chapter again).
pub type PageAnchors = Vec<Option<Vec<Option<PageAnchor>>>>;

/// The anchors of the chapters rendered so far, by chapter index.
type Found = std::sync::Mutex<Vec<(usize, Vec<Option<PageAnchor>>)>>;

/// Minifies a page (`minify: pages`).
fn minify_page(job: &mut Job) {
    if job.is_html() {
        job.bytes = crate::minify::page(&job.bytes);
    }
}

/// What every task of one render shares: the edition, its rendered notes,
/// the templates, the base URL and the `finish` hook (the caller's, after
/// minifying pages when asked).
#[derive(Clone, Copy)]
pub(crate) struct SiteRender<'r, 'a> {
    linked: &'r Linked<'a>,
    notes: &'r [Vec<NoteView<'a>>],
    templates: &'r Templates,
    base: Option<&'r str>,
    finish: Finish<'r>,
    /// The caller's hook itself (the chapters task minifies first, to read
    /// the anchors off the final page).
    raw: Finish<'r>,
    /// `minify: pages`.
    pages: bool,
    /// The anchors of the chapters rendered.
    found: &'r Found,
    /// Whether the search index was written already (linking made it).
    searched: bool,
    /// Whether the chapter pages' sweep writes the export (a whole render
    /// that keeps no anchors), so that no chapter's anchors outlive its
    /// block.
    streamed: bool,
}

/// The parts of a [`SiteRender`], for a renderer to name them.
pub(crate) type SiteParts<'r, 'a> = (
    &'r Linked<'a>,
    &'r [Vec<NoteView<'a>>],
    &'r Templates,
    Option<&'r str>,
    Finish<'r>,
);

impl<'r, 'a> SiteRender<'r, 'a> {
    /// (linked, notes, templates, base, finish).
    pub(crate) fn parts(self) -> SiteParts<'r, 'a> {
        (
            self.linked,
            self.notes,
            self.templates,
            self.base,
            self.finish,
        )
    }

    /// The independent outputs: a large list page is one template render
    /// and would otherwise hold up a core on its own.
    fn tasks(self, only: Option<&'r Affected>) -> Vec<(&'static str, Task<'r>)> {
        let (linked, _, templates, base, finish) = self.parts();
        let edition = linked.edition;
        let config = &edition.config;
        let mut tasks: Vec<(&'static str, Task)> = Vec::new();
        if only.is_none() {
            tasks.push((
                "home, 404, search page",
                Box::new(move || {
                    let mut jobs = render_index(edition, templates, base)?;
                    jobs.push(render_404(edition, templates, base)?);
                    jobs.push(section_page::<()>(
                        templates,
                        base,
                        "search",
                        &config.ui.search,
                        None,
                    )?);
                    jobs.iter_mut().for_each(finish);
                    Ok(jobs)
                }),
            ));
        }
        let lists = only.is_none_or(|o| o.lists);
        if lists {
            tasks.extend(self.list_tasks());
        }
        if lists {
            tasks.push((
                "profile indexes",
                Box::new(move || entities::render_indexes(linked, templates, base, finish)),
            ));
        }
        let which: Vec<usize> = match only {
            Some(o) => o
                .chapters
                .iter()
                .copied()
                .filter(|&i| i < edition.chapters.len())
                .collect(),
            None => (0..edition.chapters.len()).collect(),
        };
        let profiles = only.map(|o| o.entities.as_slice());
        tasks.push((
            "chapters and profiles",
            Box::new(move || self.chapters_and_profiles(&which, profiles)),
        ));
        tasks
    }

    /// The pages of chapters `which` and of the profiles (all, or those in
    /// `profiles`), in one sweep over the chapters in reading order, a block
    /// at a time: each chapter is parsed once (a build kept no chapter's
    /// text) for its page and for its mentions' context on the profile
    /// pages, which are rendered as soon as their mentions are known.
    fn chapters_and_profiles(
        self,
        which: &[usize],
        profiles: Option<&[usize]>,
    ) -> Result<Vec<Job>, TemplateError> {
        let (linked, notes, templates, base, finish) = self.parts();
        let count = linked.chapters.len();
        let mut profiles =
            entities::Profiles::new(linked, notes, templates, base, profiles, finish);
        let mut page = vec![false; count];
        for &i in which {
            page[i] = true;
        }
        let visit: Vec<usize> = (0..count)
            .filter(|&i| page[i] || profiles.shows(i))
            .collect();
        let mut jobs = Vec::with_capacity(which.len());
        let ui = &linked.edition.config.ui;
        let bodies = |ci: usize, k: usize| export_body(&notes[ci][k], ui);
        let mut parts = ExportJobs::new(finish);
        let per_page = Some(ANNOTATIONS_PER_PAGE);
        // Streamed, every chapter is visited, in order: blocks are runs.
        let mut export = self
            .streamed
            .then(|| ExportParts::begin(linked, base, per_page, &mut parts.emit()));
        for block in visit.chunks(SWEEP_BLOCK) {
            let seen = block
                .par_iter()
                .map(|&i| {
                    linked.chapters[i]
                        .with_page_doc(|doc| {
                            let (job, anchors) = if page[i] {
                                let (mut job, anchors) = self.final_chapter(i, doc)?;
                                (self.raw)(&mut job);
                                if self.streamed {
                                    (Some(job), Some(anchors))
                                } else {
                                    self.found.lock().expect("anchors").push((i, anchors));
                                    (Some(job), None)
                                }
                            } else {
                                (None, None)
                            };
                            Ok((job, anchors, profiles.mentions(i, doc)))
                        })
                        .map_err(TemplateError::Source)?
                })
                .collect::<Result<Vec<_>, TemplateError>>()?;
            let mut anchors = Vec::with_capacity(seen.len());
            for (job, found, mentions) in seen {
                jobs.extend(job);
                anchors.push(found);
                profiles.add(mentions);
            }
            if let Some(export) = &mut export {
                let lcs = &linked.chapters[block[0]..block[0] + block.len()];
                export.chapters(block[0], lcs, &anchors, &bodies, &mut parts.emit());
            }
            drop(anchors);
            jobs.extend(profiles.render_full()?);
        }
        jobs.extend(profiles.render_rest()?);
        if let Some(export) = export {
            export.end(&mut parts.emit());
            jobs.extend(parts.whole());
        }
        Ok(jobs)
    }

    /// Chapter `i`'s page as it will be written (minified when asked), from
    /// `doc`, its parsed text, and where its notes' passages are on it.
    fn final_chapter(
        self,
        i: usize,
        doc: &Doc<'_>,
    ) -> Result<(Job, Vec<Option<PageAnchor>>), TemplateError> {
        let (linked, notes, templates, base, _) = self.parts();
        let ui = &linked.edition.config.ui;
        let mut job = render_chapter(linked, i, doc, &notes[i], templates, base, ui)?;
        if self.pages {
            minify_page(&mut job);
        }
        let anchors = if notes[i].is_empty() {
            Vec::new()
        } else {
            page_anchors(doc, &notes[i], &job)
        };
        Ok((job, anchors))
    }

    /// The Web Annotation export, written part by part (it grows with the
    /// edition and must not sit in memory whole), `per_page` annotations per
    /// file (`None`: one file). Chapters whose anchors are not known yet are
    /// rendered (not written) to find them.
    fn export(
        self,
        anchors: &mut PageAnchors,
        per_page: Option<usize>,
    ) -> Result<Vec<Job>, TemplateError> {
        let (linked, notes, _, base, finish) = self.parts();
        let missing: Vec<usize> = (0..anchors.len())
            .filter(|&i| anchors[i].is_none())
            .collect();
        let filled: Vec<(usize, Vec<Option<PageAnchor>>)> = missing
            .into_par_iter()
            .map(|i| {
                let (_, anchors) = linked.chapters[i]
                    .with_page_doc(|doc| self.final_chapter(i, doc))
                    .map_err(TemplateError::Source)??;
                Ok((i, anchors))
            })
            .collect::<Result<_, TemplateError>>()?;
        for (i, a) in filled {
            anchors[i] = Some(a);
        }
        let bodies = |ci: usize, k: usize| export_body(&notes[ci][k], &linked.edition.config.ui);
        let mut parts = ExportJobs::new(finish);
        crate::webanno::export::export_parts(
            linked,
            &bodies,
            anchors,
            base,
            per_page,
            &mut parts.emit(),
        );
        Ok(parts.whole())
    }

    /// The edition-wide lists: annotations page and export, glossary,
    /// timeline, search index.
    fn list_tasks(self) -> Vec<(&'static str, Task<'r>)> {
        let (linked, notes, templates, base, finish) = self.parts();
        let mut tasks: Vec<(&'static str, Task<'r>)> = vec![
            (
                "annotations page",
                Box::new(move || render_annotations(linked, notes, templates, base, finish)),
            ),
            ("glossary", Box::new(move || glossary::render(self))),
            ("timeline", Box::new(move || timeline::render(self))),
        ];
        if !self.searched {
            tasks.push((
                "search index",
                Box::new(move || Ok(search::index(linked, None, finish))),
            ));
        }
        tasks
    }
}

/// The export's parts as they are emitted: each a job handed to `finish`
/// (one that continues the file of the part before it appends to it).
struct ExportJobs<'f> {
    finish: Finish<'f>,
    jobs: Vec<Job>,
}

impl<'f> ExportJobs<'f> {
    fn new(finish: Finish<'f>) -> Self {
        ExportJobs {
            finish,
            jobs: Vec::new(),
        }
    }

    /// What the export hands each part to: page `k`, the part's bytes.
    fn emit(&mut self) -> impl FnMut(usize, Vec<u8>) + '_ {
        |k, bytes| {
            let path = page_file(k);
            let append = self.jobs.last().is_some_and(|j| j.path == path);
            let mut job = Job {
                path,
                bytes,
                append,
            };
            (self.finish)(&mut job);
            self.jobs.push(job);
        }
    }

    /// The export's files, each part joined to the file it continues
    /// (empty if `finish` wrote them out and freed them).
    fn whole(self) -> Vec<Job> {
        let mut whole: Vec<Job> = Vec::new();
        for job in self.jobs {
            match whole.last_mut() {
                Some(w) if job.append => w.bytes.extend_from_slice(&job.bytes),
                _ => whole.push(Job {
                    append: false,
                    ..job
                }),
            }
        }
        whole
    }
}

/// The tasks' jobs in one list, each task's time recorded; parts of one file
/// (consecutive in their task) become one job again (empty if `finish` wrote
/// them out and freed them).
fn collect_jobs(
    results: Vec<Done>,
    stages: &mut Stages,
    chapters: usize,
) -> Result<Vec<Job>, TemplateError> {
    let mut jobs: Vec<Job> = Vec::with_capacity(chapters + 200);
    for (name, took, result) in results {
        stages.laps.push((name, took));
        for job in result? {
            match jobs.last_mut() {
                Some(whole) if job.append && whole.path == job.path => {
                    whole.bytes.extend_from_slice(&job.bytes)
                }
                _ => jobs.push(Job {
                    append: false,
                    ..job
                }),
            }
        }
    }
    Ok(jobs)
}

fn summary(c: &Chapter) -> &str {
    c.meta.summary.as_deref().unwrap_or("")
}

pub(crate) fn canonical(base: Option<&str>, path: &str) -> Option<String> {
    base.map(|b| format!("{b}{path}"))
}

/// The home page: the edition's header, lead and table of contents, the
/// contents split every [`ENTRIES_PER_PAGE`] chapters into `contents/2/` …
/// (the template gets the page's chapters as `toc`, the number of its first
/// as `toc_start`, and `pages`; `chapters`, a global, still holds them all).
fn render_index(
    edition: &Edition,
    t: &Templates,
    base: Option<&str>,
) -> Result<Vec<Job>, TemplateError> {
    let config = &edition.config;
    // The lead as plain text, for the page's description.
    let lead = config
        .source
        .lead
        .as_deref()
        .map(|l| crate::text::visible_blocks(l).join(" "));
    let links: Vec<ChapterLink> = edition.chapters.iter().map(chapter_link).collect();
    let chunks: Vec<&[ChapterLink]> = if links.is_empty() {
        vec![&[]]
    } else {
        links.chunks(ENTRIES_PER_PAGE).collect()
    };
    let url = |k: usize| {
        if k == 1 {
            String::new()
        } else {
            format!("contents/{k}/")
        }
    };
    chunks
        .iter()
        .enumerate()
        .map(|(i, toc)| {
            let k = i + 1;
            let pages = links_between(chunks.len(), k, url);
            let here = url(k);
            let mut ctx = PageContext::new();
            ctx.insert("root", if k == 1 { "./" } else { "../../" })
                .insert(
                    "page",
                    &PageView {
                        kind: "index",
                        title: &config.title,
                        description: config.subtitle.as_deref().or(lead.as_deref()),
                        canonical: canonical(base, &here),
                        jsonld: (k == 1).then(|| meta::website(edition, base)),
                    },
                )
                .insert("toc", toc)
                .insert("toc_start", &(i * ENTRIES_PER_PAGE + 1))
                .insert("pages", &pages);
            Ok(Job::new(
                format!("{here}index.html"),
                t.render("index.html", &ctx)?,
            ))
        })
        .collect()
}

fn render_404(edition: &Edition, t: &Templates, base: Option<&str>) -> Result<Job, TemplateError> {
    let ui: &Ui = &edition.config.ui;
    let mut ctx = PageContext::new();
    // Hosts serve 404.html at any depth, so relative links would break; use the
    // base URL when known, else the host root.
    ctx.insert("root", base.unwrap_or("/")).insert(
        "page",
        &PageView {
            kind: "404",
            title: &ui.not_found_title,
            description: None,
            canonical: None,
            jsonld: None,
        },
    );
    Ok(Job::new("404.html", t.render("404.html", &ctx)?))
}

fn render_chapter(
    linked: &Linked<'_>,
    i: usize,
    doc: &Doc<'_>,
    notes: &[NoteView<'_>],
    t: &Templates,
    base: Option<&str>,
    ui: &Ui,
) -> Result<Job, TemplateError> {
    let edition = linked.edition;
    let lc = &linked.chapters[i];
    let c = lc.chapter;
    let links = mention_links(linked, i);
    let html = markdown::chapter_html(doc, notes, &links, ui);
    let nav = |j: Option<usize>| {
        j.and_then(|j| edition.chapters.get(j)).map(|o| NavLink {
            title: o.title(),
            url: format!("../{}/", o.slug),
        })
    };
    let url = chapter_url(&c.slug);
    let mut ctx = PageContext::new();
    ctx.insert("root", "../../")
        .insert(
            "page",
            &PageView {
                kind: "chapter",
                title: c.title(),
                description: c.meta.summary.as_deref(),
                canonical: canonical(base, &url),
                jsonld: Some(meta::chapter(edition, c, base)),
            },
        )
        .insert(
            "chapter",
            &ChapterView {
                order: c.meta.order,
                slug: &c.slug,
                title: c.title(),
                summary: summary(c),
                html: &html,
                paragraphs: lc.doc.paragraphs,
                source: c.meta.source.as_ref(),
            },
        )
        .insert("notes", notes)
        .insert(
            "has_code",
            &(html.contains("<pre class=\"code\"")
                || notes.iter().any(|n| n.html.contains("<pre class=\"code\""))),
        )
        .insert("prev", &nav(i.checked_sub(1)))
        .insert("next", &nav(Some(i + 1)))
        .insert("toc_url", "../../#toc");
    Ok(Job::new(
        format!("{url}index.html"),
        t.render("chapter.html", &ctx)?,
    ))
}

/// The chapter's notes in reading order, as every output shows them.
/// The mention links of chapter `i` (those the link policy turns into links).
fn mention_links(linked: &Linked<'_>, i: usize) -> Vec<markdown::MentionLink> {
    let edition = linked.edition;
    linked
        .mentions_in(i)
        .iter()
        .filter(|m| m.link)
        .filter_map(|m| match &m.place {
            Place::Text { .. } => {
                let e = &edition.entities[m.entity as usize];
                Some(markdown::MentionLink {
                    range: m.place.range(),
                    href: format!("{}{}", markdown::CHAPTER_ROOT, e.url()),
                    name: e.name.clone(),
                    description: e.description.clone(),
                })
            }
            Place::Note { .. } => None,
        })
        .collect()
}

/// The Web Annotation export alone (`annotations.jsonld` as `build` writes
/// it), for `glossa annotations export`: every chapter page is rendered in
/// memory to read the anchors off it, and dropped.
pub fn annotations_jsonld(
    linked: &Linked<'_>,
    templates: &mut Templates,
) -> Result<Vec<u8>, TemplateError> {
    set_globals(linked.edition, templates);
    let notes = rendered_notes(linked, None);
    let base = linked.edition.config.base_url();
    let nothing = |_: &mut Job| {};
    let found = Default::default();
    let site = SiteRender {
        linked,
        notes: &notes,
        templates,
        base: base.as_deref(),
        finish: &nothing,
        raw: &nothing,
        pages: linked.edition.config.minify == crate::config::Minify::Pages,
        found: &found,
        searched: false,
        streamed: false,
    };
    let mut anchors: PageAnchors = vec![None; linked.chapters.len()];
    let jobs = site.export(&mut anchors, None)?;
    Ok(jobs.into_iter().flat_map(|j| j.bytes).collect())
}

/// The anchors of a chapter's notes on its final page (`doc`: the
/// chapter's parsed text).
fn page_anchors(doc: &Doc<'_>, notes: &[NoteView<'_>], job: &Job) -> Vec<Option<PageAnchor>> {
    // Pages are UTF-8 (Tera writes strings): checked with SIMD, which costs
    // a fraction of `from_utf8_lossy`'s byte-by-byte walk over every page.
    let html = match simdutf8::basic::from_utf8(&job.bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(&job.bytes),
    };
    anchors::page_anchors(&html, doc, notes)
}

/// A note as the Web Annotation export carries it: its HTML, then its sources.
fn export_body(n: &NoteView<'_>, ui: &Ui) -> String {
    let mut body = n.html.to_string();
    if !n.sources().is_empty() {
        body.push_str("<ul>");
        for src in n.sources() {
            body.push_str("<li>");
            body.push_str(&markdown::source_html(src, ui));
            body.push_str("</li>");
        }
        body.push_str("</ul>");
    }
    body
}

/// Benchmark hook: runs the Markdown passes (paragraph numbers, marks, mention
/// links, notes, highlighting) over every chapter without templates; returns
/// the bytes of HTML produced.
#[doc(hidden)]
pub fn bench_markdown_passes(linked: &Linked<'_>) -> usize {
    let ui = &linked.edition.config.ui;
    (0..linked.chapters.len())
        .into_par_iter()
        .map(|i| {
            let lc = &linked.chapters[i];
            let notes = note_views(lc, linked.edition, ui);
            lc.with_page_doc(|doc| {
                markdown::chapter_html(doc, &notes, &mention_links(linked, i), ui).len()
            })
            .expect("the benchmark's chapters are held")
        })
        .sum()
}

fn note_views<'a>(
    lc: &'a LinkedChapter<'a>,
    edition: &'a Edition,
    ui: &'a Ui,
) -> Vec<NoteView<'a>> {
    lc.notes
        .iter()
        .map(|n| {
            let a = n.annotation;
            NoteView {
                note: n,
                kind_label: ui.kind_label(a.kind.as_str()),
                html: markdown::note_html(&a.note).into_boxed_str(),
                refs: a
                    .refs
                    .iter()
                    .filter_map(|r| edition.entity(r))
                    .map(markdown::RefView)
                    .collect(),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct KindView<'a> {
    kind: &'static str,
    label: &'a str,
    count: usize,
}

#[derive(Serialize)]
struct ChapterNotes<'a, 'n> {
    order: u32,
    title: &'a str,
    /// Relative to the site root.
    url: String,
    /// The number in the chapter's list of the first of `notes` (1, or more
    /// where a chapter with more notes than a page holds continues).
    start: usize,
    notes: &'n [NoteView<'a>],
}

/// A page whose content is all in its template (e.g. the search page), at `NAME/`.
/// A top-level page `NAME/index.html` from template `NAME.html`, with its
/// items (if any) under `key`.
pub(crate) fn section_page<T: Serialize + ?Sized>(
    t: &Templates,
    base: Option<&str>,
    name: &'static str,
    title: &str,
    items: Option<(&'static str, &T)>,
) -> Result<Job, TemplateError> {
    let mut ctx = PageContext::new();
    let url = format!("{name}/");
    ctx.insert("root", "../").insert(
        "page",
        &PageView {
            kind: name,
            title,
            description: None,
            canonical: canonical(base, &url),
            jsonld: None,
        },
    );
    if let Some((key, value)) = items {
        ctx.insert(key, value);
    }
    Ok(Job::new(
        format!("{url}index.html"),
        t.render(&format!("{name}.html"), &ctx)?,
    ))
}

/// Chapters parsed at a time by the sweep that renders the chapter and
/// profile pages: what a block holds is its chapters' parsed texts and the
/// context of their mentions until the block's profile pages are rendered.
const SWEEP_BLOCK: usize = 256;

/// Mentions per page of a profile (the profile repeats on `ID/2/` …).
pub const MENTIONS_PER_PAGE: usize = 200;

/// Entries per page of the glossary and the timeline.
pub const ENTRIES_PER_PAGE: usize = 500;

/// A list page `NAME/` from template `NAME.html`, split into `NAME/2/` … when
/// it has more than [`ENTRIES_PER_PAGE`] items (pages render in parallel).
/// The template gets the page's items under `key`, `total`, and `pages`.
pub(crate) fn paged_section<T: Serialize + Sync>(
    t: &Templates,
    base: Option<&str>,
    name: &'static str,
    title: &str,
    key: &'static str,
    items: &[T],
    finish: Finish<'_>,
) -> Result<Vec<Job>, TemplateError> {
    let page = |range: std::ops::Range<usize>| &items[range];
    paged_section_with(t, base, name, title, key, items.len(), &page, finish)
}

/// [`paged_section`] of `total` items, each page's items made by `page`
/// (from their range) when the page is rendered.
#[allow(clippy::too_many_arguments)]
pub(crate) fn paged_section_with<S: Serialize>(
    t: &Templates,
    base: Option<&str>,
    name: &'static str,
    title: &str,
    key: &'static str,
    total: usize,
    page: &(dyn Fn(std::ops::Range<usize>) -> S + Sync),
    finish: Finish<'_>,
) -> Result<Vec<Job>, TemplateError> {
    let count = total.div_ceil(ENTRIES_PER_PAGE).max(1);
    let first = format!("{name}/");
    (0..count)
        .into_par_iter()
        .map(|i| {
            let k = i + 1;
            let here = page_url(&first, k);
            let links = page_links(&first, count, k);
            let items = page(i * ENTRIES_PER_PAGE..total.min(k * ENTRIES_PER_PAGE));
            let mut ctx = PageContext::new();
            ctx.insert("root", &page_root(1, k))
                .insert(
                    "page",
                    &PageView {
                        kind: name,
                        title,
                        description: None,
                        canonical: canonical(base, &here),
                        jsonld: None,
                    },
                )
                .insert("total", &total)
                .insert("pages", &links)
                .insert(key, &items);
            let mut job = Job::new(
                format!("{here}index.html"),
                t.render(&format!("{name}.html"), &ctx)?,
            );
            finish(&mut job);
            Ok(job)
        })
        .collect()
}

/// Notes per page of the annotations list (whole chapters per page, except
/// that a chapter with more notes continues on the next pages).
pub const NOTES_PER_PAGE: usize = 500;

#[derive(Serialize)]
pub(crate) struct PageLink {
    number: usize,
    /// Relative to the site root.
    url: String,
    current: bool,
}

/// URL of page `k` (1-based) of a list whose first page is at `first`
/// (`annotations/` → `annotations/2/` …).
pub(crate) fn page_url(first: &str, k: usize) -> String {
    if k == 1 {
        first.to_string()
    } else {
        format!("{first}{k}/")
    }
}

/// The links between the `count` pages of a list, page `current` marked.
pub(crate) fn page_links(first: &str, count: usize, current: usize) -> Vec<PageLink> {
    links_between(count, current, |n| page_url(first, n))
}

/// The links between the `count` pages of a list whose page `n` is at
/// `url(n)`, page `current` marked.
fn links_between(count: usize, current: usize, url: impl Fn(usize) -> String) -> Vec<PageLink> {
    (1..=count)
        .map(|n| PageLink {
            number: n,
            url: url(n),
            current: n == current,
        })
        .collect()
}

/// Root of the site as seen from page `k` of a list whose first page is
/// `depth` folders deep.
pub(crate) fn page_root(depth: usize, k: usize) -> String {
    "../".repeat(if k == 1 { depth } else { depth + 1 })
}

/// The annotations list: `annotations/`, and `annotations/N/` when the notes
/// of whole chapters exceed [`NOTES_PER_PAGE`] (pages render in parallel; a
/// chapter with more notes than that is split across pages).
fn render_annotations(
    linked: &Linked<'_>,
    notes: &[Vec<NoteView<'_>>],
    t: &Templates,
    base: Option<&str>,
    finish: Finish<'_>,
) -> Result<Vec<Job>, TemplateError> {
    let ui = &linked.edition.config.ui;
    let kinds: Vec<KindView> = AnnotationKind::ALL
        .iter()
        .map(|k| KindView {
            kind: k.as_str(),
            label: ui.kind_label(k.as_str()),
            count: notes
                .iter()
                .flatten()
                .filter(|n| n.kind() == k.as_str())
                .count(),
        })
        .filter(|k| k.count > 0)
        .collect();
    // Each chapter's notes, in pieces of at most NOTES_PER_PAGE.
    let chapters: Vec<ChapterNotes> = linked
        .chapters
        .iter()
        .zip(notes)
        .flat_map(|(lc, ns)| {
            ns.chunks(NOTES_PER_PAGE)
                .enumerate()
                .map(move |(j, piece)| ChapterNotes {
                    order: lc.chapter.meta.order,
                    title: lc.chapter.title(),
                    url: chapter_url(&lc.chapter.slug),
                    start: j * NOTES_PER_PAGE + 1,
                    notes: piece,
                })
        })
        .collect();
    // Whole pieces per page, up to NOTES_PER_PAGE notes.
    let mut pages: Vec<std::ops::Range<usize>> = Vec::new();
    let (mut start, mut count) = (0, 0);
    for (i, c) in chapters.iter().enumerate() {
        if count > 0 && count + c.notes.len() > NOTES_PER_PAGE {
            pages.push(start..i);
            (start, count) = (i, 0);
        }
        count += c.notes.len();
    }
    pages.push(start..chapters.len());

    let total = notes.iter().map(Vec::len).sum::<usize>();
    let has_code = notes
        .iter()
        .flatten()
        .any(|n| n.html.contains("<pre class=\"code\""));
    pages
        .par_iter()
        .enumerate()
        .map(|(i, range)| {
            let k = i + 1;
            let links = page_links("annotations/", pages.len(), k);
            let here = page_url("annotations/", k);
            let mut ctx = PageContext::new();
            ctx.insert("root", &page_root(1, k))
                .insert(
                    "page",
                    &PageView {
                        kind: "annotations",
                        title: &ui.annotations,
                        description: None,
                        canonical: canonical(base, &here),
                        jsonld: None,
                    },
                )
                .insert("kinds", &kinds)
                .insert("has_code", &has_code)
                .insert("total", &total)
                .insert("pages", &links)
                .insert("annotated_chapters", &chapters[range.clone()]);
            let mut job = Job::new(
                format!("{here}index.html"),
                t.render("annotations.html", &ctx)?,
            );
            finish(&mut job);
            Ok(job)
        })
        .collect()
}
