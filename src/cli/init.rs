//! `glossa init`: a new project, and what to do next.

use super::shown;
use crate::build::{self, InitOptions};

pub(super) fn run(opts: InitOptions) -> bool {
    match build::init(&opts) {
        Ok(written) => {
            for p in &written {
                println!("wrote {}", shown(p));
            }
            let dir = shown(&opts.dir);
            println!("\nnext: glossa --root {dir} serve   (preview with live reload)");
            println!("      glossa --root {dir} check   (every problem, with file:line:column)");
            println!("      glossa --root {dir} build   (the site, into {dir}/public)");
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}
