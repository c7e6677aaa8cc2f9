//! `glossa import`: a seed (and its plan) → content files, and what was left out.

use std::path::PathBuf;

use super::{Printer, count, shown};
use crate::build::{self, ImportOptions};
use crate::content::Paths;

pub(super) fn run(
    paths: Paths,
    seed: PathBuf,
    plan: Option<PathBuf>,
    out: Option<PathBuf>,
    force: bool,
    p: &mut Printer,
) -> bool {
    let opts = ImportOptions {
        out: out.unwrap_or_else(|| paths.content.clone()),
        paths,
        seed,
        plan,
        force,
    };
    match build::import(&opts, &mut p.sources) {
        Ok(r) => {
            if let Some(plan) = &r.plan {
                println!("plan: {}", shown(plan));
            }
            for d in &r.dropped {
                let lines = if d.first == d.last {
                    format!("{}", d.first)
                } else {
                    format!("{}–{}", d.first, d.last)
                };
                println!("not in the text: line {lines} ({})", d.reason);
            }
            for w in &r.written {
                println!("wrote {}", shown(w));
            }
            println!(
                "imported {} into {} in {}",
                count(r.paragraphs, "paragraph", "paragraphs"),
                count(r.chapters, "chapter", "chapters"),
                shown(&opts.out)
            );
            true
        }
        Err(e) => {
            p.failure("import", &e);
            false
        }
    }
}
