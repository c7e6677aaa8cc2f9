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
mod new;
mod schema;
mod serve;

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
        } => import::run(paths, seed, plan, dir, force, &mut out),
        Command::Build {
            out: dir,
            base_url,
            force,
            timings,
            minify,
        } => build::run(paths, dir, base_url, force, minify, timings, &mut out),
        Command::Serve {
            port,
            bind,
            open,
            poll,
        } => serve::run(paths, port, bind, open, poll),
        Command::New { kind, id, title } => new::run(&paths, kind, &id, title.as_deref()),
        Command::Annotations { action } => annotations::run(&paths, action, &mut out),
        Command::BenchCorpus {
            chapters,
            out: dir,
            seed,
        } => corpus::run(&paths, chapters, &dir, seed),
        Command::Schema { out: dir } => {
            schema::run(&dir.unwrap_or_else(|| paths.root.join("schemas")))
        }
        Command::Check { format, coverage } => check::run(&paths, format, coverage, &mut out),
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

impl Printer {
    /// Prints diagnostics (with snippets) on stderr.
    pub fn diags(&self, diags: &[Diagnostic]) {
        if !diags.is_empty() {
            eprint!("{}", diag::render(diags, &self.sources, self.color));
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
    #[test]
    fn counts_agree_in_number() {
        assert_eq!(super::count(1, "chapter", "chapters"), "1 chapter");
        assert_eq!(super::count(0, "chapter", "chapters"), "0 chapters");
        assert_eq!(super::count(24, "paragraph", "paragraphs"), "24 paragraphs");
    }
}
