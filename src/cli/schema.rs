//! `glossa schema`: the JSON Schemas of the front matter, into a folder.

use std::path::Path;

use super::shown;

pub(super) fn run(dir: &Path) -> bool {
    match crate::build::write_schemas(dir) {
        Ok(files) => {
            for (path, changed) in files {
                let verb = if changed { "wrote" } else { "unchanged" };
                println!("{verb} {}", shown(&path));
            }
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}
