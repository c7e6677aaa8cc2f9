//! Compiles the default theme into the binary: every file under `templates/`
//! and `static/` becomes an entry of `THEME_FILES` (path relative to the
//! repository, bytes), written to `$OUT_DIR/theme_files.rs` and included by
//! `src/theme.rs`. Nothing else is generated here.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
            continue;
        }
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut found = Vec::new();
    for dir in ["templates", "static"] {
        println!("cargo:rerun-if-changed={dir}");
        files(&root.join(dir), &mut found);
    }
    let mut code = String::from(
        "/// The default theme: (path relative to the project, bytes).\npub static THEME_FILES: &[(&str, &[u8])] = &[\n",
    );
    for p in &found {
        let rel = p
            .strip_prefix(&root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        let _ = writeln!(
            code,
            "    ({rel:?}, include_bytes!({:?})),",
            p.display().to_string()
        );
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("theme_files.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
