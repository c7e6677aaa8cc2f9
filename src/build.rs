//! The pipeline: load → annotate → render → output, with a report.
//!
//! Input: a project's [`Paths`] and options. Output: a [`Report`] (pages,
//! files, warnings, stage timings), or a [`BuildError`] that carries every
//! content diagnostic. Content errors stop the build *before* output, so a
//! previous site is never touched by a failed build.
//!
//! Must not parse arguments or print; `cli` does that.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::annotate;
use crate::content::{self, Edition, Paths};
use crate::diag::{Diagnostic, Sources};
use crate::output::{self, OutputError};
use crate::render::{self, Job, TemplateError, Templates};

/// What `glossa build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub paths: Paths,
    pub out: PathBuf,
    /// Overrides `base_url` from `edition.yaml`.
    pub base_url: Option<String>,
    /// Replace a non-empty output folder that glossa did not write.
    pub force: bool,
}

/// Wall time per stage.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Remarks for the build summary (e.g. files skipped for lack of a base URL).
    pub notes: Vec<String>,
    pub load: Duration,
    pub render: Duration,
    pub output: Duration,
}

/// The result of a successful build.
#[derive(Debug)]
pub struct Report {
    /// HTML pages written.
    pub pages: usize,
    /// All files written (pages and static files).
    pub files: usize,
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
    Output(OutputError),
}

impl From<TemplateError> for BuildError {
    fn from(e: TemplateError) -> Self {
        Self::Template(e)
    }
}

impl From<OutputError> for BuildError {
    fn from(e: OutputError) -> Self {
        Self::Output(e)
    }
}

/// Loads and checks the edition: every diagnostic, and the edition if it has no errors.
pub fn check(paths: &Paths, sources: &mut Sources) -> (Option<Edition>, Vec<Diagnostic>) {
    let (edition, mut diags) = content::load(paths, sources);
    if let Some(e) = &edition {
        diags.extend(annotate::check(e, sources));
    }
    sort_diags(&mut diags, sources);
    if diags.iter().any(Diagnostic::is_error) {
        (None, diags)
    } else {
        (edition, diags)
    }
}

/// Orders diagnostics by file, then position (files in registration order).
fn sort_diags(diags: &mut [Diagnostic], _sources: &Sources) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.primary.as_ref().map(|(f, s)| (*f, s.start));
        match (key(a), key(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    });
}

/// Loads, checks and renders the site into memory (minified, static files included).
pub fn render_to_memory(
    paths: &Paths,
    base_url: Option<&str>,
    sources: &mut Sources,
    timings: &mut Timings,
) -> Result<(Vec<Job>, Vec<Diagnostic>), BuildError> {
    let (edition, mut diags) = load_checked(paths, base_url, sources, timings)?;
    match render_edition(&edition, paths, sources, timings) {
        Ok((jobs, mut more)) => {
            diags.append(&mut more);
            sort_diags(&mut diags, sources);
            Ok((jobs, diags))
        }
        Err(BuildError::Content(mut more)) => {
            diags.append(&mut more);
            sort_diags(&mut diags, sources);
            Err(BuildError::Content(diags))
        }
        Err(e) => Err(e),
    }
}

/// Loads the edition and applies the base URL; fails on any error in the files
/// themselves (relations between files are checked when linking, in [`render_edition`]).
pub fn load_checked(
    paths: &Paths,
    base_url: Option<&str>,
    sources: &mut Sources,
    timings: &mut Timings,
) -> Result<(Edition, Vec<Diagnostic>), BuildError> {
    let t = Instant::now();
    let (edition, mut diags) = content::load(paths, sources);
    let Some(mut edition) = edition.filter(|_| !diags.iter().any(Diagnostic::is_error)) else {
        sort_diags(&mut diags, sources);
        return Err(BuildError::Content(diags));
    };
    if let Some(url) = base_url {
        edition.config.base_url = Some(url.to_string());
    }
    timings.load = t.elapsed();
    Ok((edition, diags))
}

