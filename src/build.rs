//! The pipeline: load → annotate → render → output, with a report.
//!
//! Input: a project's [`Paths`] and options. Output: a [`Report`] (pages,
//! files, warnings, stage timings), or a [`BuildError`] that carries every
//! content diagnostic. Content errors stop the build *before* output, so a
//! previous site is never touched by a failed build.
//!
//! Must not parse arguments or print; `cli` does that.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::annotate;
use crate::config::Minify;
use crate::content::FrontMatter as _;
use crate::content::{self, Edition, Paths};
use crate::diag::{Code, Diagnostic, FileId, Sources};
use crate::output::{self, OutputError};
use crate::render::search::SearchIndex;
use crate::render::{self, Job, TemplateError, Templates};
use crate::theme::Theme;

/// What `glossa build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub paths: Paths,
    pub out: PathBuf,
    /// Overrides `base_url` from `edition.yaml`.
    pub base_url: Option<String>,
    /// Replace a non-empty output folder that glossa did not write.
    pub force: bool,
    /// Overrides `minify` from `edition.yaml`.
    pub minify: Option<Minify>,
    /// Keep only the first this many warnings of each code (in file order),
    /// the last one kept counting the others (`Diagnostic::omitted`): what
    /// the command line shows of them. `None` keeps every warning.
    pub warnings_per_code: Option<usize>,
}

/// Settings given on the command line that win over `edition.yaml`.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub base_url: Option<String>,
    pub minify: Option<Minify>,
}

impl Overrides {
    /// Only a base URL.
    pub fn base_url(url: Option<&str>) -> Self {
        Overrides {
            base_url: url.map(str::to_string),
            minify: None,
        }
    }
}

/// Wall time per stage.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Remarks for the build summary (e.g. files skipped for lack of a base URL).
    pub notes: Vec<String>,
    pub load: Duration,
    pub render: Duration,
    pub output: Duration,
    /// Finer laps (load, link, each render step, minify, static, write).
    pub stages: render::Stages,
    /// By-product for `serve` (filled by [`render_edition`] only): per
    /// chapter, the profiles that depend on it
    /// ([`annotate::Linked::dependents`]), for the next incremental rebuild.
    pub dependents: Vec<Vec<usize>>,
    /// By-product for `serve`: where each note's passage is on its page (the
    /// export of an incremental rebuild renders only the edited chapters).
    pub anchors: render::PageAnchors,
}

/// The result of a successful build.
#[derive(Debug)]
pub struct Report {
    /// HTML pages written.
    pub pages: usize,
    /// All files written (pages and static files).
    pub files: usize,
    /// Sorted; bounded per code when `BuildOptions::warnings_per_code` asks
    /// (the last kept of a code counts the others: `Diagnostic::omitted`).
    pub warnings: Vec<Diagnostic>,
    pub timings: Timings,
    pub elapsed: Duration,
}

/// Why a build failed.
#[derive(Debug)]
pub enum BuildError {
    /// Problems in user content (all of them; warnings included).
    Content(Vec<Diagnostic>),
    Template(TemplateError),
    Theme(crate::theme::ThemeError),
    Output(OutputError),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Content(diags) => f.write_str(&crate::diag::summary(diags)),
            Self::Template(t) => t.fmt(f),
            Self::Theme(t) => t.fmt(f),
            Self::Output(o) => o.fmt(f),
        }
    }
}

impl std::error::Error for BuildError {}

impl BuildError {
    /// The content diagnostics, if that is what failed.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Self::Content(d) => d,
            _ => &[],
        }
    }
}

impl From<TemplateError> for BuildError {
    fn from(e: TemplateError) -> Self {
        Self::Template(e)
    }
}

impl From<crate::theme::ThemeError> for BuildError {
    fn from(e: crate::theme::ThemeError) -> Self {
        Self::Theme(e)
    }
}

impl From<OutputError> for BuildError {
    fn from(e: OutputError) -> Self {
        Self::Output(e)
    }
}

/// Loads the edition (applying `base_url`), links it, and hands the linked
/// edition and its warnings to `then`. Content errors — in the files, or in
/// how they relate — come back as [`BuildError::Content`] with every
/// diagnostic, sorted. The one entry for `check`, `build`, exports and
/// imports that need the whole edition.
pub fn load_and_link<R>(
    paths: &Paths,
    overrides: &Overrides,
    sources: &mut Sources,
    timings: &mut Timings,
    then: impl FnOnce(
        &annotate::Linked<'_>,
        Vec<Diagnostic>,
        &mut Sources,
        &mut Timings,
    ) -> Result<R, BuildError>,
) -> Result<R, BuildError> {
    load_link_then(
        paths,
        overrides,
        sources,
        timings,
        None,
        None,
        |l, d, s, t, _| then(l, d, s, t),
    )
}

/// [`load_and_link`]; with `release`, each chapter's text is released as
/// soon as its block of chapters is linked (`annotate::link_releasing`):
/// pages read their chapter's file again, and the files the errors point
/// into are read back to show them. Each block is indexed for search
/// before its texts go: its docs chunks are handed to `release` (the
/// build's `finish`) there and then, and `then` gets the chapters' index.
/// With `keep`, warnings are bounded per code as they are found
/// (`diag::bound`).
#[allow(clippy::too_many_arguments)]
fn load_link_then<R>(
    paths: &Paths,
    overrides: &Overrides,
    sources: &mut Sources,
    timings: &mut Timings,
    release: Option<render::Finish<'_>>,
    keep: Option<usize>,
    then: impl FnOnce(
        &annotate::Linked<'_>,
        Vec<Diagnostic>,
        &mut Sources,
        &mut Timings,
        Option<SearchIndex>,
    ) -> Result<R, BuildError>,
) -> Result<R, BuildError> {
    let (mut edition, mut diags) =
        load_checked_with(paths, overrides, sources, timings, release.is_some())?;
    timings.stages.lap("(between stages)");
    let settle = |diags: &mut Vec<Diagnostic>, more: Vec<Diagnostic>, timings: &mut Timings| {
        timings.stages.lap(LINK_LAP);
        diags.extend(more);
        match keep {
            Some(k) => crate::diag::bound(diags, k),
            None => crate::diag::sort(diags),
        }
        diags.iter().any(Diagnostic::is_error)
    };
    let Some(finish) = release else {
        let (linked, more) = annotate::link_with(&edition, sources, None, keep);
        if settle(&mut diags, more, timings) {
            return Err(BuildError::Content(diags));
        }
        return then(&linked, diags, sources, timings, None);
    };
    let mut index = SearchIndex::new(edition.chapters.len() + edition.entities.len());
    let label = edition.config.ui.note.clone();
    let mut searching = Duration::ZERO;
    let (detached, more) = annotate::link_releasing(&mut edition, sources, keep, &mut |block| {
        let start = Instant::now();
        index.add_chapters(block, &label, finish);
        searching += start.elapsed();
    });
    let failed = settle(&mut diags, more, timings);
    timings.stages.laps.push((SEARCH_WHILE_LINKING, searching));
    if failed {
        // The errors point into released files: read them back to show.
        restore_for(&mut diags, sources);
        return Err(BuildError::Content(diags));
    }
    then(
        &detached.attach(&edition),
        diags,
        sources,
        timings,
        Some(index),
    )
}

/// The lap that linking takes (in `--timings`).
const LINK_LAP: &str = "link: parse, anchor, mentions, checks";

/// The part of a build's [`LINK_LAP`] spent indexing each block of
/// chapters for search (in `--timings`, below it).
const SEARCH_WHILE_LINKING: &str = "of which: search index of the chapters, block by block";

/// Links a loaded edition (for `serve`, with its per-chapter cache).
fn link<'e>(
    edition: &'e Edition,
    sources: &Sources,
    cache: Option<&mut annotate::LinkCache>,
    timings: &mut Timings,
) -> (annotate::Linked<'e>, Vec<Diagnostic>) {
    timings.stages.lap("(between stages)");
    let linked = annotate::link_with(edition, sources, cache, None);
    timings.stages.lap(LINK_LAP);
    linked
}

