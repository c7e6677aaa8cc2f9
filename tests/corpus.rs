//! The synthetic benchmark corpus: valid, deterministic, realistic in size.

mod common;

use std::path::{Path, PathBuf};

use common::{glossa, snapshot_dir};

/// Writes a corpus of `chapters` chapters into `dir/corpus`; returns its root.
fn corpus(dir: &Path, chapters: usize) -> PathBuf {
    let root = dir.join("corpus");
    glossa(&common::repo())
        .args(["bench-corpus", "--chapters", &chapters.to_string(), "--out"])
        .arg(&root)
        .assert()
        .success();
    root
}

/// Builds the project at `root` into `root/public`; returns the site folder.
fn build(root: &Path) -> PathBuf {
    let site = root.join("public");
    glossa(root)
        .arg("build")
        .arg("--out")
        .arg(&site)
        .assert()
        .success();
    site
}

#[test]
fn bench_corpus_checks_with_zero_diagnostics_and_builds() {
    let dir = tempfile::tempdir().unwrap();
    let root = corpus(dir.path(), 3);
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

    let site = build(&root);
    assert!(
        common::broken_links(&site).is_empty(),
        "{:?}",
        common::broken_links(&site)
    );

    // Deterministic: the same seed writes the same files; a corpus folder is replaced.
    let first = snapshot_dir(&root.join("content"));
    assert_eq!(corpus(dir.path(), 3), root);
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

/// A large edition's lists are split into pages: the annotations list by whole
/// chapters, the timeline every 500 events, a profile's mentions every 200;
/// each item on exactly one page, in order, the pages linked to each other.
#[test]
fn long_lists_are_paginated_for_large_editions() {
    let dir = tempfile::tempdir().unwrap();
    let root = corpus(dir.path(), 200);
    let site = build(&root);
    let nav = scraper::Selector::parse("nav.pages a, nav.pages [aria-current]").unwrap();
    // Items of every page of a list, checking the page links on the way.
    let list = |name: &str, pages: usize, item: &str| -> Vec<String> {
        let item = scraper::Selector::parse(item).unwrap();
        let mut out = Vec::new();
        for k in 1..=pages {
            let path = if k == 1 {
                site.join(name).join("index.html")
            } else {
                site.join(name).join(k.to_string()).join("index.html")
            };
            let doc = scraper::Html::parse_document(&std::fs::read_to_string(&path).unwrap());
            let n = doc.select(&item).count();
            assert!(n > 0 && n <= 500, "{name} page {k}: {n} items");
            out.extend(doc.select(&item).map(|e| e.html()));
            let links: Vec<String> = doc.select(&nav).map(|a| a.text().collect()).collect();
            let want: Vec<String> = (1..=pages).map(|n| n.to_string()).collect();
            assert_eq!(links, want, "{name} page {k}");
        }
        assert!(
            !site.join(name).join((pages + 1).to_string()).exists(),
            "{name}: too many pages"
        );
        out
    };
    // The Web Annotation export is written in parts (64 chapters each): the
    // file is still one valid collection, the same as `annotations export`.
    let jsonld = std::fs::read(site.join("annotations.jsonld")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&jsonld).expect("one JSON document");
    let items = v["first"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 200 * 20);
    assert_eq!(v["total"], 200 * 20);
    let mut item_ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    item_ids.sort_unstable();
    item_ids.dedup();
    assert_eq!(item_ids.len(), 200 * 20, "every note once");
    let exported = dir.path().join("export.jsonld");
    let o = glossa(&root)
        .args(["annotations", "export", "--out"])
        .arg(&exported)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&exported).unwrap(), jsonld);

    let notes = list("annotations", 8, ".annotation-list li.entry");
    let mut ids = notes.clone();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200 * 20, "every note on exactly one page");
    let events = list("timeline", 3, ".timeline .event time");
    // Every chapter names every profile (72 mentions over 60 profiles a chapter).
    let mentions = list("companies/c01", 2, "section.mentions li");
    let count: usize = std::fs::read_to_string(site.join("companies/c01/index.html"))
        .unwrap()
        .split("class=count>")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("mention count on the profile");
    assert_eq!(mentions.len(), count, "every mention on exactly one page");
    let second = std::fs::read_to_string(site.join("companies/c01/2/index.html")).unwrap();
    assert!(
        second.contains("<ol start=201>") || second.contains("<ol start=\"201\">"),
        "numbering continues"
    );
    let dates: Vec<(u32, u32, u32)> = events
        .iter()
        .map(|t| {
            let d = t
                .split("datetime=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let mut p = d.split('-').map(|x| x.parse::<u32>().unwrap());
            (
                p.next().unwrap(),
                p.next().unwrap_or(0),
                p.next().unwrap_or(0),
            )
        })
        .collect();
    assert!(dates.is_sorted(), "chronological across pages");
    assert!(
        common::broken_links(&site).is_empty(),
        "{:?}",
        common::broken_links(&site)
    );
}

#[test]
fn the_plain_corpus_is_the_same_chapters_without_notes_or_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let full = corpus(&dir.path().join("full"), 3);
    let plain = dir.path().join("plain");
    glossa(dir.path())
        .args(["bench-corpus", "--plain", "--chapters", "3", "--out"])
        .arg(&plain)
        .assert()
        .success();
    let body = |root: &Path| -> Vec<String> {
        snapshot_dir(&root.join("content/chapters"))
            .values()
            .map(|b| {
                let t = String::from_utf8(b.clone()).unwrap();
                let split = glossa::content::frontmatter::split(&t).unwrap();
                t[split.body].to_string()
            })
            .collect()
    };
    assert_eq!(body(&plain), body(&full), "the same chapter text");
    assert!(!plain.join("content/companies").exists() && !plain.join("content/people").exists());
    let chapters: String = snapshot_dir(&plain.join("content/chapters"))
        .values()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(!chapters.contains("annotations:"), "no notes");
    let site = build(&plain);
    assert!(site.join("chapters/s00003/index.html").is_file());
}
