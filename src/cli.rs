//! Command-line interface: arguments → a pipeline call → printed result and exit code.
//!
//! Input: `std::env::args`. Output: messages on stdout/stderr and an exit code:
//! 0 success (warnings allowed), 1 errors in content or environment, 2 usage
//! errors (from clap). Must not contain pipeline logic.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::build::{self, BuildError, BuildOptions, ImportError, ImportOptions};
use crate::content::Paths;
use crate::diag::{self, Diagnostic, Sources};

/// glossa — a static-site generator for annotated editions.
#[derive(Debug, Parser)]
#[command(name = "glossa", version, about, long_about = None)]
pub struct Cli {
    /// Project root (the folder with content/, templates/, static/, seeds/).
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
    /// When to colour diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NewKind {
    Chapter,
    Company,
    Person,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// Rendered diagnostics with source snippets, on stderr.
    Human,
    /// One JSON document on stdout (for editors' tooling and CI).
    Json,
}

#[derive(Debug, Subcommand)]
pub enum AnnotationsAction {
    /// Write every annotation as a Web Annotation collection (the build's annotations.jsonld).
    Export {
        /// File to write [default: standard output].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Absolute URL the site is served from (makes ids and targets absolute).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// Add Web Annotations made elsewhere to the chapters' front matter, re-anchored by quote.
    Import {
        /// A JSON-LD file: an AnnotationCollection, AnnotationPage, array or one Annotation.
        file: PathBuf,
        /// The chapter (slug) annotations without a recognisable target go to; others are refused.
        #[arg(long, value_name = "SLUG")]
        chapter: Option<String>,
        /// Report what would change without writing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert a raw seed text into content files (edition.yaml and chapters).
    Import {
        /// The seed text, e.g. seeds/000_126d5811f3c286f1.txt.
        seed: PathBuf,
        /// The import plan [default: SEED.plan.yaml next to the seed, if it exists].
        #[arg(long, value_name = "PLAN")]
        plan: Option<PathBuf>,
        /// Content folder to write [default: ROOT/content].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Overwrite existing content files.
        #[arg(long)]
        force: bool,
    },
    /// Build the site.
    Build {
        /// Output folder [default: ROOT/public]; replaced as a whole.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Absolute URL the site will be served from (for canonical links).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Replace a non-empty output folder that glossa did not write.
        #[arg(long)]
        force: bool,
        /// Print the wall time of each stage.
        #[arg(long)]
        timings: bool,
        /// How to minify (overrides `minify:` in edition.yaml): `templates`
        /// minifies the templates once, `pages` also every page, `none` nothing.
        #[arg(long, value_enum, value_name = "MODE")]
        minify: Option<crate::config::Minify>,
    },
    /// Serve the edition locally with live reload (builds into memory, never into public/).
    Serve {
        /// Port to listen on (the next free one is used if taken; 0 = any free port).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to bind; anything other than loopback exposes the preview to the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the preview in a browser.
        #[arg(long)]
        open: bool,
        /// Poll for changes instead of using file-system notifications.
        #[arg(long)]
        poll: bool,
    },
    /// Create a new chapter, company or person file with the required keys.
    New {
        #[arg(value_enum)]
        kind: NewKind,
        /// Slug of the chapter, or id of the company or person ([a-z0-9-]).
        id: String,
        /// Chapter title, or the name of the company or person.
        #[arg(long)]
        title: Option<String>,
    },
    /// Exchange annotations as W3C Web Annotations (JSON-LD).
    Annotations {
        #[command(subcommand)]
        action: AnnotationsAction,
    },
    /// Write a synthetic edition for benchmarks (a whole project: content, templates, static).
    BenchCorpus {
        /// Number of chapters.
        #[arg(long, default_value_t = 100)]
        chapters: usize,
        /// Folder to write; must be empty, new, or an earlier corpus (which is replaced).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Seed of the generator (same seed, same corpus).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write the JSON Schemas of the front matter (for editors' YAML language servers).
    Schema {
        /// Folder to write into [default: ROOT/schemas].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Check the content and templates without writing anything.
    Check {
        /// Print a coverage table per chapter (paragraphs, notes, entities).
        #[arg(long)]
        coverage: bool,
        /// Output format of the diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

/// Runs the command line; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let paths = Paths::new(&cli.root);
    let mut sources = Sources::new();
    let ok = match cli.command {
        Command::Import {
            seed,
            plan,
            out,
            force,
        } => {
            let opts = ImportOptions {
                out: out.unwrap_or_else(|| paths.content.clone()),
                paths,
                seed,
                plan,
                force,
            };
            run_import(&opts, &mut sources, color)
        }
        Command::Build {
            out,
            base_url,
            force,
            timings,
            minify,
        } => {
            let opts = BuildOptions {
                out: out.unwrap_or_else(|| paths.root.join("public")),
                paths,
                base_url,
                force,
                minify,
            };
            run_build(&opts, &mut sources, color, timings)
        }
        Command::Serve {
            port,
            bind,
            open,
            poll,
        } => run_serve(paths, port, bind, open, poll),
        Command::New { kind, id, title } => run_new(&paths, kind, &id, title.as_deref()),
        Command::Annotations { action } => run_annotations(&paths, action, &mut sources, color),
        Command::BenchCorpus {
            chapters,
            out,
            seed,
        } => run_bench_corpus(&paths, chapters, &out, seed),
        Command::Schema { out } => run_schema(&out.unwrap_or_else(|| paths.root.join("schemas"))),
        Command::Check { format, coverage } => {
            let ok = run_check(&paths, &mut sources, color, format);
            if coverage && ok {
                print_coverage(&paths);
            }
            ok
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_diags(diags: &[Diagnostic], sources: &Sources, color: bool) {
    if !diags.is_empty() {
        eprint!("{}", diag::render(diags, sources, color));
    }
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}

fn run_import(opts: &ImportOptions, sources: &mut Sources, color: bool) -> bool {
    match build::import(opts, sources) {
        Ok(r) => {
            if let Some(p) = &r.plan {
                println!("plan: {}", shown(p));
            }
            for d in &r.dropped {
                let lines = if d.first == d.last {
                    format!("{}", d.first)
                } else {
                    format!("{}–{}", d.first, d.last)
                };
                println!("not in the text: line {lines} ({})", d.reason);
            }
            for p in &r.written {
                println!("wrote {}", shown(p));
            }
            println!(
                "imported {} paragraphs into {} chapters in {}",
                r.paragraphs,
                r.chapters,
                shown(&opts.out)
            );
            true
        }
        Err(ImportError::Content(diags)) => {
            print_diags(&diags, sources, color);
            eprintln!("import failed: {}", diag::summary(&diags));
            false
        }
        Err(ImportError::Output(e)) => {
            eprintln!("error: {e}");
            false
        }
    }
}

fn run_build(opts: &BuildOptions, sources: &mut Sources, color: bool, timings: bool) -> bool {
    match build::build(opts, sources) {
        Ok(r) => {
            print_diags(&r.warnings, sources, color);
            println!(
                "built {} pages ({} files) into {} in {} ms",
                r.pages,
                r.files,
                shown(&opts.out),
                r.elapsed.as_millis()
            );
            for n in &r.timings.notes {
                println!("note: {n}");
            }
            if timings {
                for (name, d) in &r.timings.stages.laps {
                    println!("{:>9.2} ms  {name}", d.as_secs_f64() * 1000.0);
                }
            }
            true
        }
        Err(e) => {
            report_build_error(&e, sources, color);
            false
        }
    }
}

fn report_build_error(e: &BuildError, sources: &Sources, color: bool) {
    match e {
        BuildError::Content(diags) => {
            print_diags(diags, sources, color);
            eprintln!(
                "build failed: {}; nothing was written",
                diag::summary(diags)
            );
        }
        BuildError::Template(t) => eprintln!("error: {t}"),
        BuildError::Output(o) => eprintln!("error: {o}"),
    }
}

fn run_serve(paths: Paths, port: u16, bind: std::net::IpAddr, open: bool, poll: bool) -> bool {
    use crate::serve::{self, ServeOptions, Server};
    if !bind.is_loopback() {
        eprintln!(
            "warning: binding to {bind}: the preview is reachable from other machines on the network"
        );
    }
    let options = ServeOptions {
        paths,
        bind,
        port,
        poll,
        debounce: std::time::Duration::from_millis(30),
    };
    let listener = match serve::bind(&options) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {bind}:{port}: {e}");
            return false;
        }
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let server = Server::new(options);
    let url = format!("http://{addr}/");
    println!("serving the edition at {url} (Ctrl-C to stop)");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    if open {
        let _ = std::process::Command::new("xdg-open").arg(&url).spawn();
    }
    match serve::run(server, listener) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}

fn run_new(paths: &Paths, kind: NewKind, id: &str, title: Option<&str>) -> bool {
    use crate::scaffold::{self, Kind};
    if !crate::content::is_slug(id) {
        eprintln!("error: `{id}` is not a valid id: use lowercase ASCII letters, digits and `-`");
        return false;
    }
    let kind = match kind {
        NewKind::Chapter => Kind::Chapter,
        NewKind::Company => Kind::Company,
        NewKind::Person => Kind::Person,
    };
    // A new chapter goes after the last one.
    let order = std::fs::read_dir(paths.content.join("chapters"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
                .count()
        })
        .unwrap_or(0) as u32
        + 1;
    let (rel, text) = scaffold::file(kind, id, title, order);
    match crate::output::write_new_files(&paths.content, &[(rel, text)], false) {
        Ok(written) => {
            for p in written {
                println!("wrote {}", p.display());
            }
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}

fn run_annotations(
    paths: &Paths,
    action: AnnotationsAction,
    sources: &mut Sources,
    color: bool,
) -> bool {
    match action {
        AnnotationsAction::Export { out, base_url } => {
            let mut timings = build::Timings::default();
            let jobs =
                match build::render_to_memory(paths, base_url.as_deref(), sources, &mut timings) {
                    Ok((jobs, warnings)) => {
                        print_diags(&warnings, sources, color);
                        jobs
                    }
                    Err(e) => {
                        report_build_error(&e, sources, color);
                        return false;
                    }
                };
            let Some(job) = jobs.iter().find(|j| j.path == "annotations.jsonld") else {
                eprintln!("error: the build produced no annotations.jsonld");
                return false;
            };
            match out {
                Some(path) => match crate::output::write_atomic(&path, &job.bytes) {
                    Ok(()) => {
                        eprintln!("wrote {}", shown(&path));
                        true
                    }
                    Err(e) => {
                        eprintln!("error: cannot write {}: {e}", shown(&path));
                        false
                    }
                },
                None => {
                    use std::io::Write as _;
                    std::io::stdout().write_all(&job.bytes).is_ok()
                }
            }
        }
        AnnotationsAction::Import {
            file,
            chapter,
            dry_run,
        } => match build::import_annotations(paths, &file, chapter.as_deref(), dry_run, sources) {
            Ok(r) => {
                print_diags(&r.diagnostics, sources, color);
                let verb = if dry_run { "would add" } else { "added" };
                for (path, n) in &r.changed {
                    println!(
                        "{verb} {n} annotation{} to {}",
                        if *n == 1 { "" } else { "s" },
                        shown(path)
                    );
                }
                let added: usize = r.changed.iter().map(|(_, n)| n).sum();
                let refused = r.diagnostics.iter().filter(|d| d.is_error()).count();
                println!(
                    "{added} {verb}, {} already present, {refused} not imported",
                    r.unchanged
                );
                refused == 0
            }
            Err(e) => {
                report_build_error(&e, sources, color);
                false
            }
        },
    }
}

/// Marker file of a generated corpus: only such a folder is ever replaced.
const CORPUS_MARKER: &str = ".glossa-corpus";

fn run_bench_corpus(paths: &Paths, chapters: usize, out: &Path, seed: u64) -> bool {
    let t = std::time::Instant::now();
    let empty = std::fs::read_dir(out).map_or(true, |mut d| d.next().is_none());
    if !empty && !out.join(CORPUS_MARKER).exists() {
        eprintln!(
            "error: {} is not empty and was not written by bench-corpus; choose a new folder",
            shown(out)
        );
        return false;
    }
    if !empty && let Err(e) = std::fs::remove_dir_all(out) {
        eprintln!("error: cannot replace {}: {e}", shown(out));
        return false;
    }
    let files = crate::corpus::generate(chapters, seed);
    let result = (|| -> std::io::Result<()> {
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
        for dir in ["templates", "static"] {
            for entry in walkdir::WalkDir::new(paths.root.join(dir)) {
                let entry = entry?;
                let rel = entry
                    .path()
                    .strip_prefix(&paths.root)
                    .unwrap_or(entry.path());
                if entry.file_type().is_dir() {
                    std::fs::create_dir_all(out.join(rel))?;
                } else {
                    std::fs::copy(entry.path(), out.join(rel))?;
                }
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            println!(
                "wrote {} content files ({chapters} chapters) into {} in {} ms",
                files.len(),
                shown(out),
                t.elapsed().as_millis()
            );
            true
        }
        Err(e) => {
            eprintln!("error: cannot write the corpus into {}: {e}", shown(out));
            false
        }
    }
}

/// Writes every schema into `dir`; files with the same text are left alone.
fn run_schema(dir: &Path) -> bool {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: cannot create {}: {e}", shown(dir));
        return false;
    }
    for (name, text) in crate::schema::all() {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
            println!("unchanged {}", shown(&path));
            continue;
        }
        if let Err(e) = crate::output::write_atomic(&path, text.as_bytes()) {
            eprintln!("error: cannot write {}: {e}", shown(&path));
            return false;
        }
        println!("wrote {}", shown(&path));
    }
    true
}

/// The coverage table: per chapter, paragraphs, annotations, paragraphs with
/// at least one note, entities mentioned; then the edition's totals.
fn print_coverage(paths: &Paths) {
    let mut sources = Sources::new();
    let (Some(edition), _) = crate::content::load(paths, &mut sources) else {
        return;
    };
    let (linked, _) = crate::annotate::link(&edition, &sources);
    println!(
        "{:<36} {:>6} {:>6} {:>8} {:>8}",
        "chapter", "¶", "notes", "¶ noted", "entities"
    );
    let (mut tp, mut tn, mut tc, mut te) = (0, 0, 0, std::collections::BTreeSet::new());
    for (i, lc) in linked.chapters.iter().enumerate() {
        let paras = lc.doc.paragraphs as usize;
        let noted: std::collections::BTreeSet<u32> =
            lc.notes.iter().filter_map(|n| n.para).collect();
        let ents: std::collections::BTreeSet<usize> =
            linked.mentions_in(i).iter().map(|m| m.entity).collect();
        println!(
            "{:<36} {:>6} {:>6} {:>8} {:>8}",
            format!("{}. {}", lc.chapter.meta.order, lc.chapter.slug),
            paras,
            lc.notes.len(),
            noted.len(),
            ents.len()
        );
        tp += paras;
        tn += lc.notes.len();
        tc += noted.len();
        te.extend(ents);
    }
    println!(
        "{:<36} {:>6} {:>6} {:>8} {:>8}",
        "total",
        tp,
        tn,
        tc,
        te.len()
    );
}

fn run_check(paths: &Paths, sources: &mut Sources, color: bool, format: Format) -> bool {
    let (edition, mut diags) = build::check(paths, sources);
    // With clean content, render in memory too: template errors (a missing
    // template, an undefined variable) surface in `check` as they would in `build`.
    let mut template_error = None;
    if edition.is_some() {
        let mut scratch = Sources::new();
        let mut timings = build::Timings::default();
        match build::render_to_memory(paths, None, &mut scratch, &mut timings) {
            Err(BuildError::Template(t)) => template_error = Some(t.to_string()),
            Err(BuildError::Output(o)) => template_error = Some(o.to_string()),
            _ => {}
        }
    }
    if let Format::Json = format {
        if let Some(t) = &template_error {
            diags.push(Diagnostic::error("template", t.clone()));
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&diag::to_json(&diags, sources)).unwrap_or_default()
        );
        return !diags.iter().any(Diagnostic::is_error);
    }
    print_diags(&diags, sources, color);
    if let Some(t) = template_error {
        eprintln!("error: {t}");
        return false;
    }
    match edition {
        Some(e) => {
            let notes: usize = e.chapters.iter().map(|c| c.meta.annotations.len()).sum();
            println!(
                "ok: {} chapters, {notes} annotations, {}",
                e.chapters.len(),
                diag::summary(&diags)
            );
            true
        }
        None => {
            eprintln!("check failed: {}", diag::summary(&diags));
            false
        }
    }
}
