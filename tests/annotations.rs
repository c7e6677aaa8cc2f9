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

/// The page's body text as html5ever parses it (every text node under
/// `<body>`, in document order: what `document.body.textContent` holds), and
/// where (in code points) each element with an id starts in it.
fn body_text(doc: &Html) -> (Vec<char>, HashMap<String, usize>) {
    let root = doc.select(&sel("body")).next().expect("body");
    let mut out = Vec::new();
    let mut ids = HashMap::new();
    for edge in root.traverse() {
        if let Edge::Open(node) = edge {
            match node.value() {
                Node::Text(t) => out.extend(t.chars()),
                Node::Element(e) => {
                    if let Some(id) = e.attr("id") {
                        ids.insert(id.to_string(), out.len());
                    }
                }
                _ => {}
            }
        }
    }
    (out, ids)
}

/// The start (in code points of `text`) of every occurrence of `needle`.
fn occurrences(text: &[char], needle: &[char]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > text.len() {
        return Vec::new();
    }
    (0..=text.len() - needle.len())
        .filter(|&i| text[i..i + needle.len()] == *needle)
        .collect()
}

/// Where a quote selector lands in `text`: the start of `exact` at each
/// place `prefix + exact + suffix` occurs.
fn quote_hits(text: &[char], q: &serde_json::Value) -> Vec<usize> {
    let part = |k: &str| {
        q[k].as_str()
            .unwrap_or_default()
            .chars()
            .collect::<Vec<char>>()
    };
    let (prefix, exact, suffix) = (part("prefix"), part("exact"), part("suffix"));
    let needle: Vec<char> = [&prefix[..], &exact[..], &suffix[..]].concat();
    occurrences(text, &needle)
        .into_iter()
        .map(|i| i + prefix.len())
        .collect()
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
    type Page = (Html, Vec<char>, HashMap<String, usize>);
    let mut pages: HashMap<String, Page> = HashMap::new();
    for item in items {
        for key in ["@context", "id", "type", "motivation", "body", "target"] {
            assert!(!item[key].is_null(), "missing {key} in {item}");
        }
        assert_eq!(item["type"], "Annotation");
        let body = &item["body"];
        assert_eq!(body["type"], "TextualBody");
        assert_eq!(body["format"], "text/html");
        assert_eq!(body["language"], "zh-CN");
        assert!(!body["value"].as_str().unwrap().is_empty());
        // Without a base URL, ids and sources are absolute `urn:uuid:` names.
        let source = item["target"]["source"].as_str().unwrap();
        let id = item["id"].as_str().unwrap();
        assert!(
            id.starts_with("urn:uuid:") && source.starts_with("urn:uuid:"),
            "{id} {source}"
        );
        let slug = item["glossa:chapter"].as_str().unwrap();
        let gid = item["glossa:id"].as_str().unwrap();
        let (doc, text, ids) = pages.entry(slug.to_string()).or_insert_with(|| {
            let path = site.join("chapters").join(slug).join("index.html");
            let doc = Html::parse_document(&std::fs::read_to_string(path).unwrap());
            let (text, ids) = body_text(&doc);
            (doc, text, ids)
        });
        // The marked passage starts where the note's anchor element sits.
        let marked = ids[&format!("m-{gid}")];
        let sels = item["target"]["selector"].as_array().unwrap();
        let find = |ty: &str| sels.iter().find(|s| s["type"] == ty);
        let of = |ty: &str| find(ty).unwrap();
        let (quote, pos) = (of("TextQuoteSelector"), of("TextPositionSelector"));
        let (start, end) = (
            pos["start"].as_u64().unwrap() as usize,
            pos["end"].as_u64().unwrap() as usize,
        );
        let exact = quote["exact"].as_str().unwrap();
        assert_eq!(
            start, marked,
            "{gid}: position selector starts at the passage"
        );
        let span: String = text[start..end].iter().collect();
        assert_eq!(span, exact, "{gid}: position selector covers the quote");
        for k in ["prefix", "suffix"] {
            assert!(quote[k] != "", "{gid}: an empty {k} is left out");
            assert!(quote[k].as_str().unwrap_or_default().chars().count() <= 128);
        }
        assert_eq!(
            quote_hits(text, quote),
            vec![start],
            "{gid}: quote selector occurs once in the body text, at the passage"
        );
        // The paragraph selector (for a passage in a numbered paragraph),
        // refined by a quote within the paragraph.
        let Some(css) = find("CssSelector") else {
            continue;
        };
        let para = doc
            .select(&sel(css["value"].as_str().unwrap()))
            .next()
            .expect("paragraph");
        let para_text: Vec<char> = para.text().flat_map(str::chars).collect();
        let para_start = ids[para.value().attr("id").unwrap()];
        assert_eq!(
            quote_hits(&para_text, &css["refinedBy"]),
            vec![start - para_start],
            "{gid}: refined quote occurs once in its paragraph, at the passage"
        );
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

/// Whether `s` is an absolute IRI (a scheme, then `:`).
fn absolute(s: &str) -> bool {
    s.split_once(':').is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// A `urn:uuid:` name with a well-formed UUID.
fn urn_uuid(s: &str) -> bool {
    let Some(u) = s.strip_prefix("urn:uuid:") else {
        return false;
    };
    let groups: Vec<&str> = u.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && u.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[test]
fn export_ids_are_absolute_and_each_annotation_stands_alone() {
    let content = repo().join("tests/fixtures/annotated/content");
    let p = project(Some(&content));
    for base in [None, Some("https://example.org/ed/")] {
        let out = p.path().join("public");
        let mut cmd = glossa(p.path());
        cmd.args(["build", "--out"]).arg(&out);
        if let Some(b) = base {
            cmd.args(["--base-url", b]);
        }
        assert!(cmd.output().unwrap().status.success());
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("annotations.jsonld")).unwrap())
                .unwrap();
        let page = &v["first"];
        let mut ids = std::collections::HashSet::new();
        for id in [&v["id"], &page["id"]] {
            let id = id.as_str().unwrap();
            assert!(absolute(id), "{id}");
            assert!(ids.insert(id.to_string()));
        }
        for item in page["items"].as_array().unwrap() {
            // Self-contained: its own context, type, absolute id and source.
            let ctx = item["@context"].as_array().expect("@context on each item");
            assert_eq!(ctx[0], "http://www.w3.org/ns/anno.jsonld");
            let id = item["id"].as_str().unwrap();
            let source = item["target"]["source"].as_str().unwrap();
            assert!(ids.insert(id.to_string()), "ids are unique: {id}");
            let slug = item["glossa:chapter"].as_str().unwrap();
            let gid = item["glossa:id"].as_str().unwrap();
            match base {
                None => {
                    assert!(urn_uuid(id) && urn_uuid(source), "{id} {source}");
                }
                Some(b) => {
                    assert_eq!(source, format!("{b}chapters/{slug}/"));
                    assert_eq!(id, format!("{source}#n-{gid}"));
                }
            }
            for s in item["target"]["selector"].as_array().unwrap() {
                match s["type"].as_str().unwrap() {
                    "TextQuoteSelector" => assert!(s["exact"].is_string()),
                    "TextPositionSelector" => {
                        assert!(s["start"].as_u64().unwrap() <= s["end"].as_u64().unwrap())
                    }
                    "CssSelector" => {
                        assert!(s["value"].as_str().unwrap().starts_with("#p"));
                        assert_eq!(s["refinedBy"]["type"], "TextQuoteSelector");
                    }
                    other => panic!("unexpected selector {other}"),
                }
            }
        }
    }
    // The same `urn:uuid:` names from one build to the next.
    let export = |dir: &str| {
        let out = p.path().join(dir);
        assert!(
            glossa(p.path())
                .args(["build", "--out"])
                .arg(&out)
                .output()
                .unwrap()
                .status
                .success()
        );
        std::fs::read(out.join("annotations.jsonld")).unwrap()
    };
    assert_eq!(export("a"), export("b"));
}
