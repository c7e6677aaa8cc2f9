//! The Web Annotation export against real third-party clients, in Chromium:
//! every exported note of the shipped edition and of the test editions is
//! applied to its built chapter page by Apache Annotator (quote, position,
//! and paragraph-refined-by-quote matchers on `document.body`), by
//! dom-anchor-text-quote (`toRange(document.body, …)`), and by a fuzzy
//! matcher in the manner of Hypothesis (approx-string-match) after three
//! characters are inserted before the passage; each must land on the note's
//! marked passage (`#m-ID`). The clients are the npm packages `.ci/run`
//! installs into `target/annotators`; without them (or without chromium)
//! the test is skipped locally and fails under CI.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::cdp::{Browser, chromium};
use common::repo;

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The clients bundled into one browser script, or `None` (skipped) when
/// the npm packages are not installed outside CI.
fn clients_script(dir: &Path) -> Option<String> {
    let modules = repo().join("target/annotators/node_modules");
    let esbuild = modules.join(".bin/esbuild");
    if !esbuild.exists() {
        assert!(
            !under_ci(),
            "the annotation clients are required under CI (.ci/run installs them into target/annotators)"
        );
        eprintln!("target/annotators not installed: skipping (see .ci/run)");
        return None;
    }
    let out = dir.join("clients.js");
    let o = Command::new(&esbuild)
        .arg(repo().join("tests/annotators/clients.js"))
        .args(["--bundle", "--format=iife", "--log-level=warning"])
        .arg(format!("--outfile={}", out.display()))
        .env("NODE_PATH", &modules)
        .output()
        .expect("esbuild runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(std::fs::read_to_string(out).unwrap())
}

/// Applies every note of `site`'s export with every client; returns the
/// number of notes and the failures (`chapter/id: client: why`).
fn apply_clients(b: &mut Browser, script: &str, site: &Path) -> (usize, Vec<String>) {
    let export: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("annotations.jsonld")).unwrap()).unwrap();
    let items = export["first"]["items"].as_array().unwrap();
    let mut by_chapter: BTreeMap<&str, Vec<&serde_json::Value>> = BTreeMap::new();
    for item in items {
        by_chapter
            .entry(item["glossa:chapter"].as_str().unwrap())
            .or_default()
            .push(item);
    }
    let mut failures = Vec::new();
    let mut applied = 0;
    for (slug, items) in by_chapter {
        b.open(&site.join("chapters").join(slug).join("index.html"));
        b.eval(&format!("{script}; true"));
        let arg = serde_json::to_string(&items).unwrap();
        let results = b.eval_async(&format!("glossaClients({arg})"));
        for r in results.as_array().unwrap() {
            applied += 1;
            for f in r["failures"].as_array().unwrap() {
                failures.push(format!(
                    "{slug}/{}: {}",
                    r["id"].as_str().unwrap(),
                    f.as_str().unwrap()
                ));
            }
        }
    }
    (applied, failures)
}

/// Builds `content` (the shipped edition when `None`) with `args` and
/// applies every client to every note.
fn check_edition(content: Option<&Path>, args: &[&str], expected_at_least: usize) {
    let Some(_) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let Some(script) = clients_script(tmp.path()) else {
        return;
    };
    let p = common::project(content);
    let site = p.path().join("public");
    let o = common::glossa(p.path())
        .args(["build", "--out"])
        .arg(&site)
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut b = Browser::launch(1280, 900).expect("chromium");
    let (applied, failures) = apply_clients(&mut b, &script, &site);
    let total = serde_json::from_slice::<serde_json::Value>(
        &std::fs::read(site.join("annotations.jsonld")).unwrap(),
    )
    .unwrap()["total"]
        .as_u64()
        .unwrap() as usize;
    assert_eq!(applied, total, "every exported note was applied");
    assert!(applied >= expected_at_least, "{applied} notes");
    assert!(
        failures.is_empty(),
        "{} of {applied} notes do not anchor with every client:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn shipped_edition_notes_anchor_with_third_party_clients() {
    check_edition(None, &[], 100);
}

#[test]
fn test_editions_notes_anchor_with_third_party_clients() {
    for content in [
        "tests/fixtures/annotated/content",
        "tests/fixtures/editions/en/content",
    ] {
        let content: PathBuf = repo().join(content);
        check_edition(Some(&content), &[], 1);
    }
    // Positions count the page as written, whatever the minification.
    let annotated = repo().join("tests/fixtures/annotated/content");
    for mode in ["none", "pages"] {
        check_edition(Some(&annotated), &["--minify", mode], 1);
    }
    // And with a base URL (absolute page URLs as sources).
    check_edition(
        Some(&annotated),
        &["--base-url", "https://example.org/ed/"],
        1,
    );
}
