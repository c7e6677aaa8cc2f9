//! `glossa build`: options → `build::build` → the summary, notes and timings.

use super::{BuildArgs, Printer, shown};
use crate::build::{self, BuildOptions};
use crate::content::Paths;

pub(super) fn run(paths: Paths, args: BuildArgs, p: &mut Printer) -> bool {
    let opts = BuildOptions {
        out: args.out.unwrap_or_else(|| paths.root.join("public")),
        paths,
        base_url: args.base_url,
        force: args.force,
        minify: args.minify,
        warnings_per_code: Some(super::SHOWN_PER_CODE),
    };
    match build::build(&opts, &mut p.sources) {
        Ok(r) => {
            // "Not annotated yet" is news to nobody building a new edition:
            // `check` says it (and `--all-warnings` here).
            let warnings: Vec<_> = r
                .warnings
                .iter()
                .filter(|d| args.all_warnings || d.code != crate::diag::Code::NoAnnotations)
                .cloned()
                .collect();
            p.diags(&warnings);
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
            if args.timings {
                let memory = &r.timings.stages.memory;
                for (name, d) in &r.timings.stages.laps {
                    let ms = d.as_secs_f64() * 1000.0;
                    match memory.iter().find(|m| m.0 == *name) {
                        Some((_, rss, peak)) => println!(
                            "{ms:>9.2} ms  {name:<44} resident {:>6} MB, peak {:>6} MB",
                            rss / 1024,
                            peak / 1024
                        ),
                        None => println!("{ms:>9.2} ms  {name}"),
                    }
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
