//! `glossa check`: every diagnostic (human or JSON), and the coverage table.

use super::{Format, Printer};
use crate::build::{self, BuildError, CheckReport};
use crate::content::Paths;
use crate::diag::{self, Code, Diagnostic};

pub(super) fn run(paths: &Paths, format: Format, coverage: bool, p: &mut Printer) -> bool {
    let result = build::check(paths, &mut p.sources);
    if let Format::Json = format {
        let diags = match &result {
            Ok(r) => {
                let mut d = r.warnings.clone();
                if let Some(t) = &r.template_error {
                    d.push(Diagnostic::new(Code::Template, t.to_string()));
                }
                d
            }
            Err(BuildError::Content(d)) => d.clone(),
            Err(e) => vec![Diagnostic::new(Code::Template, e.to_string())],
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&diag::to_json(&diags, &p.sources)).unwrap_or_default()
        );
        return result.is_ok_and(|r| r.template_error.is_none());
    }
    match result {
        Ok(r) => {
            p.diags(&r.warnings);
            if let Some(t) = &r.template_error {
                eprintln!("error: {t}");
                return false;
            }
            println!(
                "ok: {} chapters, {} annotations, {}",
                r.chapters,
                r.annotations,
                diag::summary(&r.warnings)
            );
            if coverage {
                print_coverage(&r);
            }
            true
        }
        Err(e) => {
            p.failure("check", &e);
            false
        }
    }
}

/// The coverage table: per chapter, paragraphs, annotations, paragraphs with
/// at least one note, entities mentioned; then the edition's totals.
fn print_coverage(r: &CheckReport) {
    let row = |name: &str, a: usize, b: usize, c: usize, d: usize| {
        println!("{name:<36} {a:>6} {b:>6} {c:>8} {d:>8}");
    };
    println!(
        "{:<36} {:>6} {:>6} {:>8} {:>8}",
        "chapter", "¶", "notes", "¶ noted", "entities"
    );
    let mut all: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
    for c in &r.coverage {
        let name = format!("{}. {}", c.order, c.slug);
        row(&name, c.paragraphs, c.notes, c.noted, c.entities.len());
        all.extend(&c.entities);
    }
    let sum = |f: fn(&crate::annotate::Coverage) -> usize| r.coverage.iter().map(f).sum();
    row(
        "total",
        sum(|c| c.paragraphs),
        sum(|c| c.notes),
        sum(|c| c.noted),
        all.len(),
    );
}
