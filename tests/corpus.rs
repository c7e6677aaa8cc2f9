//! The synthetic benchmark corpus: valid, deterministic, realistic in size.

mod common;

use std::path::{Path, PathBuf};

use common::{glossa, snapshot_dir};

/// Checks that no list (`ol`, `ul`) on any list page of `site` — contents,
/// indexes, lists, profiles — holds more than 500 items (chapter pages are
/// the chapter: their endnotes are as many as the chapter's notes), and that
/// no internal link is broken.
fn lists_short_and_links_whole(site: &Path) {
    let broken = common::broken_links(site);
    assert!(broken.is_empty(), "{broken:?}");
    let lists = scraper::Selector::parse("ol, ul").unwrap();
    let li = scraper::Selector::parse(":scope > li").unwrap();
    for (path, bytes) in snapshot_dir(site) {
        if path.ends_with(".html") && !path.starts_with("chapters/") {
            let doc = scraper::Html::parse_document(&String::from_utf8_lossy(&bytes));
            for l in doc.select(&lists) {
                let n = l.select(&li).count();
                assert!(n <= 500, "{path}: a list of {n} items");
            }
        }
    }
}

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

/// Writes a plain corpus (no notes, no profiles) of `chapters` chapters
/// into `root`; returns it.
fn plain_corpus(root: PathBuf, chapters: usize) -> PathBuf {
    glossa(&common::repo())
        .args([
            "bench-corpus",
            "--plain",
            "--chapters",
            &chapters.to_string(),
            "--out",
        ])
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
    // The Web Annotation export is paged: the collection holds the first
    // 500 annotations, each further page is a file of its own, linked by
    // `next`/`prev`; the items, in order, are the one-file export's.
    let (collection, pages) = common::export_pages(&site);
    assert_eq!(collection["total"], 200 * 20);
    assert_eq!(pages.len(), 8);
    assert_eq!(
        collection["last"], "annotations/page-8.jsonld",
        "relative to the collection"
    );
    let mut start = 0;
    for (k, page) in pages.iter().enumerate() {
        assert_eq!(page["type"], "AnnotationPage");
        assert_eq!(page["startIndex"], start, "page {k}");
        let n = page["items"].as_array().unwrap().len();
        assert!(n > 0 && n <= 500, "page {k}: {n} items");
        start += n;
        if k > 0 {
            assert_eq!(page["partOf"], collection["id"]);
            assert_eq!(page["@context"], collection["@context"]);
            // Relative links resolve against the file that holds them.
            let prev = page["prev"].as_str().unwrap();
            let prev_id = pages[k - 1]["id"].as_str().unwrap();
            assert!(
                prev == prev_id || prev_id.ends_with(prev),
                "{prev} {prev_id}"
            );
        }
    }
    let items = common::export_items(&site);
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
    let one: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    assert_eq!(
        one["first"]["items"].as_array().unwrap(),
        &items,
        "one file, same items"
    );
    assert!(one["first"].get("next").is_none());
    // Importing the paged collection reads every page: all already present.
    let o = glossa(&root)
        .args(["annotations", "import", "--dry-run"])
        .arg(site.join("annotations.jsonld"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("0 would add, 4000 already present, 0 not imported"),
        "{out}"
    );
    // A page that is not there is an error, positioned where it is named.
    std::fs::remove_file(site.join("annotations/page-5.jsonld")).unwrap();
    let o = glossa(&root)
        .args(["annotations", "import", "--dry-run"])
        .arg(site.join("annotations.jsonld"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("error[missing-page]") && err.contains("page-4.jsonld:"),
        "{err}"
    );

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
    lists_short_and_links_whole(&site);
}

#[test]
fn the_plain_corpus_is_the_same_chapters_without_notes_or_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let full = corpus(&dir.path().join("full"), 3);
    let plain = plain_corpus(dir.path().join("plain"), 3);
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

/// A build keeps only the warnings it shows (a few of each code, the others
/// counted as they are found, in blocks of chapters): what it prints is what
/// `check`, which keeps them all, prints — on an edition with thousands of
/// warnings over more than one block.
#[test]
fn a_build_shows_the_warnings_check_shows() {
    let dir = tempfile::tempdir().unwrap();
    let root = plain_corpus(dir.path().join("plain"), 300);
    let stderr = |args: &[&str]| {
        let out = glossa(&root).args(args).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    let checked = stderr(&["check"]);
    let built = stderr(&["build", "--all-warnings"]);
    assert!(
        checked.contains("more unprofiled-name warnings")
            && checked.matches("warning[").count() >= 10,
        "{checked}"
    );
    assert_eq!(built, checked);
}

/// The table of contents of a long edition is split every 500 chapters: the
/// home page, then `contents/2/` …, each chapter on exactly one page, in
/// order, numbered on, the pages linked to each other; no list on any page of
/// the site holds more than 500 items.
#[test]
fn the_contents_of_a_long_edition_are_paged() {
    let dir = tempfile::tempdir().unwrap();
    let root = plain_corpus(dir.path().join("plain"), 1001);
    let site = build(&root);
    let item = scraper::Selector::parse("nav.toc > ol > li > a").unwrap();
    let list = scraper::Selector::parse("nav.toc > ol").unwrap();
    let nav =
        scraper::Selector::parse("nav.toc nav.pages a, nav.toc nav.pages [aria-current]").unwrap();
    let mut all = Vec::new();
    for (k, path) in [
        "index.html",
        "contents/2/index.html",
        "contents/3/index.html",
    ]
    .iter()
    .enumerate()
    {
        let doc = scraper::Html::parse_document(&std::fs::read_to_string(site.join(path)).unwrap());
        let hrefs: Vec<String> = doc
            .select(&item)
            .map(|a| a.value().attr("href").unwrap().to_string())
            .collect();
        assert_eq!(hrefs.len(), [500, 500, 1][k], "{path}");
        let start = doc.select(&list).next().unwrap().value().attr("start");
        assert_eq!(start, Some(["1", "501", "1001"][k]), "{path}");
        let links: Vec<String> = doc.select(&nav).map(|a| a.text().collect()).collect();
        assert_eq!(links, ["1", "2", "3"], "{path}");
        all.extend(hrefs.into_iter().map(|h| {
            h.trim_start_matches("../")
                .trim_start_matches("./")
                .to_string()
        }));
    }
    assert!(!site.join("contents/4").exists());
    let want: Vec<String> = (1..=1001).map(|n| format!("chapters/s{n:05}/")).collect();
    assert_eq!(all, want, "every chapter once, in order");
    lists_short_and_links_whole(&site);
}

/// A profile with more related notes than a page holds lists them 500 a
/// page: the profile's own pages continue with the rest (`ID/2/` …), every
/// note once.
#[test]
fn a_profiles_related_notes_continue_on_further_pages() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ed");
    glossa(dir.path())
        .args(["init", "--language", "en"])
        .arg(&root)
        .assert()
        .success();
    let n = 1001;
    let mut chapter = String::from("---\ntitle: 'Many notes'\norder: 2\nannotations:\n");
    for k in 1..=n {
        chapter.push_str(&format!(
            "  - id: n{k}\n    quote: 'sentence number {k} names'\n    kind: note\n    note: 'Note {k}.'\n    refs: [example-press]\n"
        ));
    }
    chapter.push_str("---\n\n");
    for k in 1..=n {
        chapter.push_str(&format!(
            "This is sentence number {k} names Example Press. "
        ));
        if k % 50 == 0 {
            chapter.push_str("\n\n");
        }
    }
    std::fs::write(root.join("content/chapters/02-many.md"), chapter).unwrap();
    let site = build(&root);
    // Each note's `refs` link the profile from the note on the chapter page.
    let page = std::fs::read_to_string(site.join("chapters/many/index.html")).unwrap();
    let doc = scraper::Html::parse_document(&page);
    let refs = scraper::Selector::parse("p.refs a").unwrap();
    let links: Vec<(String, String)> = doc
        .select(&refs)
        .map(|a| {
            let href = a.value().attr("href").unwrap_or_default().to_string();
            (href, a.text().collect())
        })
        .collect();
    assert_eq!(links.len(), n, "one profile link per note");
    assert!(
        links
            .iter()
            .all(|(href, name)| href == "../../companies/example-press/" && name == "Example Press"),
        "{:?}",
        links.first()
    );
    let item = scraper::Selector::parse("section.entity-notes li").unwrap();
    // The 1,002 mentions take 6 pages of 200; the notes the first 3 of them.
    let mut seen = Vec::new();
    for k in 1..=6 {
        let page = match k {
            1 => site.join("companies/example-press/index.html"),
            k => site.join(format!("companies/example-press/{k}/index.html")),
        };
        let doc = scraper::Html::parse_document(&std::fs::read_to_string(&page).unwrap());
        let items: Vec<String> = doc.select(&item).map(|li| li.text().collect()).collect();
        assert_eq!(items.len(), [500, 500, 2, 0, 0, 0][k - 1], "page {k}");
        seen.extend(items);
    }
    assert!(!site.join("companies/example-press/7").exists());
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen.len(),
        n + 1,
        "every related note once (the example chapter's too)"
    );
    lists_short_and_links_whole(&site);
}
