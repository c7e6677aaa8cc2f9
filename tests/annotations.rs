//! Annotations end to end: markers and notes in the built pages, the annotations
//! page, the Web Annotation export (re-anchored against the built pages), and
//! `check --format json`.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{broken_links, glossa, project, repo};
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn build(content: Option<&Path>) -> (tempfile::TempDir, std::path::PathBuf) {
    common::built_project(content)
}

/// The page's reading text: text content of `#text` without `aside.notes`.
fn reading_text(doc: &Html) -> String {
    let root = doc.select(&sel("#text")).next().expect("#text");
    let mut out = String::new();
    let mut skip = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if let Node::Element(e) = node.value()
                    && (skip > 0 || (e.name() == "aside" && e.classes().any(|c| c == "notes")))
                {
                    skip += 1;
                    continue;
                }
                if skip == 0
                    && let Node::Text(t) = node.value()
                {
                    out.push_str(t);
                }
            }
            Edge::Close(node) => {
                if skip > 0 && matches!(node.value(), Node::Element(_)) {
                    skip -= 1;
                }
            }
        }
    }
    out
}

/// Annotation ids declared in a content folder, by chapter slug.
fn declared_ids(content: &Path) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    for e in std::fs::read_dir(content.join("chapters")).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let slug = path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .split_once('-')
            .unwrap()
            .1
            .to_string();
        let split = glossa::content::frontmatter::split(&text).unwrap();
        let ids = text[split.yaml]
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("- id:"))
            .map(|s| s.trim().to_string())
            .collect();
        out.insert(slug, ids);
    }
    out
}

fn check_pages(content: &Path, site: &Path) -> usize {
    let mut total = 0;
    for (slug, ids) in declared_ids(content) {
        let html =
            std::fs::read_to_string(site.join(format!("chapters/{slug}/index.html"))).unwrap();
        let doc = Html::parse_document(&html);
        for id in &ids {
            let markers: Vec<ElementRef> = doc
                .select(&sel(&format!("button.ref[id='r-{id}']")))
                .collect();
            assert_eq!(markers.len(), 1, "{slug}: marker for {id}");
            let notes: Vec<ElementRef> = doc.select(&sel(&format!(".note[id='n-{id}']"))).collect();
            assert_eq!(notes.len(), 1, "{slug}: note for {id}");
            let m = markers[0].value();
            assert_eq!(m.attr("popovertarget"), Some(format!("n-{id}").as_str()));
            assert_eq!(m.attr("aria-describedby"), Some(format!("n-{id}").as_str()));
            assert!(m.attr("aria-label").is_some_and(|l| !l.is_empty()));
            let n = notes[0].value();
            assert!(n.attr("popover").is_some(), "{id}: note is a popover");
            assert_eq!(n.attr("role"), Some("note"));
            assert_eq!(
                doc.select(&sel(&format!("#m-{id}"))).count(),
                1,
                "{slug}: anchor for {id}"
            );
            assert!(
                doc.select(&sel(&format!("mark[data-a~='{id}']"))).count() >= 1,
                "{id} highlighted"
            );
            // The kind is shown as a word, not only as a colour.
            assert!(
                notes[0]
                    .select(&sel(".kind"))
                    .next()
                    .is_some_and(|k| !k.text().collect::<String>().is_empty())
            );
        }
        // Notes are numbered 1..N in reading order (marker order in the document).
        let numbers: Vec<String> = doc
            .select(&sel("#text button.ref"))
            .map(|b| b.value().attr("data-n").unwrap().to_string())
            .collect();
        let want: Vec<String> = (1..=ids.len()).map(|n| n.to_string()).collect();
        assert_eq!(numbers, want, "{slug}: notes numbered in reading order");
        // Print endnotes: one per note.
        assert_eq!(
            doc.select(&sel(".endnotes > ol > li")).count(),
            ids.len(),
            "{slug}: endnotes"
        );
        total += ids.len();
    }
    total
}

