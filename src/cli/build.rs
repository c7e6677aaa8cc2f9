//! `glossa build`: options → `build::build` → the summary, notes and timings.

use std::path::PathBuf;

use super::{Printer, shown};
use crate::build::{self, BuildOptions};
use crate::config::Minify;
use crate::content::Paths;

pub(super) fn run(
    paths: Paths,
    out: Option<PathBuf>,
    base_url: Option<String>,
    force: bool,
    minify: Option<Minify>,
    timings: bool,
    p: &mut Printer,
) -> bool {
    let opts = BuildOptions {
        out: out.unwrap_or_else(|| paths.root.join("public")),
        paths,
        base_url,
        force,
        minify,
    };
    match build::build(&opts, &mut p.sources) {
        Ok(r) => {
            p.diags(&r.warnings);
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
            p.diags(e.diagnostics());
            match e {
                build::BuildError::Content(_) => {
                    eprintln!("build failed: {e}; nothing was written")
                }
                _ => eprintln!("error: {e}"),
            }
            false
        }
    }
}