/// Reads back the released files that `diags` point into, so that they
/// show with their snippets; a file that changed since it was built stays
/// empty, and its diagnostics say so.
fn restore_for(diags: &mut [Diagnostic], sources: &mut Sources) {
    let files = |d: &Diagnostic| {
        let primary = d.primary.as_ref().map(|(f, _)| *f);
        primary
            .into_iter()
            .chain(d.secondary.iter().map(|l| l.file))
            .collect::<Vec<_>>()
    };
    let changed = crate::content::load::restore(sources, diags.iter().flat_map(files));
    if changed.is_empty() {
        return;
    }
    for d in diags.iter_mut() {
        if files(d).iter().any(|f| changed.contains(f)) {
            d.notes.push(
                "the file changed while the site was being built: its text is not shown".into(),
            );
        }
    }
}

/// What `glossa check` found in a clean edition.
#[derive(Debug)]
pub struct CheckReport {
    pub warnings: Vec<Diagnostic>,
    pub chapters: usize,
    pub annotations: usize,
    /// Per chapter: paragraphs, notes, paragraphs with a note, entities mentioned.
    pub coverage: Vec<annotate::Coverage>,
    /// A template that does not compile or render (the check fails).
    pub template_error: Option<TemplateError>,
}

/// `glossa check`: loads and links the edition once, then renders every page
/// in memory and drops it at once (so a template error that only some page's
/// data triggers is found, as `build` would find it), writing nothing.
pub fn check(paths: &Paths, sources: &mut Sources) -> Result<CheckReport, BuildError> {
    load_and_link(
        paths,
        &Overrides::default(),
        sources,
        &mut Timings::default(),
        |linked, warnings, _, timings| {
            let minify = minify_templates(linked.edition);
            let theme = Theme::load(paths)?;
            let rendered = Templates::load(&theme, minify).and_then(|mut templates| {
                render::render_site(
                    linked,
                    &mut templates,
                    None,
                    &mut timings.stages,
                    None,
                    None,
                    &|job: &mut Job| job.bytes = Vec::new(),
                )
            });
            Ok(CheckReport {
                warnings,
                chapters: linked.chapters.len(),
                annotations: linked.note_count(),
                coverage: linked.coverage(),
                template_error: rendered.err(),
            })
        },
    )
}

/// Loads, checks and renders the site into memory (minified, static files
/// included), for `annotations export` and tests.
pub fn render_to_memory(
    paths: &Paths,
    base_url: Option<&str>,
    sources: &mut Sources,
    timings: &mut Timings,
) -> Result<(Vec<Job>, Vec<Diagnostic>), BuildError> {
    load_and_link(
        paths,
        &Overrides::base_url(base_url),
        sources,
        timings,
        |linked, warnings, _, timings| {
            let mut jobs = render_linked(linked, None, true, paths, timings, &|_| {})?;
            jobs.extend(output::collect_static(&Theme::load(paths)?));
            timings.stages.lap("static files");
            Ok((jobs, warnings))
        },
    )
}

/// Loads the edition and applies the base URL; fails on any error in the files
/// themselves (relations between files are checked when linking).
pub fn load_checked(
    paths: &Paths,
    overrides: &Overrides,
    sources: &mut Sources,
    timings: &mut Timings,
) -> Result<(Edition, Vec<Diagnostic>), BuildError> {
    load_checked_with(paths, overrides, sources, timings, false)
}

/// [`load_checked`]; with `release` (for a build), each chapter's body is
/// released as soon as it is loaded (`content::load_with`).
fn load_checked_with(
    paths: &Paths,
    overrides: &Overrides,
    sources: &mut Sources,
    timings: &mut Timings,
    release: bool,
) -> Result<(Edition, Vec<Diagnostic>), BuildError> {
    let t = Instant::now();
    timings.stages = render::Stages::default();
    let (edition, mut diags) = content::load_with(paths, sources, release);
    timings.stages.lap("load");
    if diags.iter().any(Diagnostic::is_error) {
        // Link what did load, so that one run reports every problem.
        if let Some(e) = &edition {
            diags.extend(annotate::link(e, sources).1);
        }
        crate::diag::sort(&mut diags);
        // Some may point into released files: read them back to show.
        restore_for(&mut diags, sources);
        return Err(BuildError::Content(diags));
    }
    let Some(mut edition) = edition else {
        return Err(BuildError::Content(diags));
    };
    if let Some(url) = &overrides.base_url {
        edition.config.base_url = Some(url.clone());
    }
    if let Some(mode) = overrides.minify {
        edition.config.minify = mode;
    }
    timings.load = t.elapsed();
    Ok((edition, diags))
}

/// Links and renders a loaded edition kept by `serve` (templates are read
/// afresh; content files are not read again). Returns the jobs (minified,
/// static files included) and the linking warnings.
pub fn render_edition(
    edition: &Edition,
    paths: &Paths,
    sources: &Sources,
    timings: &mut Timings,
    cache: Option<&mut annotate::LinkCache>,
) -> Result<(Vec<Job>, Vec<Diagnostic>), BuildError> {
    let (linked, diags) = link(edition, sources, cache, timings);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(BuildError::Content(diags));
    }
    // For the next incremental rebuild (a build never needs them).
    timings.dependents = linked.dependents();
    let mut jobs = render_linked(&linked, None, true, paths, timings, &|_| {})?;
    jobs.extend(output::collect_static(&Theme::load(paths)?));
    timings.stages.lap("static files");
    Ok((jobs, diags))
}

/// Renders every page of a linked edition, handing each job to `finish` as
/// soon as it is rendered (minify, and for `build` write it out and free its
/// bytes); `search` is the chapters' search index, if linking made it. With
/// `keep_anchors` (`serve`), where each note is on its page is kept in
/// `timings.anchors`; without (`build`), the export is written as the
/// chapter pages are rendered and no anchor is kept.
fn render_linked(
    linked: &annotate::Linked<'_>,
    search: Option<SearchIndex>,
    keep_anchors: bool,
    paths: &Paths,
    timings: &mut Timings,
    finish: &(dyn Fn(&mut Job) + Sync),
) -> Result<Vec<Job>, BuildError> {
    let t = Instant::now();
    let mut templates = Templates::load(&Theme::load(paths)?, minify_templates(linked.edition))?;
    timings.stages.lap("templates: compile");
    let mut anchors = Vec::new();
    let (jobs, notes) = render::render_site(
        linked,
        &mut templates,
        search,
        &mut timings.stages,
        None,
        keep_anchors.then_some(&mut anchors),
        finish,
    )?;
    timings.anchors = anchors;
    timings.notes = notes;
    if !templates.kept_as_written().is_empty() {
        timings.notes.push(format!(
            "templates not minified (a template tag inside an HTML tag, or a statement in an attribute value): {}",
            templates.kept_as_written().join(", ")
        ));
    }
    timings.render = t.elapsed();
    Ok(jobs)
}

/// Whether the edition's templates are compiled minified.
fn minify_templates(edition: &Edition) -> bool {
    edition.config.minify != Minify::None
}

