//! `glossa annotations export|import`: notes as W3C Web Annotations, out and in.

use std::path::PathBuf;

use super::{AnnotationsAction, Printer, count, shown};
use crate::build;
use crate::content::Paths;

pub(super) fn run(paths: &Paths, action: AnnotationsAction, p: &mut Printer) -> bool {
    match action {
        AnnotationsAction::Export { out, base_url } => export(paths, out, base_url, p),
        AnnotationsAction::Import {
            file,
            chapter,
            dry_run,
        } => import(paths, file, chapter, dry_run, p),
    }
}

fn export(paths: &Paths, out: Option<PathBuf>, base_url: Option<String>, p: &mut Printer) -> bool {
    let bytes = match build::export_annotations(paths, base_url.as_deref(), &mut p.sources) {
        Ok((bytes, warnings)) => {
            p.diags(&warnings);
            bytes
        }
        Err(e) => {
            p.failure("export", &e);
            return false;
        }
    };
    match out {
        Some(path) => match crate::output::write_atomic(&path, &bytes) {
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
            std::io::stdout().write_all(&bytes).is_ok()
        }
    }
}

fn import(
    paths: &Paths,
    file: PathBuf,
    chapter: Option<String>,
    dry_run: bool,
    p: &mut Printer,
) -> bool {
    match build::import_annotations(paths, &file, chapter.as_deref(), dry_run, &mut p.sources) {
        Ok(r) => {
            p.diags(&r.diagnostics);
            let verb = if dry_run { "would add" } else { "added" };
            for (path, n) in &r.changed {
                println!(
                    "{verb} {} to {}",
                    count(*n, "annotation", "annotations"),
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
            p.failure("import", &e);
            false
        }
    }
}
