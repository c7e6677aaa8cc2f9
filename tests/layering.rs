//! The layering rule of `src/lib.rs`: modules are declared in pipeline order,
//! and a module may use only the modules declared above it. One crate cannot
//! get this from the compiler (as Zola and mdBook do from separate crates), so
//! this test reads the sources and fails on any `crate::X` that goes up.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The top-level modules in the order `lib.rs` declares them.
fn declared_order() -> Vec<String> {
    let lib = std::fs::read_to_string(repo().join("src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect()
}

/// Every `.rs` file of a top-level module.
fn files_of(module: &str) -> Vec<PathBuf> {
    let single = repo().join("src").join(format!("{module}.rs"));
    if single.is_file() {
        return vec![single];
    }
    let mut out = Vec::new();
    let mut stack = vec![repo().join("src").join(module)];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The top-level modules a source text names as `crate::X` (in `use`
/// declarations and in paths), with the line they are on.
fn uses(text: &str, modules: &[String]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if modules.contains(&name) {
                out.push((name, n + 1));
            }
        }
        // `use crate::{a, b::c}` lists.
        if let Some(i) = code.find("crate::{") {
            let list = &code[i + "crate::{".len()..];
            for part in list.split([',', '}']) {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if modules.contains(&name) {
                    out.push((name, n + 1));
                }
            }
        }
    }
    out
}

#[test]
fn modules_use_only_modules_declared_above_them() {
    let order = declared_order();
    assert!(order.len() >= 10, "lib.rs declares {order:?}");
    let mut wrong = Vec::new();
    for (i, module) in order.iter().enumerate() {
        let files = files_of(module);
        assert!(!files.is_empty(), "no source for module {module}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (used, line) in uses(&text, &order) {
                let j = order.iter().position(|m| *m == used).unwrap();
                if j > i {
                    let rel = file.strip_prefix(repo()).unwrap_or(Path::new(""));
                    wrong.push(format!(
                        "{}:{line}: `{module}` uses `{used}`, which lib.rs declares below it",
                        rel.display()
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "layering violations:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_both_forms_of_use() {
    let modules: Vec<String> = ["diag", "render", "output"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let found = uses(
        "use crate::render::Job;\nuse crate::{diag, output::x};\n// crate::render in a comment\nlet x = crate::output::y();",
        &modules,
    );
    let names: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(names, ["render", "diag", "output", "output"]);
}