/// Builds the site into `opts.out`: each page is minified and written into a
/// staging folder as soon as it is rendered (its bytes freed at once), and the
/// staging folder replaces the output only when everything succeeded.
pub fn build(opts: &BuildOptions, sources: &mut Sources) -> Result<Report, BuildError> {
    let start = Instant::now();
    output::check_out_dir(&opts.out, &opts.paths, opts.force)?;
    let mut timings = Timings::default();
    let overrides = Overrides {
        base_url: opts.base_url.clone(),
        minify: opts.minify,
    };
    // Opened before linking, which writes the chapters' search docs; a
    // failed build drops it, and the output is untouched.
    let staging = output::Staging::new(&opts.out)?;
    let failed: std::sync::Mutex<Option<OutputError>> = std::sync::Mutex::new(None);
    let finish = |job: &mut Job| {
        if let Err(e) = staging.write(job) {
            failed.lock().expect("error slot").get_or_insert(e);
        }
        job.bytes = Vec::new();
    };
    let (jobs, mut warnings, mut timings) = load_link_then(
        &opts.paths,
        &overrides,
        sources,
        &mut timings,
        Some(&finish),
        opts.warnings_per_code,
        |linked, warnings, _, timings, search| {
            let jobs = render_linked(linked, search, false, &opts.paths, timings, &finish)?;
            Ok((jobs, warnings, std::mem::take(timings)))
        },
    )?;
    if let Some(e) = failed.into_inner().expect("error slot") {
        return Err(e.into());
    }
    let t = Instant::now();
    let statics = output::collect_static(&Theme::load(&opts.paths)?);
    for j in &statics {
        staging.write(j)?;
    }
    timings.stages.lap("static files");
    staging.commit()?;
    timings.output = t.elapsed();
    timings.stages.lap("swap");
    let jobs: Vec<Job> = jobs.into_iter().chain(statics).collect();
    let pages = jobs.iter().filter(|j| j.is_html()).count();
    let files = jobs.len();
    drop(jobs);
    timings.stages.lap("free");
    restore_for(&mut warnings, sources);
    timings
        .stages
        .lap("read back the files warnings point into");
    Ok(Report {
        pages,
        files,
        warnings,
        timings,
        elapsed: start.elapsed(),
    })
}

/// What `glossa import` was asked to do.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub paths: Paths,
    pub seed: PathBuf,
    /// The plan; `None` looks for `SEED.plan.yaml` next to the seed.
    pub plan: Option<PathBuf>,
    /// The content folder to write into.
    pub out: PathBuf,
    pub force: bool,
    /// Classify and report; write nothing.
    pub dry_run: bool,
    /// Write the plan import would follow there, and no content.
    pub plan_out: Option<PathBuf>,
}

/// What an import found, and what it wrote or would write.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub written: Vec<PathBuf>,
    /// Every line's classification (text seeds).
    pub lines: Vec<crate::seed::LineReport>,
    pub dropped: Vec<crate::seed::Dropped>,
    pub plan: Option<PathBuf>,
    pub chapters: usize,
    pub paragraphs: usize,
    /// The encoding the seed was converted from (not UTF-8).
    pub converted_from: Option<&'static str>,
    /// The seed was a saved web page.
    pub html: bool,
    /// Where the proposed plan was written (`--plan-out`).
    pub plan_out: Option<PathBuf>,
    /// Existing files that are replaced (each kept as a numbered backup).
    pub replaced: Vec<PathBuf>,
    /// Chapter files of an earlier import that the new one does not produce
    /// (moved to numbered backups).
    pub moved_aside: Vec<PathBuf>,
    pub backups: Vec<PathBuf>,
    /// Annotations carried over: (id, the chapter that now has it).
    pub carried: Vec<(String, String)>,
    /// Annotations whose passage is gone, and the file that keeps them.
    pub unanchored: Vec<crate::edit::Unanchored>,
    pub unanchored_file: Option<PathBuf>,
    /// `edition.yaml` keys whose existing (hand-set) value won over the import's.
    pub kept_keys: Vec<String>,
}

/// The plan file conventionally paired with a seed: `NAME.txt` → `NAME.plan.yaml`.
pub fn default_plan_path(seed: &std::path::Path) -> PathBuf {
    let stem = seed
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    seed.with_file_name(format!("{stem}.plan.yaml"))
}

/// Reads a seed (and its plan) and converts it; with `plan_out`, writes
/// the plan it followed; else, unless `dry_run`, writes the content files —
/// into an edition imported before, without losing the editors' work:
/// annotations are carried over to the new text ([`crate::edit::carry_over`];
/// those whose passage is gone are kept in `unanchored-annotations.yaml`),
/// hand-set `edition.yaml` values win, chapter files the new import does not
/// produce are moved aside, and every replaced file keeps a numbered backup.
/// `announce` sees the report before anything is written.
pub fn import(
    opts: &ImportOptions,
    sources: &mut Sources,
    announce: &mut dyn FnMut(&ImportReport),
) -> Result<ImportReport, BuildError> {
    let content = |d| BuildError::Content(vec![d]);
    let seed = content::load::read_seed(&opts.paths, &opts.seed, sources).map_err(content)?;
    let plan_path = opts.plan.clone().or_else(|| {
        let p = default_plan_path(&opts.seed);
        p.is_file().then_some(p)
    });
    let plan = match &plan_path {
        Some(p) => {
            let (file, text) =
                content::load::read_source(&opts.paths, p, sources).map_err(content)?;
            let plan = crate::seed::Plan::parse(file, &text).map_err(content)?;
            Some((plan, file, text))
        }
        None => None,
    };
    let seed_name = opts
        .seed
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let plan_input = plan
        .as_ref()
        .map(|(plan, file, text)| crate::seed::PlanInput {
            plan,
            file: *file,
            text,
        });
    let html = crate::seed::html::is_html(seed.text.as_bytes());
    let imported = if html {
        crate::seed::import_html(&seed.text, seed.file, &seed_name, plan_input)
    } else {
        crate::seed::import(&seed.text, &seed_name, plan_input)
    }
    .map_err(BuildError::Content)?;
    let crate::seed::Imported {
        files,
        lines,
        dropped,
        chapters,
        paragraphs,
        plan: proposed,
    } = imported;
    let mut report = ImportReport {
        lines,
        dropped,
        plan: plan_path,
        chapters,
        paragraphs,
        converted_from: seed.converted_from,
        html,
        ..ImportReport::default()
    };
    if let Some(out) = &opts.plan_out {
        announce(&report);
        if out.exists() && !opts.force {
            return Err(OutputError::WouldOverwrite {
                paths: vec![out.clone()],
            }
            .into());
        }
        output::write_atomic(out, proposed.as_bytes()).map_err(|error| OutputError::Io {
            path: out.clone(),
            error,
        })?;
        report.plan_out = Some(out.clone());
        return Ok(report);
    }
    let files = merge_with_existing(&opts.out, files, &mut report)?;
    if !opts.force && !opts.dry_run && !report.replaced.is_empty() {
        return Err(OutputError::WouldOverwrite {
            paths: report.replaced.clone(),
        }
        .into());
    }
    announce(&report);
    if opts.dry_run {
        return Ok(report);
    }
    let aside = report.moved_aside.clone();
    report.backups = output::replace_files(&opts.out, &files, &aside)?;
    report.written = files.iter().map(|(rel, _)| opts.out.join(rel)).collect();
    if !report.unanchored.is_empty() {
        let path = output::fresh_path(&opts.out.join("unanchored-annotations.yaml"));
        let text = unanchored_yaml(&report.unanchored, &seed_name);
        output::write_atomic(&path, text.as_bytes()).map_err(|error| OutputError::Io {
            path: path.clone(),
            error,
        })?;
        report.unanchored_file = Some(path);
    }
    Ok(report)
}

