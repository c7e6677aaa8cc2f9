//! The catalogue of diagnostic codes (`src/diag/codes.rs`) against the
//! sources and `docs/diagnostics.md`: every code is reported somewhere, every
//! code is documented with an example, and the documentation names no code
//! that does not exist.

use std::path::PathBuf;

use glossa::diag::Code;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `src/`, with its text.
fn sources() -> Vec<(PathBuf, String)> {
    walkdir::WalkDir::new(repo().join("src"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| {
            let text = std::fs::read_to_string(e.path()).unwrap();
            (e.into_path(), text)
        })
        .collect()
}

#[test]
fn every_code_is_reported_somewhere() {
    let src = sources();
    let unused: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| {
            let needle = format!("Code::{}", c.variant());
            !src.iter().any(|(path, text)| {
                // The catalogue's own list does not count; its shared
                // constructors do (they are used elsewhere).
                let text = if path.ends_with("diag/codes.rs") {
                    text.split("codes! {")
                        .nth(1)
                        .and_then(|t| t.split_once("\n}\n"))
                        .map_or("", |(_, rest)| rest)
                } else {
                    text.as_str()
                };
                text.contains(&needle)
            })
        })
        .map(|c| c.as_str())
        .collect();
    assert!(unused.is_empty(), "codes that nothing reports: {unused:?}");
}

#[test]
fn every_code_is_documented_with_an_example() {
    let doc = std::fs::read_to_string(repo().join("docs/diagnostics.md")).unwrap();
    for c in Code::ALL {
        let heading = format!("### `{}`", c.as_str());
        let at = doc
            .find(&heading)
            .unwrap_or_else(|| panic!("docs/diagnostics.md has no section {heading}"));
        let section = &doc[at..];
        let section = &section[..section[3..].find("\n##").map_or(section.len(), |e| e + 3)];
        let severity = match c.severity() {
            glossa::diag::Severity::Error => "error",
            glossa::diag::Severity::Warning => "warning",
        };
        assert!(
            section.contains(&format!("{severity} — {}", c.meaning())),
            "{heading}: severity and meaning as in the catalogue"
        );
        assert!(
            section.contains(&format!("{severity}[{}]: ", c.as_str())),
            "{heading}: an example of the diagnostic"
        );
    }
    let documented: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("### `")?.strip_suffix('`'))
        .collect();
    let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    for d in &documented {
        assert!(
            known.contains(d),
            "docs/diagnostics.md describes `{d}`, which is not a code"
        );
    }
    assert_eq!(documented.len(), known.len());
}

#[test]
fn code_names_are_unique_and_kebab_case() {
    let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert!(names.iter().all(|n| {
        n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }));
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "a code name is used twice");
}
