//! The synthetic benchmark corpus: valid, deterministic, realistic in size.

mod common;

use common::{glossa, snapshot_dir};

#[test]
fn bench_corpus_checks_with_zero_diagnostics_and_builds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    let repo = common::repo();
    glossa(&repo)
        .args(["bench-corpus", "--chapters", "3", "--out"])
        .arg(&root)
        .assert()
        .success();
    let o = glossa(&root).arg("check").output().unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{out}{err}");
    assert!(err.trim().is_empty(), "diagnostics: {err}");
    assert!(
        out.contains("3 chapters, 60 annotations, 0 errors"),
        "{out}"
    );
    // Sizes as documented: ~3,000 CJK characters per chapter, 60 profiles.
    let chapter = std::fs::read_to_string(root.join("content/chapters/00001-s00001.md")).unwrap();
    let body = chapter.splitn(3, "---\n").nth(2).unwrap();
    let cjk = body
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count();
    assert!((2_700..3_600).contains(&cjk), "{cjk} CJK characters");
    for needle in ["**", "](https://", "\n> ", "[^1]", "```python"] {
        assert!(chapter.contains(needle), "no {needle} in the chapter");
    }
    let count = |d: &str| {
        std::fs::read_dir(root.join("content").join(d))
            .unwrap()
            .count()
    };
    assert_eq!(count("companies") + count("people"), 60);

    let site = root.join("public");
    glossa(&root)
        .arg("build")
        .arg("--out")
        .arg(&site)
        .assert()
        .success();
    assert!(
        common::broken_links(&site).is_empty(),
        "{:?}",
        common::broken_links(&site)
    );

    // Deterministic: the same seed writes the same files; a corpus folder is replaced.
    let first = snapshot_dir(&root.join("content"));
    glossa(&repo)
        .args(["bench-corpus", "--chapters", "3", "--out"])
        .arg(&root)
        .assert()
        .success();
    assert_eq!(snapshot_dir(&root.join("content")), first);
}

#[test]
fn bench_corpus_never_replaces_a_folder_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    glossa(&common::repo())
        .args(["bench-corpus", "--chapters", "1", "--out"])
        .arg(dir.path())
        .assert()
        .failure();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
        "mine"
    );
}

/// A large edition's annotations list is split into pages of whole chapters,
/// each note on exactly one page, the pages linked to each other.
#[test]
fn the_annotations_list_is_paginated_for_large_editions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    glossa(&common::repo())
        .args(["bench-corpus", "--chapters", "60", "--out"])
        .arg(&root)
        .assert()
        .success();
    let site = root.join("public");
    glossa(&root)
        .arg("build")
        .arg("--out")
        .arg(&site)
        .assert()
        .success();
    let pages = [
        site.join("annotations/index.html"),
        site.join("annotations/2/index.html"),
        site.join("annotations/3/index.html"),
    ];
    assert!(!site.join("annotations/4").exists());
    let entry = scraper::Selector::parse(".annotation-list li.entry").unwrap();
    let nav = scraper::Selector::parse("nav.pages a, nav.pages [aria-current]").unwrap();
    let mut ids = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        let doc = scraper::Html::parse_document(&std::fs::read_to_string(p).unwrap());
        let n = doc.select(&entry).count();
        assert!(n > 0 && n <= 500, "page {}: {n} notes", i + 1);
        ids.extend(
            doc.select(&entry)
                .map(|e| e.value().id().unwrap().to_string()),
        );
        let links: Vec<String> = doc.select(&nav).map(|a| a.text().collect()).collect();
        assert_eq!(links, ["1", "2", "3"], "page {}", i + 1);
    }
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "a note on two pages");
    assert_eq!(count, 60 * 20, "every note on some page");
    assert!(
        common::broken_links(&site).is_empty(),
        "{:?}",
        common::broken_links(&site)
    );
}