/// The files of a new import merged with what `out` holds from an earlier
/// one: the old chapters' annotations carried over into the new chapter
/// texts, hand-set `edition.yaml` values kept; the report says what is
/// replaced, moved aside, carried and kept.
fn merge_with_existing(
    out: &std::path::Path,
    mut files: Vec<(String, String)>,
    report: &mut ImportReport,
) -> Result<Vec<(String, String)>, BuildError> {
    let mut sources = Sources::new();
    // The earlier import's chapters and their annotations.
    let chapters_dir = out.join("chapters");
    let mut old_files: Vec<PathBuf> = std::fs::read_dir(&chapters_dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect()
        })
        .unwrap_or_default();
    old_files.sort();
    let mut old: Vec<(String, crate::content::Annotation)> = Vec::new();
    for path in &old_files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let file = sources.add(path, path.display().to_string(), text.clone().into());
        if let Ok(c) = content::load::parse_chapter(path, file, text.into()) {
            old.extend(
                c.meta
                    .annotations
                    .iter()
                    .map(|a| (c.slug.clone(), a.clone())),
            );
        }
    }
    report.moved_aside = old_files
        .iter()
        .filter(|p| !files.iter().any(|(rel, _)| out.join(rel) == **p))
        .cloned()
        .collect();
    // The new chapters, parsed, receive the old annotations.
    let mut new_chapters = Vec::new();
    for (rel, text) in files.iter().filter(|(rel, _)| rel.starts_with("chapters/")) {
        let path = out.join(rel);
        let file = sources.add(&path, rel.clone(), text.as_str().into());
        let c = content::load::parse_chapter(&path, file, text.as_str().into())
            .map_err(BuildError::Content)?;
        new_chapters.push((rel.clone(), c));
    }
    let chapters: Vec<crate::content::Chapter> =
        new_chapters.iter().map(|(_, c)| c.clone()).collect();
    let (carried, lost) = crate::edit::carry_over(&old, &chapters);
    for ((rel, c), anns) in new_chapters.iter().zip(&carried) {
        if anns.is_empty() {
            continue;
        }
        let text = crate::edit::insert_annotations(c, anns);
        if let Some(f) = files.iter_mut().find(|(r, _)| r == rel) {
            f.1 = text;
        }
        report
            .carried
            .extend(anns.iter().map(|a| (a.id.clone(), c.slug.clone())));
    }
    report.unanchored = lost;
    // edition.yaml: the existing file's values win.
    if let Ok(existing) = std::fs::read_to_string(out.join("edition.yaml"))
        && let Some(f) = files.iter_mut().find(|(r, _)| r == "edition.yaml")
    {
        let (merged, kept) = crate::seed::merge_edition(&existing, &f.1);
        f.1 = merged;
        report.kept_keys = kept;
    }
    // Files that would be written exactly as they are need no writing.
    files.retain(|(rel, text)| {
        std::fs::read(out.join(rel)).map_or(true, |old| old != text.as_bytes())
    });
    report.replaced = files
        .iter()
        .map(|(rel, _)| out.join(rel))
        .filter(|p| p.exists())
        .collect();
    Ok(files)
}

/// The annotations that no longer anchor, as a YAML file an editor works
/// through (nothing is ever dropped).
fn unanchored_yaml(lost: &[crate::edit::Unanchored], seed: &str) -> String {
    #[derive(serde::Serialize)]
    struct Entry<'a> {
        chapter: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        closest: Option<&'a str>,
        annotation: &'a crate::content::Annotation,
    }
    let entries: Vec<Entry> = lost
        .iter()
        .map(|u| Entry {
            chapter: &u.chapter,
            closest: u.closest.as_deref(),
            annotation: &u.annotation,
        })
        .collect();
    format!(
        "# Annotations whose passage is not in the text imported from {seed}.\n\
         # Nothing was dropped: correct each quote (`closest` is the most similar\n\
         # passage found) and move the annotation into its chapter's annotations:.\n{}",
        crate::yaml::to_string(&entries)
    )
}

/// What `glossa annotations import` did.
#[derive(Debug, Default)]
pub struct AnnotationImport {
    /// Chapter files changed (or that would change, with `dry_run`), with the number of annotations added.
    pub changed: Vec<(PathBuf, usize)>,
    /// Annotations already present, identical.
    pub unchanged: usize,
    /// Annotations that could not be imported (errors), and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

/// Imports Web Annotations from `file` into the chapters' front matter.
/// The edition must check cleanly first; each changed chapter is verified
/// (its old annotations intact, the new ones parsed back equal) before it is
/// written, and the edition is checked again afterwards — on any error the
/// chapters are restored and the error returned.
pub fn import_annotations(
    paths: &Paths,
    file: &std::path::Path,
    chapter: Option<&str>,
    dry_run: bool,
    sources: &mut Sources,
) -> Result<AnnotationImport, BuildError> {
    load_and_link(
        paths,
        &Overrides::default(),
        sources,
        &mut Timings::default(),
        |linked, _, sources, _| {
            let (docs, problem) = annotation_documents(file, sources)?;
            let chapter_index = match chapter {
                None => None,
                Some(slug) => Some(chapter_by_slug(linked.edition, slug)?),
            };
            let texts: Vec<std::sync::Arc<str>> = docs
                .iter()
                .map(|(id, _)| sources.get(*id).text.clone())
                .collect();
            let parsed: Vec<crate::webanno::import::Document> = docs
                .into_iter()
                .zip(&texts)
                .map(|((id, doc), text)| (id, &**text, doc))
                .collect();
            let failed = problem.into_iter().collect();
            let plan = crate::webanno::import::plan(linked, &parsed, failed, chapter_index);
            let mut report = AnnotationImport {
                unchanged: plan.unchanged,
                diagnostics: plan.diagnostics,
                ..AnnotationImport::default()
            };
            let writes = verified_texts(linked.edition, &plan.added, sources)?;
            report.changed = writes
                .iter()
                .zip(&plan.added)
                .map(|(w, (_, new))| (w.path.clone(), new.len()))
                .collect();
            if !dry_run && !writes.is_empty() {
                write_checked(paths, &writes, sources)?;
            }
            Ok(report)
        },
    )
}

/// Pages read at most by one import (a loop of `next` links stops there).
const MAX_IMPORT_PAGES: usize = 100_000;

/// Each document of an import: where it is registered, and its JSON.
type ParsedDocuments = Vec<(FileId, serde_json::Value)>;

/// The documents of an import, registered in `sources` and parsed once:
/// the file, then each page its `next` links lead to (as `build` writes them:
/// beside the collection, under `annotations/`); and the error that ends
/// the chain early — a document that does not parse, or a page that is not
/// there.
fn annotation_documents(
    file: &Path,
    sources: &mut Sources,
) -> Result<(ParsedDocuments, Option<Diagnostic>), BuildError> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|error| {
            BuildError::Output(OutputError::Io {
                path: path.to_path_buf(),
                error,
            })
        })
    };
    let root = file.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut docs = vec![];
    // Every file read, by its canonical path: a `next` that leads back to
    // one of them ends the chain (no page is read twice).
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut seen = HashSet::from([canonical(file)]);
    let mut path = file.to_path_buf();
    let mut json = read(file)?;
    loop {
        let id = sources.add(&path, path.display().to_string(), json.as_str().into());
        let doc = match crate::webanno::import::parse(id, &json) {
            Ok(doc) => doc,
            Err(d) => return Ok((docs, Some(d))),
        };
        let next = crate::webanno::import::next_page(&doc).map(str::to_string);
        docs.push((id, doc));
        let Some(next) = next else { break };
        let Some(found) = page_path(&root, &path, &next) else {
            let at = json.find(&next).unwrap_or(0);
            let d = Diagnostic::new(
                Code::MissingPage,
                format!("the collection continues in `{next}`, which is not beside this file"),
            )
            .at(id, at..at + next.len())
            .help("copy the build's `annotations/` folder next to `annotations.jsonld`, or export one file with `glossa annotations export`");
            return Ok((docs, Some(d)));
        };
        if !seen.insert(canonical(&found)) || docs.len() >= MAX_IMPORT_PAGES {
            break;
        }
        json = read(&found)?;
        path = found;
    }
    Ok((docs, None))
}

/// The file a page reference names: a relative one from the file that holds
/// it; a URL by the end of its path, looked for under the collection's
/// folder (`…/annotations/page-2.jsonld` → `annotations/page-2.jsonld`,
/// then `page-2.jsonld`).
fn page_path(root: &Path, from: &Path, reference: &str) -> Option<PathBuf> {
    let reference = reference.split('#').next().unwrap_or_default();
    if reference.is_empty() || reference.starts_with("urn:") {
        return None;
    }
    if let Some((_, rest)) = reference.split_once("://") {
        let path = rest.split_once('/').map_or("", |(_, p)| p);
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        return (0..segments.len())
            .map(|k| {
                segments[k..]
                    .iter()
                    .fold(root.to_path_buf(), |p, s| p.join(s))
            })
            .find(|p| p.is_file());
    }
    let here = from.parent().unwrap_or(Path::new(""));
    let p = here.join(reference);
    p.is_file().then_some(p)
}

