//! Nothing of one edition, and no text in one language, in the engine: CJK
//! characters appear in `src/` only in the language packs, the seed-import
//! rules for Chinese sources, the benchmark corpus generator, and tests.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// CJK ideographs, kana, CJK punctuation and full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}' | '\u{3000}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FFEF}')
}

/// Where text in a language may live.
fn allowed(rel: &Path) -> bool {
    let s = rel.to_string_lossy().replace('\\', "/");
    s.starts_with("src/i18n/")
        || s == "src/seed/chrome.rs"
        || s == "src/seed/text.rs"
        || s == "src/corpus.rs"
}

/// The code of a file: without its `#[cfg(test)]` module (tests come last)
/// and without comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_cjk_text_outside_the_language_packs_and_import_rules() {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(repo().join("src")) {
        let entry = entry.unwrap();
        let path = entry.path();
        if !entry.file_type().is_file() || path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let rel = path.strip_prefix(repo()).unwrap();
        if allowed(rel) {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        for (n, line) in code(&text).lines().enumerate() {
            if line.chars().any(is_cjk) {
                found.push(format!("{}:{}: {}", rel.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "text in one language in the engine:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_built_in_theme_has_no_text_of_its_own() {
    // Templates and scripts take every word from the language pack.
    let mut found = Vec::new();
    for dir in ["templates", "static"] {
        for entry in walkdir::WalkDir::new(repo().join(dir)) {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            for (n, line) in text.lines().enumerate() {
                if line.chars().any(is_cjk) {
                    found.push(format!(
                        "{}:{}: {}",
                        entry.path().display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_checker_sees_code_not_tests_or_comments() {
    assert!(code("let a = \"中\"; // 注释\n#[cfg(test)]\nmod t { \"文\" }").contains('中'));
    assert!(!code("let a = 1; // 注释\n").chars().any(is_cjk));
    assert!(
        !code("x\n#[cfg(test)]\nmod t { \"文\" }")
            .chars()
            .any(is_cjk)
    );
}