/// Links and renders a loaded edition (templates are read afresh; content files
/// are not read again). Returns the jobs and the linking warnings. Used by
/// `build` and by `serve` when only templates changed.
pub fn render_edition(
    edition: &Edition,
    paths: &Paths,
    sources: &Sources,
    timings: &mut Timings,
) -> Result<(Vec<Job>, Vec<Diagnostic>), BuildError> {
    let t = Instant::now();
    let (linked, diags) = annotate::link(edition, sources);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(BuildError::Content(diags));
    }
    let mut templates = Templates::load(&paths.templates)?;
    let generator = concat!("glossa ", env!("CARGO_PKG_VERSION"));
    let (mut jobs, notes) = render::render_site(&linked, &mut templates, generator)?;
    timings.notes = notes;
    output::minify(&mut jobs);
    jobs.extend(output::collect_static(&paths.static_dir)?);
    timings.render = t.elapsed();
    Ok((jobs, diags))
}

/// Builds the site into `opts.out`.
pub fn build(opts: &BuildOptions, sources: &mut Sources) -> Result<Report, BuildError> {
    let start = Instant::now();
    output::check_out_dir(&opts.out, &opts.paths, opts.force)?;
    let mut timings = Timings::default();
    let (jobs, warnings) =
        render_to_memory(&opts.paths, opts.base_url.as_deref(), sources, &mut timings)?;
    let t = Instant::now();
    output::write_site(&opts.out, &jobs)?;
    timings.output = t.elapsed();
    Ok(Report {
        pages: jobs.iter().filter(|j| j.is_html()).count(),
        files: jobs.len(),
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
}

/// The result of an import.
#[derive(Debug)]
pub struct ImportReport {
    pub written: Vec<PathBuf>,
    pub dropped: Vec<crate::import::Dropped>,
    pub plan: Option<PathBuf>,
    pub chapters: usize,
    pub paragraphs: usize,
}

/// Why an import failed.
#[derive(Debug)]
pub enum ImportError {
    Content(Vec<Diagnostic>),
    Output(OutputError),
}

/// The plan file conventionally paired with a seed: `NAME.txt` → `NAME.plan.yaml`.
pub fn default_plan_path(seed: &std::path::Path) -> PathBuf {
    let stem = seed
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    seed.with_file_name(format!("{stem}.plan.yaml"))
}

/// Reads a seed (and its plan), converts it, and writes the content files.
pub fn import(opts: &ImportOptions, sources: &mut Sources) -> Result<ImportReport, ImportError> {
    use crate::content::load::read_source;
    use crate::import::{Plan, PlanInput};

    let (_, seed_text) =
        read_source(&opts.paths, &opts.seed, sources).map_err(|d| ImportError::Content(vec![d]))?;
    let plan_path = opts.plan.clone().or_else(|| {
        let p = default_plan_path(&opts.seed);
        p.is_file().then_some(p)
    });
    let plan = match &plan_path {
        Some(p) => {
            let (file, text) =
                read_source(&opts.paths, p, sources).map_err(|d| ImportError::Content(vec![d]))?;
            let plan = Plan::parse(file, &text).map_err(|d| ImportError::Content(vec![d]))?;
            Some((plan, file, text))
        }
        None => None,
    };
    let seed_name = opts
        .seed
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let imported = crate::import::import(
        &seed_text,
        &seed_name,
        plan.as_ref().map(|(plan, file, text)| PlanInput {
            plan,
            file: *file,
            text,
        }),
    )
    .map_err(ImportError::Content)?;
    let written = output::write_new_files(&opts.out, &imported.files, opts.force)
        .map_err(ImportError::Output)?;
    Ok(ImportReport {
        written,
        dropped: imported.dropped,
        plan: plan_path,
        chapters: imported.chapters,
        paragraphs: imported.paragraphs,
    })
}