/// The index of the chapter with this slug, or an `unknown-chapter` error.
fn chapter_by_slug(edition: &Edition, slug: &str) -> Result<usize, BuildError> {
    edition
        .chapters
        .iter()
        .position(|c| c.slug == slug)
        .ok_or_else(|| {
            let slugs: Vec<&str> = edition.chapters.iter().map(|c| c.slug.as_str()).collect();
            BuildError::Content(vec![crate::diag::unknown_chapter(slug, &slugs)])
        })
}

/// A content file's new text, with the text it replaces.
struct Rewrite {
    path: PathBuf,
    old: std::sync::Arc<str>,
    new: String,
}

/// The chapters' texts with the new annotations appended, each verified by
/// parsing it back: the old annotations intact, the new ones equal, the body
/// unchanged.
fn verified_texts(
    edition: &Edition,
    added: &[(usize, Vec<crate::content::Annotation>)],
    sources: &Sources,
) -> Result<Vec<Rewrite>, BuildError> {
    let mut writes = Vec::new();
    for (ci, new) in added {
        let c = &edition.chapters[*ci];
        let path = sources.get(c.file).path.clone();
        let text = crate::edit::insert_annotations(c, new);
        let parsed = content::load::parse_chapter(&path, c.file, text.as_str().into());
        let expected: Vec<_> = c.meta.annotations.iter().chain(new).cloned().collect();
        match parsed {
            Ok(p) if p.meta.annotations == expected && p.body() == c.body() => {}
            _ => {
                return Err(BuildError::Content(vec![
                    Diagnostic::new(
                        Code::CannotInsert,
                        "the new annotations could not be added to the front matter safely; nothing was written",
                    )
                    .at(c.file, c.yaml.clone())
                    .help("move `annotations:` to the end of the front matter, as a block list, and try again"),
                ]));
            }
        }
        writes.push(Rewrite {
            path,
            old: c.text.clone(),
            new: text,
        });
    }
    Ok(writes)
}

/// Writes the new texts, then checks the edition again; on a failed write or
/// any error in the check, every file written is restored.
fn write_checked(
    paths: &Paths,
    writes: &[Rewrite],
    sources: &mut Sources,
) -> Result<(), BuildError> {
    let restore = |upto: usize| {
        for w in &writes[..upto] {
            let _ = output::write_atomic(&w.path, w.old.as_bytes());
        }
    };
    for (i, w) in writes.iter().enumerate() {
        if let Err(error) = output::write_atomic(&w.path, w.new.as_bytes()) {
            restore(i);
            return Err(BuildError::Output(OutputError::Io {
                path: w.path.clone(),
                error,
            }));
        }
    }
    let mut after = Sources::new();
    let checked = load_and_link(
        paths,
        &Overrides::default(),
        &mut after,
        &mut Timings::default(),
        |_, _, _, _| Ok(()),
    );
    if let Err(e) = checked {
        restore(writes.len());
        // The diagnostics point into the files as they were written.
        *sources = after;
        return Err(e);
    }
    Ok(())
}

/// What `serve` keeps of the last good build for incremental rebuilds.
#[derive(Debug)]
pub struct Kept {
    pub edition: Edition,
    /// The files the edition's diagnostics point into.
    pub sources: Sources,
    /// Per chapter, the profiles that depend on it.
    pub dependents: Vec<Vec<usize>>,
    /// Each chapter's parse, anchors and mentions.
    pub cache: annotate::LinkCache,
    /// Where each chapter's notes sit on its final page (for the export).
    pub anchors: render::PageAnchors,
}

/// Receives the first phase of an incremental rebuild: the edited chapters'
/// pages, the warnings and the sources they point into.
pub type FirstPhase<'f> = dyn FnMut(Vec<Job>, &[Diagnostic], &Sources) + 'f;

/// Why an incremental rebuild was not done.
#[derive(Debug)]
pub enum Incremental {
    /// The second phase's jobs (the warnings went to the first phase).
    Done(Vec<Job>),
    /// The change needs a full rebuild (a new, removed or renamed chapter, a
    /// changed title, order or summary, a file that cannot be read).
    Full,
    /// The changed chapter has errors (its diagnostics point into `sources`).
    Failed(BuildError),
}

/// Rebuilds after edits to existing chapter files only (for `serve`): re-reads
/// just those files into the edition kept from the last build, re-links the
/// edition (every chapter's notes and mentions can move), and renders only the
/// pages that depend on the changed chapters, in two phases: first their own
/// pages, handed to `first` as soon as they are minified (serve swaps them in
/// and reloads the pages showing them), then the profiles that show something
/// of them before or after the change (`dependents` from the last build), the
/// profile indexes and the edition-wide lists, returned in
/// [`Incremental::Done`]. The caller merges both into the previous site. On
/// [`Incremental::Failed`] the edition holds the new, broken text: the caller
/// must not reuse it.
pub fn rebuild_chapters(
    kept: &mut Kept,
    paths: &Paths,
    changed: &[PathBuf],
    timings: &mut Timings,
    first: &mut FirstPhase<'_>,
) -> Incremental {
    timings.stages = render::Stages::default();
    let which = match reload_chapters(kept, changed) {
        Ok(which) => which,
        Err(outcome) => return outcome,
    };
    timings.stages.lap("load changed chapters");
    let Kept {
        edition,
        sources,
        dependents,
        cache,
        anchors,
    } = kept;
    let (linked, diags) = annotate::link_with(edition, sources, Some(cache), None);
    timings.stages.lap("link: parse, anchor, mentions, checks");
    if diags.iter().any(Diagnostic::is_error) {
        return Incremental::Failed(BuildError::Content(diags));
    }
    let now = linked.dependents();
    let mut entities: Vec<usize> = which
        .iter()
        .flat_map(|&ci| {
            let before = dependents.get(ci).into_iter().flatten();
            before.chain(now.get(ci).into_iter().flatten()).copied()
        })
        .collect();
    entities.sort_unstable();
    entities.dedup();
    let theme = match Theme::load(paths) {
        Ok(t) => t,
        Err(e) => return Incremental::Failed(e.into()),
    };
    let mut templates = match Templates::load(&theme, minify_templates(edition)) {
        Ok(t) => t,
        Err(e) => return Incremental::Failed(e.into()),
    };
    let mut render = |affected: render::Affected, stages: &mut render::Stages| {
        render::render_site(
            &linked,
            &mut templates,
            None,
            stages,
            Some(&affected),
            Some(anchors),
            &|_| {},
        )
        .map(|(jobs, _)| jobs)
    };
    let phase1 = render::Affected {
        chapters: which,
        entities: Vec::new(),
        lists: false,
    };
    match render(phase1, &mut timings.stages) {
        Ok(jobs) => first(jobs, &diags, sources),
        Err(e) => return Incremental::Failed(e.into()),
    }
    let phase2 = render::Affected {
        chapters: Vec::new(),
        entities,
        lists: true,
    };
    match render(phase2, &mut timings.stages) {
        Ok(jobs) => {
            *dependents = now;
            Incremental::Done(jobs)
        }
        Err(e) => Incremental::Failed(e.into()),
    }
}

/// Re-reads the changed chapter files into the kept edition; returns their
/// indices, or why an incremental rebuild does not apply (a file that is not
/// a kept chapter or cannot be read, a chapter that moved or was retitled:
/// [`Incremental::Full`]; a file that no longer parses: `Failed`).
fn reload_chapters(kept: &mut Kept, changed: &[PathBuf]) -> Result<Vec<usize>, Incremental> {
    let mut which = Vec::new();
    for path in changed {
        let edition = &mut kept.edition;
        let Some(ci) = edition
            .chapters
            .iter()
            .position(|c| kept.sources.get(c.file).path == *path)
        else {
            return Err(Incremental::Full);
        };
        let text = std::fs::read(path)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(Incremental::Full)?;
        let old = &edition.chapters[ci];
        let file = old.file;
        let text: std::sync::Arc<str> = text.into();
        kept.sources.replace(file, text.clone());
        let new = content::load::parse_chapter(path, file, text)
            .map_err(|diags| Incremental::Failed(BuildError::Content(diags)))?;
        let same_place = new.slug == old.slug
            && new.meta.order == old.meta.order
            && new.meta.title == old.meta.title
            && new.meta.summary == old.meta.summary;
        if !same_place {
            return Err(Incremental::Full);
        }
        edition.chapters[ci] = new;
        which.push(ci);
    }
    Ok(which)
}