fn check_export(site: &Path, expected: usize) {
    let bytes = std::fs::read(site.join("annotations.jsonld")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("valid JSON");
    assert_eq!(v["type"], "AnnotationCollection");
    assert!(
        v["@context"]
            .to_string()
            .contains("http://www.w3.org/ns/anno.jsonld")
    );
    assert_eq!(v["total"].as_u64(), Some(expected as u64));
    let items = v["first"]["items"].as_array().unwrap();
    assert_eq!(items.len(), expected);
    let mut pages: HashMap<String, (Html, Vec<char>)> = HashMap::new();
    for item in items {
        for key in ["id", "type", "motivation", "body", "target"] {
            assert!(!item[key].is_null(), "missing {key} in {item}");
        }
        assert_eq!(item["type"], "Annotation");
        let body = &item["body"];
        assert_eq!(body["type"], "TextualBody");
        assert_eq!(body["format"], "text/html");
        assert_eq!(body["language"], "zh-CN");
        assert!(!body["value"].as_str().unwrap().is_empty());
        let source = item["target"]["source"].as_str().unwrap();
        let id = item["id"].as_str().unwrap();
        assert!(
            id.starts_with(source) && id.contains("#n-"),
            "{id} is a URL of its page"
        );
        let (_, text) = pages.entry(source.to_string()).or_insert_with(|| {
            let html = std::fs::read_to_string(site.join(source).join("index.html")).unwrap();
            let doc = Html::parse_document(&html);
            let text: Vec<char> = reading_text(&doc).chars().collect();
            (doc, text)
        });
        let sels = item["target"]["selector"].as_array().unwrap();
        let quote = sels
            .iter()
            .find(|s| s["type"] == "TextQuoteSelector")
            .unwrap();
        let pos = sels
            .iter()
            .find(|s| s["type"] == "TextPositionSelector")
            .unwrap();
        let (start, end) = (
            pos["start"].as_u64().unwrap() as usize,
            pos["end"].as_u64().unwrap() as usize,
        );
        let exact = quote["exact"].as_str().unwrap();
        let span: String = text[start..end].iter().collect();
        assert_eq!(
            span, exact,
            "{id}: position selector re-anchors to the quote"
        );
        // The quote selector alone finds the same span.
        let full: String = text.iter().collect();
        let needle = format!(
            "{}{}{}",
            quote["prefix"].as_str().unwrap(),
            exact,
            quote["suffix"].as_str().unwrap()
        );
        let hits: Vec<usize> = full.match_indices(&needle).map(|(i, _)| i).collect();
        assert_eq!(hits.len(), 1, "{id}: quote selector is unique");
        let at =
            full[..hits[0]].chars().count() + quote["prefix"].as_str().unwrap().chars().count();
        assert_eq!(at, start, "{id}: quote selector gives the same start");
        assert!(quote["prefix"].as_str().unwrap().chars().count() <= 32);
        assert!(quote["suffix"].as_str().unwrap().chars().count() <= 32);
    }
}

#[test]
fn fixture_markers_notes_page_and_export() {
    let content = repo().join("tests/fixtures/annotated/content");
    let (_p, site) = build(Some(&content));
    let total = check_pages(&content, &site);
    assert_eq!(total, 8);
    check_export(&site, total);
    let broken = broken_links(&site);
    assert!(broken.is_empty(), "{broken:?}");
    // Content is inert everywhere.
    for page in ["chapters/one/index.html", "annotations/index.html"] {
        let html = std::fs::read_to_string(site.join(page)).unwrap();
        let doc = Html::parse_document(&html);
        for script in doc.select(&sel("script")) {
            let v = script.value();
            if v.attr("type") == Some("application/ld+json") {
                let body = script.inner_html();
                assert!(!body.contains('<'), "{page}: JSON-LD can close its element");
                serde_json::from_str::<serde_json::Value>(&body).expect("JSON-LD parses");
            } else {
                assert!(
                    v.attr("src")
                        .is_some_and(|s| s.ends_with("glossa.js") || s.ends_with("search.js"))
                        && script.inner_html().is_empty(),
                    "{page} has a script element that is not glossa's own"
                );
            }
        }
        assert!(!html.contains("<img src=x"), "{page} has an injected image");
    }
    let jsonld = std::fs::read_to_string(site.join("annotations.jsonld")).unwrap();
    assert!(
        !jsonld.contains("<script"),
        "JSON-LD carries a raw script tag"
    );
}

#[test]
fn annotations_page_lists_every_note_and_links_back() {
    let content = repo().join("tests/fixtures/annotated/content");
    let (_p, site) = build(Some(&content));
    let doc = Html::parse_document(
        &std::fs::read_to_string(site.join("annotations/index.html")).unwrap(),
    );
    let entries: Vec<ElementRef> = doc.select(&sel("li.entry")).collect();
    assert_eq!(entries.len(), 8);
    for e in &entries {
        let id = e.value().attr("id").unwrap();
        let link = e
            .select(&sel(".entry-head a"))
            .next()
            .unwrap()
            .value()
            .attr("href")
            .unwrap();
        assert!(link.ends_with(&format!("#m-{id}")), "{link}");
        assert!(
            e.value().classes().any(|c| c.starts_with("k-")),
            "kind class"
        );
    }
    // One filter link per kind present, each with a target element.
    for a in doc.select(&sel(".kinds a")) {
        let href = a.value().attr("href").unwrap();
        let target = &href[1..];
        assert!(
            doc.select(&sel(&format!("[id='{target}']")))
                .next()
                .is_some(),
            "{href}"
        );
    }
}

#[test]
fn shipped_edition_is_annotated_and_anchors_cleanly() {
    let o = glossa(&repo())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0, "{v}");
    assert!(o.status.success());
    let content = repo().join("content");
    let (_p, site) = build(None);
    let total = check_pages(&content, &site);
    assert!(
        total >= 60,
        "the shipped edition has {total} annotations; at least 60 are required"
    );
    check_export(&site, total);
    assert!(broken_links(&site).is_empty(), "{:?}", broken_links(&site));
}

#[test]
fn check_json_reports_every_problem_with_positions() {
    let root = repo().join("tests/fixtures/bad/annotations");
    let p = project(Some(&root.join("content")));
    let o = glossa(p.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(v["ok"], false);
    let diags = v["diagnostics"].as_array().unwrap();
    let errors = diags.iter().filter(|d| d["severity"] == "error").count();
    assert_eq!(v["errors"].as_u64(), Some(errors as u64));
    assert_eq!(v["warnings"].as_u64(), Some((diags.len() - errors) as u64));
    let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    for code in [
        "ambiguous-quote",
        "quote-not-found",
        "occurrence-out-of-range",
        "missing-sources",
        "bad-annotation-id",
        "empty-quote",
        "bad-source-url",
        "duplicate-annotation-id",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    for d in diags {
        for key in ["file", "line", "column", "code", "message", "severity"] {
            assert!(!d[key].is_null(), "{key} missing in {d}");
        }
    }
    let typo = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("梁文峰"))
        .unwrap();
    assert_eq!(
        (typo["line"].as_u64(), typo["column"].as_u64()),
        (Some(10), Some(12))
    );
    assert!(
        typo["notes"][0]
            .as_str()
            .unwrap()
            .contains("梁文锋以下基本全是打工人")
    );
}
