//! Editors' workflow: JSON Schemas of the front matter, the timeline, the Web
//! Annotation round trip and the warnings that `check` gives beyond errors.

mod common;

use std::path::Path;

use common::repo;
use serde_json::Value;

/// The front matter of a content file as JSON (as a YAML language server sees it).
fn front_matter(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let yaml = if path.extension().is_some_and(|e| e == "yaml") {
        text.clone()
    } else {
        let split = glossa::content::frontmatter::split(&text).unwrap();
        text[split.yaml].to_string()
    };
    let v: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
    serde_json::to_value(v).unwrap()
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schemas").join(name)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn shipped_schemas_equal_the_generated_ones() {
    let generated = glossa::schema::all();
    let shipped: Vec<String> = std::fs::read_dir(repo().join("schemas"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(shipped.len(), generated.len(), "schemas/ holds {shipped:?}");
    for (name, text) in generated {
        let on_disk = std::fs::read_to_string(repo().join("schemas").join(name)).unwrap();
        assert!(
            on_disk == text,
            "schemas/{name} is stale: run `cargo run -- schema`"
        );
    }
}

#[test]
fn every_shipped_content_file_validates_against_its_schema() {
    let content = repo().join("content");
    let mut checked = 0;
    for (folder, schema) in [
        ("chapters", "chapter.schema.json"),
        ("companies", "company.schema.json"),
        ("people", "person.schema.json"),
    ] {
        let v = validator(schema);
        for entry in std::fs::read_dir(content.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "md") {
                continue;
            }
            let errs = errors(&v, &front_matter(&path));
            assert!(errs.is_empty(), "{}: {errs:#?}", path.display());
            checked += 1;
        }
    }
    let v = validator("edition.schema.json");
    let errs = errors(&v, &front_matter(&content.join("edition.yaml")));
    assert!(errs.is_empty(), "edition.yaml: {errs:#?}");
    assert!(checked >= 8 + 23 + 13, "only {checked} files checked");
}

#[test]
fn schemas_reject_what_check_rejects() {
    let chapter = validator("chapter.schema.json");
    let ok = serde_json::json!({"title": "T", "order": 1, "annotations": [
        {"id": "a", "quote": "q", "kind": "note", "note": "n", "date": "2024-05"}
    ]});
    assert!(errors(&chapter, &ok).is_empty());
    for bad in [
        serde_json::json!({"order": 1}),
        serde_json::json!({"title": "T", "order": "one"}),
        serde_json::json!({"title": "T", "order": 1, "titel": "x"}),
        serde_json::json!({"title": "T", "order": 1, "annotations": [
            {"id": "a", "quote": "q", "kind": "remark"}]}),
        serde_json::json!({"title": "T", "order": 1, "annotations": [
            {"id": "a", "quote": "q", "kind": "note", "date": "May 2024"}]}),
    ] {
        assert!(!errors(&chapter, &bad).is_empty(), "accepted {bad}");
    }
    let company = validator("company.schema.json");
    let bad = serde_json::json!({"name": "X", "group": "g", "description": "d",
        "facts": [{"label": "l", "value": "v"}]});
    assert!(
        !errors(&company, &bad).is_empty(),
        "a fact without a source was accepted"
    );
}

#[test]
fn scaffolded_files_validate_against_the_schemas() {
    let project = common::project(None);
    for (kind, id, schema, rel) in [
        ("chapter", "new-one", "chapter.schema.json", None),
        (
            "company",
            "acme",
            "company.schema.json",
            Some("companies/acme.md"),
        ),
        (
            "person",
            "zhang-san",
            "person.schema.json",
            Some("people/zhang-san.md"),
        ),
    ] {
        common::glossa(project.path())
            .args(["new", kind, id, "--title", "新的"])
            .assert()
            .success();
        let path = match rel {
            Some(r) => project.path().join("content").join(r),
            None => std::fs::read_dir(project.path().join("content/chapters"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.to_string_lossy().ends_with("-new-one.md"))
                .unwrap(),
        };
        let errs = errors(&validator(schema), &front_matter(&path));
        assert!(errs.is_empty(), "{kind}: {errs:#?}");
    }
}

fn sel(s: &str) -> scraper::Selector {
    scraper::Selector::parse(s).unwrap()
}

/// `YYYY[-MM[-DD]]` → a sortable triple (missing parts sort first).
fn date_key(d: &str) -> (u32, u32, u32) {
    let mut it = d.split('-').map(|p| p.parse::<u32>().unwrap());
    (
        it.next().unwrap(),
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
    )
}

#[test]
fn timeline_is_chronological_and_every_event_links_to_its_source_and_the_text() {
    let (_p, out) = common::built_project(None);
    let html = std::fs::read_to_string(out.join("timeline/index.html")).unwrap();
    let doc = scraper::Html::parse_document(&html);
    let events: Vec<_> = doc.select(&sel(".timeline .event")).collect();
    assert!(events.len() >= 15, "only {} events", events.len());
    let dates: Vec<String> = events
        .iter()
        .map(|e| {
            e.select(&sel("time"))
                .next()
                .unwrap()
                .value()
                .attr("datetime")
                .unwrap()
                .to_string()
        })
        .collect();
    let keys: Vec<_> = dates.iter().map(|d| date_key(d)).collect();
    assert!(keys.is_sorted(), "not chronological: {dates:?}");
    // The model releases the edition talks about are all there, in order.
    let text = |e: &scraper::ElementRef| e.text().collect::<String>();
    let position = |date: &str, needle: &str| {
        events
            .iter()
            .position(|e| {
                dates[events.iter().position(|x| x == e).unwrap()] == date
                    && text(e).contains(needle)
            })
            .unwrap_or_else(|| panic!("no event {date} {needle}: {dates:?}"))
    };
    let order = [
        position("2020-05", "GPT-3"),
        position("2022-11-30", "ChatGPT"),
        position("2023-02", "LLaMA"),
        position("2024-05", "V2"),
        position("2024-12", "V3"),
        position("2025-01", "R1"),
    ];
    assert!(order.is_sorted(), "{order:?}");
    for (e, date) in events.iter().zip(&dates) {
        let links: Vec<&str> = e
            .select(&sel(".where a"))
            .map(|a| a.value().attr("href").unwrap())
            .collect();
        // A source: an external reference, or the passage a fact quotes.
        assert!(
            e.select(&sel(".where .sources"))
                .next()
                .is_some_and(|s| text(&s).trim().chars().count() > 4),
            "{date}: no source in {}",
            text(e)
        );
        // Where the article mentions it.
        assert!(
            links
                .iter()
                .any(|h| h.starts_with("../chapters/") && (h.contains("#p") || h.contains("#m-"))),
            "{date}: no link into the text in {links:?}"
        );
    }
    assert!(
        common::broken_links(&out).is_empty(),
        "{:?}",
        common::broken_links(&out)
    );
}

#[test]
fn bad_dates_and_unsourced_dates_are_errors() {
    let p = common::project_fixture(&repo().join("tests/fixtures/bad/dates"));
    let o = common::glossa(p.path()).arg("check").output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("01-one.md:20:11") && err.contains("`2024-13` is not a valid date"),
        "{err}"
    );
    assert!(
        err.contains("01-one.md:21:11") && err.contains("the date `2024-05` has no source"),
        "{err}"
    );
    assert!(
        err.contains("jia.md:13:11") && err.contains("`May 2024`"),
        "{err}"
    );
}

/// Removes every chapter's `annotations:` (the last key of the shipped front matter).
fn strip_annotations(root: &Path) {
    for entry in std::fs::read_dir(root.join("content/chapters")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let (head, body) = text.split_once("\n---\n").unwrap();
        let cut = head
            .find("\nannotations:")
            .expect("annotations: in the shipped chapter");
        std::fs::write(&path, format!("{}\n---\n{body}", &head[..cut])).unwrap();
    }
}

fn annotations_by_id(
    root: &Path,
) -> std::collections::BTreeMap<String, (String, glossa::content::Annotation)> {
    let mut sources = glossa::diag::Sources::new();
    let mut timings = glossa::build::Timings::default();
    let paths = glossa::content::Paths::new(root);
    let result = glossa::build::load_and_link(
        &paths,
        &Default::default(),
        &mut sources,
        &mut timings,
        |linked, warnings, sources, _| {
            assert!(
                warnings.is_empty(),
                "{}",
                glossa::diag::render(&warnings, sources, false)
            );
            let mut out = std::collections::BTreeMap::new();
            for c in &linked.edition.chapters {
                for a in &c.meta.annotations {
                    out.insert(a.id.clone(), (c.slug.clone(), a.clone()));
                }
            }
            Ok(out)
        },
    );
    match result {
        Ok(out) => out,
        Err(e) => panic!(
            "{}{e}",
            glossa::diag::render(e.diagnostics(), &sources, false)
        ),
    }
}

#[test]
fn web_annotation_round_trip_on_the_shipped_edition_is_lossless() {
    let p = common::project(None);
    let root = p.path();
    let file = root.join("export.jsonld");
    common::glossa(root)
        .args(["annotations", "export", "--out"])
        .arg(&file)
        .assert()
        .success();
    // The same document as the build's.
    let (_b, out) = common::built_project(None);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(out.join("annotations.jsonld")).unwrap()
    );
    let original = annotations_by_id(root);
    assert!(original.len() >= 100);

    strip_annotations(root);
    let o = common::glossa(root)
        .args(["annotations", "import"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "{} added, 0 already present, 0 not imported",
            original.len()
        )),
        "{stdout}"
    );
    // Every annotation back in its chapter, field for field (prefix, suffix,
    // occurrence, date, sources and refs included).
    assert_eq!(annotations_by_id(root), original);

    // Importing again changes nothing.
    let before = common::snapshot_dir(&root.join("content"));
    let o = common::glossa(root)
        .args(["annotations", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains(&format!("0 added, {} already present", original.len()))
    );
    assert_eq!(common::snapshot_dir(&root.join("content")), before);
}