/// `glossa annotations export`: the edition's notes as the build's
/// `annotations.jsonld` (only that file is rendered), and the warnings.
pub fn export_annotations(
    paths: &Paths,
    base_url: Option<&str>,
    sources: &mut Sources,
) -> Result<(Vec<u8>, Vec<Diagnostic>), BuildError> {
    let mut timings = Timings::default();
    load_and_link(
        paths,
        &Overrides::base_url(base_url),
        sources,
        &mut timings,
        |linked, warnings, _, _| {
            let theme = Theme::load(paths)?;
            let mut templates = Templates::load(&theme, minify_templates(linked.edition))?;
            let bytes = render::annotations_jsonld(linked, &mut templates)?;
            Ok((bytes, warnings))
        },
    )
}

/// `glossa new`: writes a new chapter or profile file (never over an existing
/// one). A new chapter's `order` is one past the highest order of the
/// chapters already there (read from their front matter; file names' `NN-`
/// when a front matter does not parse).
pub fn new_file(
    paths: &Paths,
    kind: crate::scaffold::Kind,
    id: &str,
    title: Option<&str>,
) -> Result<Vec<PathBuf>, OutputError> {
    if !content::is_slug(id) {
        return Err(OutputError::BadName {
            name: id.to_string(),
            why: "not a valid id: use lowercase ASCII letters, digits and `-`".into(),
        });
    }
    let order = content::load::chapter_orders(&paths.content.join("chapters"))
        .into_iter()
        .max()
        .unwrap_or(0)
        + 1;
    // The edition's language, if its edition.yaml says (the fallback otherwise).
    let language = std::fs::read_to_string(paths.content.join("edition.yaml"))
        .ok()
        .and_then(|t| crate::yaml::value::<Language>(&t))
        .map_or_else(|| crate::i18n::FALLBACK.to_string(), |l| l.language);
    let pack = crate::i18n::pack_or_fallback(&language);
    let (rel, text) = crate::scaffold::file(kind, id, title, order, &[], pack);
    output::write_new_files(&paths.content, &[(rel, text)], false)
}

/// The one key of `edition.yaml` that `new` reads.
#[derive(serde::Deserialize)]
struct Language {
    #[serde(default)]
    language: String,
}

/// `glossa schema`: writes every JSON Schema into `dir`; files with the same
/// text are left alone. Returns each path and whether it was written.
pub fn write_schemas(dir: &std::path::Path) -> Result<Vec<(PathBuf, bool)>, OutputError> {
    let io = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |error| OutputError::Io { path, error }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut done = Vec::new();
    for (name, text) in crate::schema::all() {
        let path = dir.join(name);
        let same = std::fs::read_to_string(&path).is_ok_and(|old| old == text);
        if !same {
            output::write_atomic(&path, text.as_bytes()).map_err(io(&path))?;
        }
        done.push((path, !same));
    }
    Ok(done)
}

/// Marker file of a generated corpus: only such a folder is ever replaced.
const CORPUS_MARKER: &str = ".glossa-corpus";

/// `glossa bench-corpus`: writes a synthetic edition of `chapters` chapters
/// as a whole project (content only: it uses the built-in theme) into `out`
/// (empty, new, or an earlier corpus, which is replaced); returns the number
/// of content files.
pub fn write_bench_corpus(
    chapters: usize,
    out: &std::path::Path,
    seed: u64,
    plain: bool,
) -> Result<usize, OutputError> {
    let empty = std::fs::read_dir(out).map_or(true, |mut d| d.next().is_none());
    if !empty && !out.join(CORPUS_MARKER).exists() {
        return Err(OutputError::NotACorpus {
            path: out.to_path_buf(),
        });
    }
    let io = |error| OutputError::Io {
        path: out.to_path_buf(),
        error,
    };
    if !empty {
        std::fs::remove_dir_all(out).map_err(io)?;
    }
    let files = if plain {
        crate::corpus::generate_plain(chapters, seed)
    } else {
        crate::corpus::generate(chapters, seed)
    };
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(out)?;
        std::fs::write(
            out.join(CORPUS_MARKER),
            "generated by glossa bench-corpus\n",
        )?;
        for (rel, text) in &files {
            let path = out.join("content").join(rel);
            std::fs::create_dir_all(path.parent().unwrap_or(out))?;
            std::fs::write(&path, text)?;
        }
        Ok(())
    };
    write().map_err(io)?;
    Ok(files.len())
}

/// What `glossa init` was asked to do.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The project folder (created if missing).
    pub dir: PathBuf,
    /// BCP 47 tag of the edition's language.
    pub language: String,
    pub title: Option<String>,
    /// Start in a folder that is not empty (files are still never overwritten).
    pub force: bool,
    /// Also write the built-in theme into `templates/` and `static/`.
    pub eject_theme: bool,
}

/// `glossa init`: a new project that checks, builds and serves at once — the
/// example content in the language's pack, `.gitignore`, a README, the JSON
/// Schemas (the modeline of `edition.yaml` points at them), and with
/// `eject_theme` the built-in theme. Refuses a non-empty folder without
/// `force`, and never overwrites a file.
pub fn init(opts: &InitOptions) -> Result<Vec<PathBuf>, OutputError> {
    if !opts.force
        && let Ok(entries) = std::fs::read_dir(&opts.dir)
    {
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        if !names.is_empty() {
            names.sort();
            return Err(OutputError::NotEmpty {
                path: opts.dir.clone(),
                entries: names,
            });
        }
    }
    let pack = crate::i18n::pack_or_fallback(&opts.language);
    let mut files: Vec<(String, Vec<u8>)> =
        crate::scaffold::init_files(pack, &opts.language, opts.title.as_deref())
            .into_iter()
            .map(|(p, t)| (p, t.into_bytes()))
            .collect();
    files.extend(
        crate::schema::all()
            .into_iter()
            .map(|(name, text)| (format!("schemas/{name}"), text.into_bytes())),
    );
    if opts.eject_theme {
        files.extend(theme_files(&[])?);
    }
    output::write_new_files(&opts.dir, &files, false)
}

/// `glossa theme eject`: writes the built-in theme files (all, or those
/// named: `chapter.html`, `style.css`, `templates/base.html` …) under `out`
/// as `templates/…` and `static/…`, for customising; refuses to overwrite.
pub fn eject_theme(out: &std::path::Path, names: &[String]) -> Result<Vec<PathBuf>, OutputError> {
    output::write_new_files(out, &theme_files(names)?, false)
}

