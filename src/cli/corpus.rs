//! `glossa bench-corpus`: a synthetic edition for benchmarks, as a whole project.

use std::path::Path;

use super::shown;

pub(super) fn run(chapters: usize, out: &Path, seed: u64, plain: bool) -> bool {
    let t = std::time::Instant::now();
    match crate::build::write_bench_corpus(chapters, out, seed, plain) {
        Ok(files) => {
            println!(
                "wrote {files} content files ({chapters} chapters) into {} in {} ms",
                shown(out),
                t.elapsed().as_millis()
            );
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}
