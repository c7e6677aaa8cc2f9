//! `glossa new`: a correctly shaped chapter or profile file, never over an existing one.

use super::NewKind;
use crate::build;
use crate::content::Paths;
use crate::scaffold::Kind;

pub(super) fn run(paths: &Paths, kind: NewKind, id: &str, title: Option<&str>) -> bool {
    let kind = match kind {
        NewKind::Chapter => Kind::Chapter,
        NewKind::Company => Kind::Company,
        NewKind::Person => Kind::Person,
    };
    match build::new_file(paths, kind, id, title) {
        Ok(written) => {
            for p in written {
                println!("wrote {}", p.display());
            }
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}