#[test]
fn foreign_annotations_are_re_anchored_by_quote_and_stale_ones_reported() {
    let p = common::project(None);
    let root = p.path();
    // Hypothesis-style: only a TextQuoteSelector with 32-character-ish context,
    // an HTML comment body and tags; one passage that occurs twice in the
    // chapter (“DeepSeek”), one that is no longer in the text, one for another chapter.
    let doc = serde_json::json!([
        {
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "id": "https://hypothes.is/a/abc123",
            "type": "Annotation",
            "body": [
                {"type": "TextualBody", "value": "<p>读者批注：<b>组织</b>很扁平。</p>", "format": "text/html", "purpose": "commenting"},
                {"type": "TextualBody", "value": "deepseek", "purpose": "tagging"}
            ],
            "target": {
                "source": "https://example.org/chapters/deepseek-organisation/",
                "selector": [{"type": "TextQuoteSelector", "exact": "DeepSeek", "prefix": "2024 年上半年 ", "suffix": " 的团队规模"}]
            }
        },
        {
            "type": "Annotation",
            "body": {"type": "TextualBody", "value": "这句话已经删掉了"},
            "target": {"source": "https://example.org/chapters/deepseek-organisation/",
                       "selector": {"type": "TextQuoteSelector", "exact": "DeepSeek 的团队规模有四百人"}}
        },
        {
            "type": "Annotation",
            "body": "另一章",
            "target": {"source": "https://example.org/chapters/two-extremes/",
                       "selector": {"type": "TextQuoteSelector", "exact": "DeepSeek"}}
        }
    ]);
    let file = root.join("hypothesis.jsonld");
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let o = common::glossa(root)
        .args([
            "annotations",
            "import",
            "--chapter",
            "deepseek-organisation",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("1 added, 0 already present, 2 not imported"),
        "{stdout}"
    );
    assert!(
        stderr.contains("error[does-not-anchor]") && stderr.contains("closest passage"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hypothesis.jsonld:"),
        "positioned in the JSON file: {stderr}"
    );
    assert!(
        stderr.contains("error[other-chapter]") && stderr.contains("two-extremes"),
        "{stderr}"
    );
    // The new note anchors where the selector's context says, with a
    // disambiguator, and the edition still checks cleanly.
    let all = annotations_by_id(root);
    let (slug, a) = all
        .values()
        .find(|(_, a)| a.id.starts_with("imported-"))
        .expect("imported annotation");
    assert_eq!(slug, "deepseek-organisation");
    assert_eq!(a.quote, "DeepSeek");
    assert!(
        a.prefix.is_some() || a.suffix.is_some() || a.occurrence.is_some(),
        "{a:?}"
    );
    assert_eq!(a.note.trim(), "读者批注：组织很扁平。");
    assert_eq!(a.refs, vec!["deepseek".to_string()]);
    let (_b, out) = common::built_project(Some(&root.join("content")));
    let page =
        std::fs::read_to_string(out.join("chapters/deepseek-organisation/index.html")).unwrap();
    // The mark sits in the paragraph of that occurrence, right before it.
    let doc = scraper::Html::parse_document(&page);
    let anchor = doc
        .select(&scraper::Selector::parse(&format!("[id=m-{}]", a.id)).unwrap())
        .next()
        .expect("mark in the page");
    let para = anchor
        .ancestors()
        .filter_map(scraper::ElementRef::wrap)
        .find(|e| e.value().name() == "p")
        .unwrap();
    let text: String = para.text().collect();
    let after: String = anchor
        .next_siblings()
        .filter_map(scraper::ElementRef::wrap)
        .flat_map(|e| e.text())
        .collect::<String>();
    assert!(text.contains("上半年 DeepSeek 的团队规模"), "{text}");
    assert!(
        after.starts_with("DeepSeek"),
        "anchored at this DeepSeek: {after}"
    );
}

#[test]
fn hostile_web_annotation_files_are_reported_never_panic_and_change_nothing() {
    let p = common::project(None);
    let root = p.path();
    let before = common::snapshot_dir(&root.join("content"));
    let export = {
        let o = common::glossa(root)
            .args(["annotations", "export"])
            .output()
            .unwrap();
        assert!(o.status.success());
        String::from_utf8(o.stdout).unwrap()
    };
    // The same id with a different note: a conflict, not an overwrite.
    let changed = export.replacen("\"glossa:note\":\"", "\"glossa:note\":\"改过的：", 1);
    let cases: Vec<(&str, String, &str)> = vec![
        ("not-json", "{\"items\": [".to_string(), "error[bad-json]"),
        ("no-items", "{\"items\": 5}".to_string(), "error[no-annotations-found]"),
        ("scalar", "42".to_string(), "error[no-annotations-found]"),
        (
            "odd-shapes",
            r#"[{"type":"Annotation","target":"https://example.org/chapters/two-extremes/"},
                {"type":"Annotation","target":{"selector":{"type":"TextQuoteSelector","exact":5}}},
                {"type":"Annotation","target":{"source":"x","selector":[{"type":"TextQuoteSelector","exact":"   "}]}},
                {"type":"Annotation","body":[1,null,{"value":7}],"target":{"source":"https://e.org/chapters/nope/","selector":{"type":"TextQuoteSelector","exact":"DeepSeek"}}}]"#
                .to_string(),
            "error[no-quote-selector]",
        ),
        ("conflict", changed, "error[id-conflict]"),
    ];
    for (name, text, expect) in cases {
        let file = root.join(format!("{name}.jsonld"));
        std::fs::write(&file, text).unwrap();
        let o = common::glossa(root)
            .env("RUST_BACKTRACE", "1")
            .args(["annotations", "import"])
            .arg(&file)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(err.contains(expect), "{name}: expected {expect} in {err}");
        assert!(
            err.contains(&format!("{name}.jsonld")),
            "{name}: not positioned: {err}"
        );
        assert_eq!(
            common::snapshot_dir(&root.join("content")),
            before,
            "{name} changed content"
        );
    }
    // An unknown --chapter is a diagnostic with a suggestion.
    let o = common::glossa(root)
        .args([
            "annotations",
            "import",
            "conflict.jsonld",
            "--chapter",
            "two-extreme",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("did you mean `two-extremes`"), "{err}");
}

#[test]
fn annotations_from_the_hypothesis_api_are_imported() {
    let fixture = repo().join("tests/fixtures/hypothesis/search.json");
    let p = common::project(Some(&repo().join("tests/fixtures/annotated/content")));
    let root = p.path();
    let before = annotations_by_id(root);
    let import = || {
        let o = common::glossa(root)
            .args(["annotations", "import"])
            .arg(&fixture)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(
            o.status.success(),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        out
    };
    let out = import();
    assert!(
        out.contains("3 added, 0 already present, 0 not imported"),
        "{out}"
    );
    let after = annotations_by_id(root);
    let new: Vec<&(String, glossa::content::Annotation)> = after
        .iter()
        .filter(|(id, _)| !before.contains_key(*id))
        .map(|(_, v)| v)
        .collect();
    let by_quote = |q: &str| {
        new.iter()
            .find(|(_, a)| a.quote == q)
            .unwrap_or_else(|| panic!("{q} imported: {new:?}"))
    };
    // By `uri` (a chapter URL): Hypothesis's `text` is the note, a kind tag its kind.
    let (slug, a) = by_quote("后者则以其他中国大模型创业公司");
    assert_eq!(slug, "one");
    assert_eq!(a.kind.as_str(), "definition");
    assert_eq!(a.note.trim(), "读者批注：这里的**后者**指六小虎。");
    // By `document.title` (the `uri` names no chapter); a tag that is no
    // kind leaves the default kind.
    let (slug, a) = by_quote("DeepSeek 很强");
    assert_eq!(slug, "one");
    assert_eq!(a.kind.as_str(), "note");
    assert!(a.note.contains("[雷峰网](https://www.leiphone.com/)"));
    let (slug, a) = by_quote("没有注释的段落");
    assert_eq!(slug, "two");
    assert_eq!(a.kind.as_str(), "translation");
    // The edition builds with them, and importing again changes nothing.
    common::glossa(root).arg("check").assert().success();
    let snapshot = common::snapshot_dir(&root.join("content"));
    assert!(import().contains("0 added, 3 already present"));
    assert_eq!(common::snapshot_dir(&root.join("content")), snapshot);
}

/// A collection whose `next` links lead back to a page already read (a
/// loop) is read once: every annotation counted once, nothing refused.
#[test]
fn a_loop_of_next_links_reads_each_page_once() {
    let p = common::project(None);
    let root = p.path();
    let file = root.join("collection.jsonld");
    common::glossa(root)
        .args(["annotations", "export", "--out"])
        .arg(&file)
        .assert()
        .success();
    let mut collection: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let total = collection["total"].as_u64().unwrap();
    collection["first"]["next"] = "loop.jsonld".into();
    std::fs::write(&file, collection.to_string()).unwrap();
    let page = serde_json::json!({
        "type": "AnnotationPage",
        "id": "loop.jsonld",
        "items": [],
        "next": "./collection.jsonld",
    });
    std::fs::write(root.join("loop.jsonld"), page.to_string()).unwrap();
    let o = common::glossa(root)
        .args(["annotations", "import", "--dry-run"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(&format!(
            "0 would add, {total} already present, 0 not imported"
        )),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
