//! Command-line interface: arguments → a pipeline call → printed result and exit code.
//!
//! Input: `std::env::args`. Output: messages on stdout/stderr and an exit code:
//! 0 success (warnings allowed), 1 errors in content or environment, 2 usage
//! errors (from clap). One module per command; each calls one library entry
//! point and prints what it returns. Must not contain pipeline logic.

mod annotations;
mod build;
mod check;
mod corpus;
mod import;
mod init;
mod new;
mod schema;
mod serve;
mod theme;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::build::BuildError;
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

/// `glossa build`'s options.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
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
    /// Also print warnings that only say a chapter is not annotated yet.
    #[arg(long)]
    all_warnings: bool,
}

#[derive(Debug, Subcommand)]
pub enum ThemeAction {
    /// Write the built-in templates and static files (all, or the named ones)
    /// into templates/ and static/, to customise them; never overwrites.
    Eject {
        /// The project folder to write into [default: ROOT].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Files to eject, e.g. `chapter.html`, `style.css` [default: all].
        files: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a new edition: example content, schemas, .gitignore, README.
    Init {
        /// The folder to create the project in [default: ROOT].
        dir: Option<PathBuf>,
        /// The edition's language (BCP 47): zh-CN, zh-TW, en, ja …
        #[arg(long, default_value = "en", value_name = "TAG")]
        language: String,
        /// The edition's title [default: the language pack's example title].
        #[arg(long)]
        title: Option<String>,
        /// Start in a folder that is not empty (no file is ever overwritten).
        #[arg(long)]
        force: bool,
        /// Also write the built-in theme into templates/ and static/.
        #[arg(long)]
        eject_theme: bool,
    },
    /// The built-in theme.
    Theme {
        #[command(subcommand)]
        action: ThemeAction,
    },
    /// Convert a source (an article's text, or a saved web page) into content files.
    Import {
        /// The seed: a text file (UTF-8, GB18030 or Big5) or a saved .html page.
        seed: PathBuf,
        /// The import plan [default: SEED.plan.yaml next to the seed, if it exists].
        #[arg(long, value_name = "PLAN")]
        plan: Option<PathBuf>,
        /// Content folder to write [default: ROOT/content].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Replace the content of an earlier import (annotations are carried
        /// over, hand-set edition.yaml values kept, numbered backups made).
        #[arg(long)]
        force: bool,
        /// Print how every line is classified, and what would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the plan glossa infers to PLAN (to correct and pass to --plan); no content is written.
        #[arg(long, value_name = "PLAN")]
        plan_out: Option<PathBuf>,
    },
    /// Build the site.
    Build(BuildArgs),
    /// Serve the edition locally with live reload (builds into memory, never into public/).
    Serve(serve::Flags),
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
    /// Write a synthetic edition for benchmarks (a whole project; it uses the built-in theme).
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
        /// The same chapters with only a title and an order: no annotations,
        /// no profiles (what other generators can build; scripts/bench-peers).
        #[arg(long)]
        plain: bool,
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
    let mut out = Printer {
        sources: Sources::new(),
        color,
    };
    let ok = match cli.command {
        Command::Import {
            seed,
            plan,
            out: dir,
            force,
            dry_run,
            plan_out,
        } => {
            let opts = crate::build::ImportOptions {
                out: dir.unwrap_or_else(|| paths.content.clone()),
                paths,
                seed,
                plan,
                force,
                dry_run,
                plan_out,
            };
            import::run(&opts, &mut out)
        }
        Command::Build(args) => build::run(paths, args, &mut out),
        Command::Serve(flags) => serve::run(paths, flags),
        Command::New { kind, id, title } => new::run(&paths, kind, &id, title.as_deref()),
        Command::Annotations { action } => annotations::run(&paths, action, &mut out),
        Command::BenchCorpus {
            chapters,
            out: dir,
            seed,
            plain,
        } => corpus::run(chapters, &dir, seed, plain),
        Command::Schema { out: dir } => {
            schema::run(&dir.unwrap_or_else(|| paths.root.join("schemas")))
        }
        Command::Check { format, coverage } => check::run(&paths, format, coverage, &mut out),
        Command::Init {
            dir,
            language,
            title,
            force,
            eject_theme,
        } => init::run(crate::build::InitOptions {
            dir: dir.unwrap_or_else(|| paths.root.clone()),
            language,
            title,
            force,
            eject_theme,
        }),
        Command::Theme {
            action: ThemeAction::Eject { out, files },
        } => theme::eject(&out.unwrap_or_else(|| paths.root.clone()), &files),
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Where a command prints diagnostics: the files they point into, and colour.
pub(crate) struct Printer {
    pub sources: Sources,
    pub color: bool,
}

/// Diagnostics of one code shown in full before the rest are counted.
pub(crate) const SHOWN_PER_CODE: usize = 5;

impl Printer {
    /// Prints diagnostics (with snippets) on stderr: every error, and of each
    /// kind of warning the first few, then how many more there are (a new
    /// edition of 10,000 unannotated chapters must not print 10,000 warnings).
    pub fn diags(&self, diags: &[Diagnostic]) {
        let (shown, more) = summarise(diags, SHOWN_PER_CODE);
        if !shown.is_empty() {
            eprint!("{}", diag::render(&shown, &self.sources, self.color));
        }
        for (code, n) in more {
            eprintln!(
                "… and {n} more {code} warning{}; glossa check --format json lists them all",
                if n == 1 { "" } else { "s" }
            );
        }
    }

    /// Prints why a pipeline call failed: the diagnostics and `what failed:
    /// summary`, or the environment error.
    pub fn failure(&self, what: &str, e: &BuildError) {
        self.diags(e.diagnostics());
        match e {
            BuildError::Content(_) => eprintln!("{what} failed: {e}"),
            _ => eprintln!("error: {e}"),
        }
    }
}

/// Every error and the first `keep` warnings of each code, in order; and per
/// code (in first-seen order), how many warnings were left out.
fn summarise(diags: &[Diagnostic], keep: usize) -> (Vec<Diagnostic>, Vec<(&'static str, usize)>) {
    let mut seen: Vec<(&'static str, usize)> = Vec::new();
    let mut shown = Vec::new();
    for d in diags {
        if d.is_error() {
            shown.push(d.clone());
            continue;
        }
        let code = d.code.as_str();
        let k = match seen.iter().position(|(c, _)| *c == code) {
            Some(k) => k,
            None => {
                seen.push((code, 0));
                seen.len() - 1
            }
        };
        seen[k].1 += 1;
        if seen[k].1 <= keep {
            shown.push(d.clone());
        }
        // Those a bounded build left out after it (`diag::bound`).
        seen[k].1 += d.omitted;
    }
    let more = seen
        .into_iter()
        .filter(|(_, n)| *n > keep)
        .map(|(c, n)| (c, n - keep))
        .collect();
    (shown, more)
}

/// A path as shown to the user.
pub(crate) fn shown(p: &Path) -> String {
    p.display().to_string()
}

/// `1 chapter`, `2 chapters`: a count with the noun in the right number.
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use crate::diag::{Code, Diagnostic};

    #[test]
    fn repeated_warnings_are_summarised_errors_never() {
        let mut diags = Vec::new();
        for i in 0..12 {
            diags.push(Diagnostic::new(Code::NoAnnotations, format!("w{i}")));
            if i % 4 == 0 {
                diags.push(Diagnostic::new(Code::QuoteNotFound, format!("e{i}")));
                diags.push(Diagnostic::new(Code::EmptyNote, format!("n{i}")));
            }
        }
        let (shown, more) = super::summarise(&diags, 5);
        assert_eq!(shown.iter().filter(|d| d.is_error()).count(), 3);
        assert_eq!(
            shown
                .iter()
                .filter(|d| d.code == Code::NoAnnotations)
                .count(),
            5
        );
        assert_eq!(
            shown.iter().filter(|d| d.code == Code::EmptyNote).count(),
            3
        );
        assert_eq!(more, vec![("no-annotations", 7)]);
    }

    #[test]
    fn a_bounded_list_is_summarised_as_the_whole_list_is() {
        let mut sources = crate::diag::Sources::new();
        let file = sources.add(std::path::Path::new("a.md"), "a.md".into(), "x".into());
        let mut all = Vec::new();
        for i in 0..40 {
            let code = if i % 3 == 0 {
                Code::UnprofiledName
            } else {
                Code::NoAnnotations
            };
            all.push(Diagnostic::new(code, format!("w{i}")).at(file, i..i));
            if i % 10 == 0 {
                all.push(Diagnostic::new(Code::QuoteNotFound, format!("e{i}")));
            }
        }
        let mut bounded = all.clone();
        crate::diag::bound(&mut bounded, super::SHOWN_PER_CODE);
        assert!(bounded.len() < all.len());
        crate::diag::sort(&mut all);
        let text = |(shown, more): (Vec<Diagnostic>, Vec<(&str, usize)>)| {
            let shown: Vec<String> = shown.iter().map(|d| d.message.clone()).collect();
            (
                shown,
                more.into_iter()
                    .map(|(c, n)| (c.to_string(), n))
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            text(super::summarise(&bounded, super::SHOWN_PER_CODE)),
            text(super::summarise(&all, super::SHOWN_PER_CODE))
        );
    }

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(super::count(1, "chapter", "chapters"), "1 chapter");
        assert_eq!(super::count(0, "chapter", "chapters"), "0 chapters");
        assert_eq!(super::count(24, "paragraph", "paragraphs"), "24 paragraphs");
    }
}