/// The built-in theme files named (all when none is), by path in a project.
fn theme_files(names: &[String]) -> Result<Vec<(String, Vec<u8>)>, OutputError> {
    let all = crate::theme::all_built_in();
    let pick = |name: &str| {
        all.iter().find(|(path, _)| {
            *path == name || path.rsplit_once('/').is_some_and(|(_, f)| f == name)
        })
    };
    if names.is_empty() {
        return Ok(all
            .iter()
            .map(|(p, b)| (p.to_string(), b.to_vec()))
            .collect());
    }
    names
        .iter()
        .map(|n| {
            pick(n)
                .map(|(p, b)| (p.to_string(), b.to_vec()))
                .ok_or_else(|| {
                    let known: Vec<&str> = all.iter().map(|(p, _)| *p).collect();
                    OutputError::BadName {
                        name: n.clone(),
                        why: format!(
                            "the built-in theme has no such file; it has {}",
                            known.join(", ")
                        ),
                    }
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy of the shipped edition's content in a new project folder.
    fn shipped_copy() -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().expect("temp dir");
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.expect("walk");
            let to = dir
                .path()
                .join("content")
                .join(entry.path().strip_prefix(&from).expect("inside"));
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).expect("mkdir");
            } else {
                std::fs::copy(entry.path(), &to).expect("copy");
            }
        }
        let paths = Paths::new(dir.path());
        (dir, paths)
    }

    /// Every file rendered in memory, with the chapters' texts released
    /// (as a build: the export written as the chapter pages render) or
    /// held (as serve: the anchors kept, the export written after);
    /// `between` runs after linking, before rendering.
    fn render_after(
        paths: &Paths,
        release: bool,
        between: impl FnOnce(),
    ) -> Result<Vec<Job>, BuildError> {
        let mut sources = Sources::new();
        load_link_then(
            paths,
            &Overrides::default(),
            &mut sources,
            &mut Timings::default(),
            release.then_some(&|_: &mut Job| {}),
            None,
            |linked, _, _, timings, search| {
                between();
                render_linked(linked, search, !release, paths, timings, &|_| {})
            },
        )
    }

    fn rendered(paths: &Paths, release: bool) -> Result<Vec<(String, Vec<u8>)>, BuildError> {
        let jobs = render_after(paths, release, || {})?;
        let mut files: Vec<(String, Vec<u8>)> =
            jobs.into_iter().map(|j| (j.path, j.bytes)).collect();
        files.sort();
        Ok(files)
    }

    /// A build writes the export as it renders the chapter pages and keeps
    /// no anchor; `serve` keeps every chapter's.
    #[test]
    fn a_build_keeps_no_anchors_and_serve_keeps_every_chapters() {
        let (_dir, paths) = shipped_copy();
        for keep in [false, true] {
            let mut sources = Sources::new();
            let kept = load_link_then(
                &paths,
                &Overrides::default(),
                &mut sources,
                &mut Timings::default(),
                (!keep).then_some(&|_: &mut Job| {}),
                None,
                |linked, _, _, timings, search| {
                    let jobs = render_linked(linked, search, keep, &paths, timings, &|_| {})?;
                    assert!(jobs.iter().any(|j| j.path == "annotations.jsonld"));
                    let known = timings.anchors.iter().filter(|a| a.is_some()).count();
                    Ok((known, linked.chapters.len()))
                },
            )
            .expect("renders");
            assert_eq!(kept.0, if keep { kept.1 } else { 0 }, "keep: {keep}");
        }
    }

    #[test]
    fn pages_read_from_released_chapters_are_the_pages_of_held_ones() {
        let (_dir, paths) = shipped_copy();
        let held = rendered(&paths, false).expect("renders");
        let released = rendered(&paths, true).expect("renders");
        assert!(held.len() > 20, "{} files", held.len());
        assert_eq!(held.len(), released.len());
        for ((p, a), (q, b)) in held.iter().zip(&released) {
            assert_eq!(p, q);
            assert!(a == b, "{p} differs");
        }
    }

    /// A build indexes each block of chapters for search while it links
    /// them (then drops the texts nothing else reads); the site is the one
    /// a render that held every text makes — across link and search blocks,
    /// with a docs chunk that chapters and profiles share, and a chapter
    /// whose text was dropped.
    #[test]
    fn a_build_indexing_while_it_links_renders_the_site_of_held_texts() {
        let dir = tempfile::tempdir().expect("temp dir");
        write_bench_corpus(261, dir.path(), 3, false).expect("corpus");
        let paths = Paths::new(dir.path());
        std::fs::write(
            paths.content.join("chapters/bare.md"),
            "---\ntitle: 'Bare'\norder: 1000\n---\n\nplain words, and nothing else.\n",
        )
        .expect("write");
        let held = rendered(&paths, false).expect("renders");
        let released = rendered(&paths, true).expect("renders");
        let chunks = held
            .iter()
            .filter(|(p, _)| p.starts_with("search/docs/"))
            .count();
        // 262 chapters and the profiles, four pages to a chunk.
        assert!(chunks > 66, "{chunks} docs chunks");
        assert_eq!(held.len(), released.len());
        for ((p, a), (q, b)) in held.iter().zip(&released) {
            assert_eq!(p, q);
            assert!(a == b, "{p} differs");
        }
    }

    /// The edition loaded as a build loads it (each chapter's body
    /// released), with its sources.
    fn load_as_a_build(paths: &Paths) -> (Edition, Sources) {
        load_releasing(paths, true)
    }

    /// The edition loaded with every chapter's text held, with its sources.
    fn load_held(paths: &Paths) -> (Edition, Sources) {
        load_releasing(paths, false)
    }

    fn load_releasing(paths: &Paths, release: bool) -> (Edition, Sources) {
        let mut sources = Sources::new();
        let (edition, _) = load_checked_with(
            paths,
            &Overrides::default(),
            &mut sources,
            &mut Timings::default(),
            release,
        )
        .expect("loads");
        (edition, sources)
    }

    /// What a linked edition holds, chapter by chapter, but the reading
    /// texts, to compare two.
    fn held(linked: &annotate::Linked<'_>) -> Vec<String> {
        let mut out: Vec<String> = linked
            .chapters
            .iter()
            .map(|lc| format!("{} {:?}", lc.doc.paragraphs, lc.notes))
            .collect();
        out.push(format!("{:?}", linked.mentions));
        out.push(format!("{:?}", linked.fact_anchors));
        out.push(format!("{:?}", linked.by_entity));
        out
    }

    #[test]
    fn linking_a_block_at_a_time_while_releasing_finds_what_holding_every_text_finds() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Two blocks of chapters, with notes, profiles, mentions and facts.
        write_bench_corpus(300, dir.path(), 7, false).expect("corpus");
        let paths = Paths::new(dir.path());
        // An error in the second block: found after the first was released.
        let late = std::fs::read_dir(paths.content.join("chapters"))
            .expect("chapters")
            .map(|e| e.expect("entry").path())
            .max()
            .expect("a chapter");
        let text = std::fs::read_to_string(&late).expect("read");
        let quote = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("quote: "))
            .expect("a quote")
            .to_string();
        // And a warning there: a name with no profile and no note.
        let text = text.replacen(&quote, "'nowhere in this chapter'", 1)
            + "\nZebulon Quackenbush was there.\n";
        std::fs::write(&late, text).expect("write");
        // A chapter with no note, no mention and no fact quoting it.
        std::fs::write(
            paths.content.join("chapters/bare.md"),
            "---\ntitle: 'Bare'\norder: 1000\n---\n\nplain words, and nothing else.\n",
        )
        .expect("write");
        // And one alike but for a profile's fact that quotes it: its
        // reading text is kept.
        std::fs::write(
            paths.content.join("chapters/quoted.md"),
            "---\ntitle: 'Quoted'\norder: 1001\n---\n\nplain words quoted here.\n",
        )
        .expect("write");
        // A note whose quote is written with other whitespace than the
        // text has: the passage shown is the text's.
        std::fs::write(
            paths.content.join("chapters/spaced.md"),
            "---\ntitle: 'Spaced'\norder: 1002\nannotations:\n  - id: spaced\n    quote: 'two spaced words'\n    kind: note\n    note: 'Spacing.'\n---\n\nSome two  spaced\nwords here.\n",
        )
        .expect("write");
        let profile = paths.content.join("companies/c01.md");
        let text = std::fs::read_to_string(&profile).expect("read");
        // Its facts are the front matter's last key: one more before the `---`.
        let end = 4 + text[4..].find("---\n").expect("closing line");
        let fact = "  - label: 'Quoted'\n    value: 'here'\n    source:\n      chapter: 'quoted'\n      quote: 'plain words quoted here'\n";
        std::fs::write(&profile, format!("{}{fact}{}", &text[..end], &text[end..])).expect("write");
        let keep = Some(5);

        let (edition, sources) = load_held(&paths);
        let (linked, mut diags) = annotate::link_with(&edition, &sources, None, keep);
        crate::diag::bound(&mut diags, 5);
        let shown = crate::diag::render(&diags, &sources, false);
        assert!(shown.contains("nowhere in this chapter"), "{shown}");
        assert!(shown.contains("Zebulon Quackenbush was there."), "{shown}");

        // Loaded as a build loads: each body released once its front
        // matter is parsed, and read again when its chapter is linked.
        let (mut released, mut released_sources) = load_as_a_build(&paths);
        for c in &released.chapters {
            assert!(c.released.is_some() && c.body.is_empty());
            let file = std::fs::metadata(&released_sources.get(c.file).path).expect("file");
            assert!(c.text.len() == c.body.start && (c.text.len() as u64) < file.len());
            assert!(released_sources.get(c.file).text.is_empty());
        }
        // Every chapter is shown to the caller once, in order, text and all.
        let mut shown_to_caller = Vec::new();
        let (detached, mut released_diags) =
            annotate::link_releasing(&mut released, &mut released_sources, keep, &mut |block| {
                for lc in block {
                    assert!(!lc.doc.text.is_empty());
                    shown_to_caller.push(lc.chapter.slug.clone());
                }
            });
        let slugs: Vec<String> = edition.chapters.iter().map(|c| c.slug.clone()).collect();
        assert_eq!(shown_to_caller, slugs);
        assert!(released.chapters.iter().all(|c| c.released.is_some()));
        assert!(released.chapters.iter().all(|c| c.text.is_empty()));
        crate::diag::bound(&mut released_diags, 5);
        restore_for(&mut released_diags, &mut released_sources);
        assert_eq!(
            crate::diag::render(&released_diags, &released_sources, false),
            shown
        );
        // Every reading text is gone but those a fact quotes; what was
        // linked is the same, each note's passage too.
        let released = detached.attach(&released);
        let quoted: std::collections::BTreeSet<usize> = linked
            .fact_anchors
            .iter()
            .flatten()
            .flatten()
            .map(|f| f.chapter)
            .collect();
        let at = slugs.iter().position(|s| s == "quoted").expect("quoted");
        assert!(
            quoted.contains(&at) && quoted.len() < slugs.len() / 10,
            "{quoted:?}"
        );
        let mut passages = 0;
        for (i, (lc, held)) in released.chapters.iter().zip(&linked.chapters).enumerate() {
            assert_eq!(lc.doc.paragraphs, held.doc.paragraphs);
            let kept = quoted.contains(&i);
            assert_eq!(kept, !lc.doc.text.is_empty(), "{i}");
            assert_eq!(kept, !lc.doc.blocks.is_empty(), "{i}");
            if kept {
                assert_eq!(format!("{:?}", lc.doc), format!("{:?}", held.doc));
            }
            for n in &lc.notes {
                assert_eq!(n.exact(), &held.doc.text[n.range.clone()]);
                passages += 1;
            }
        }
        assert!(passages > 5000, "{passages}");
        let spaced = slugs.iter().position(|s| s == "spaced").expect("spaced");
        let note = &released.chapters[spaced].notes[0];
        assert_eq!(
            (note.exact(), note.annotation.quote.as_str()),
            ("two  spaced words", "two spaced words")
        );
        assert_eq!(held(&released), held(&linked));
    }

    /// A build counts the `unprofiled-name` warnings it will not show
    /// instead of making them: what it keeps is what bounding every
    /// warning, made, keeps (the same ones shown, as many left out).
    #[test]
    fn name_warnings_only_counted_are_those_a_bound_leaves_out() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Plain chapters name people with no profile: many warnings, in
        // three blocks of chapters.
        write_bench_corpus(600, dir.path(), 7, true).expect("corpus");
        let (edition, sources) = load_held(&Paths::new(dir.path()));
        let (_, mut all) = annotate::link_with(&edition, &sources, None, None);
        let names = |d: &[Diagnostic]| d.iter().filter(|d| d.code == Code::UnprofiledName).count();
        assert!(names(&all) > 2000, "{}", names(&all));
        crate::diag::bound(&mut all, 5);
        let (_, mut bounded) = annotate::link_with(&edition, &sources, None, Some(5));
        crate::diag::bound(&mut bounded, 5);
        assert_eq!(names(&bounded), 5);
        assert_eq!(format!("{bounded:?}"), format!("{all:?}"));
    }

    #[test]
    fn a_chapter_that_changes_during_the_build_stops_it() {
        let (_dir, paths) = shipped_copy();
        let chapters = paths.content.join("chapters");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&chapters)
            .expect("chapters")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        let result = render_after(&paths, true, || {
            // Same length, other text: only the fingerprint tells.
            let text = std::fs::read_to_string(&files[1]).expect("read");
            let changed = text.replacen('，', "。", 1);
            assert!(changed.len() == text.len() && changed != text);
            std::fs::write(&files[1], changed).expect("write");
        });
        match result {
            Err(BuildError::Template(TemplateError::Source(e))) => {
                assert_eq!(e.path, files[1]);
                let shown = BuildError::Template(TemplateError::Source(e)).to_string();
                assert!(
                    shown.contains("changed while the site was being built"),
                    "{shown}"
                );
                assert!(shown.contains("nothing was written"), "{shown}");
            }
            other => panic!("expected the changed chapter to stop the build: {other:?}"),
        }
        // Gone altogether: the read error is the reason.
        let gone = render_after(&paths, true, || {
            std::fs::remove_file(&files[0]).expect("remove");
        });
        assert!(
            matches!(&gone, Err(BuildError::Template(TemplateError::Source(e)))
                if e.path == files[0] && e.why.starts_with("cannot read it again")),
            "{gone:?}"
        );
        // Changed after a build loaded it (and let its body go), before
        // it was linked: linking reports it, with the file's name.
        let (_dir, paths) = shipped_copy();
        let (mut edition, mut sources) = load_as_a_build(&paths);
        let file = paths
            .content
            .join("chapters")
            .join(files[2].file_name().expect("name"));
        let text = std::fs::read_to_string(&file).expect("read");
        std::fs::write(&file, text.replacen('，', "。", 1)).expect("write");
        let (_, mut diags) =
            annotate::link_releasing(&mut edition, &mut sources, None, &mut |_| {});
        restore_for(&mut diags, &mut sources);
        let changed: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == Code::Io).collect();
        assert_eq!(changed.len(), 1, "{diags:?}");
        assert!(changed[0].is_error());
        let shown = crate::diag::render(&diags, &sources, false);
        assert!(
            shown.contains("changed while the site was being built")
                && shown.contains(
                    &sources
                        .get(changed[0].primary.as_ref().expect("file").0)
                        .display
                ),
            "{shown}"
        );
    }

    #[test]
    fn warnings_show_their_snippets_after_a_build_released_the_chapters() {
        let (dir, paths) = shipped_copy();
        let chapter = paths.content.join("chapters");
        let first = std::fs::read_dir(&chapter)
            .expect("chapters")
            .map(|e| e.expect("entry").path())
            .min()
            .expect("a chapter");
        // A paragraph naming someone with no profile and no note: a warning.
        let mut text = std::fs::read_to_string(&first).expect("read");
        text.push_str("\nZebulon Quackenbush was there.\n");
        std::fs::write(&first, &text).expect("write");
        let opts = BuildOptions {
            out: dir.path().join("public"),
            paths: paths.clone(),
            base_url: None,
            force: false,
            minify: None,
            warnings_per_code: None,
        };
        let mut sources = Sources::new();
        let mut report = build(&opts, &mut sources).expect("builds");
        let w = report
            .warnings
            .iter()
            .find(|d| d.message.contains("Quackenbush"))
            .unwrap_or_else(|| panic!("the name is reported: {:?}", report.warnings))
            .clone();
        let (file, _) = w.primary.clone().expect("positioned");
        assert_eq!(&*sources.get(file).text, text.as_str());
        assert!(sources.get(file).released.is_none());
        let shown = crate::diag::render(std::slice::from_ref(&w), &sources, false);
        assert!(shown.contains("Zebulon Quackenbush was there."), "{shown}");
        // A file that changed after the build read it: no snippet, a note.
        let fp = crate::diag::Fingerprint::of(text.as_bytes());
        sources.release(file, fp);
        std::fs::write(&first, "changed").expect("write");
        restore_for(&mut report.warnings, &mut sources);
        let w = report
            .warnings
            .iter()
            .find(|d| d.message.contains("Quackenbush"))
            .expect("still reported");
        assert!(
            w.notes.iter().any(|n| n.contains("changed while")),
            "{:?}",
            w.notes
        );
        assert!(sources.get(file).text.is_empty());
    }
}
