//! `glossa theme eject`: the built-in theme's files, to customise.

use std::path::Path;

use super::shown;

pub(super) fn eject(out: &Path, files: &[String]) -> bool {
    match crate::build::eject_theme(out, files) {
        Ok(written) => {
            for p in &written {
                println!("wrote {}", shown(p));
            }
            println!(
                "{} file(s) written; glossa now uses them instead of its built-in ones",
                written.len()
            );
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}
