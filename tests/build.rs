//! `glossa build` and `glossa check`: the shipped edition, bad-input fixtures,
//! and output-folder safety.

mod common;

use std::path::Path;

use common::{broken_links, glossa, project, repo, snapshot_dir};
use scraper::{Html, Selector};

fn build(root: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    glossa(root)
        .arg("build")
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// Chapter slugs of the shipped edition, in reading order.
fn shipped_slugs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("content/chapters"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| {
            n.trim_end_matches(".md")
                .split_once('-')
                .unwrap()
                .1
                .to_string()
        })
        .collect()
}

#[test]
fn builds_the_shipped_edition() {
    let p = project(None);
    let out = p.path().join("public");
    let o = build(p.path(), &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let summary = String::from_utf8_lossy(&o.stdout);
    let count =
        |dir: &str| std::fs::read_dir(repo().join("content").join(dir)).map_or(0, |d| d.count());
    // index, 404, annotations, companies/, people/, search/, glossary/, timeline/
    // + one page per chapter and per profile.
    let pages = 8 + count("chapters") + count("companies") + count("people");
    assert!(
        summary.contains(&format!("built {pages} pages")),
        "{summary}"
    );
    assert!(summary.contains(" ms"), "{summary}");

    let slugs = shipped_slugs();
    assert_eq!(slugs.len(), common::shipped::CHAPTERS);
    let edition = std::fs::read_to_string(repo().join("content/edition.yaml")).unwrap();
    let rights_first_line = edition
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("rights:"))
        .nth(1)
        .unwrap()
        .trim()
        .to_string();

    for (i, slug) in slugs.iter().enumerate() {
        let path = out.join(format!("chapters/{slug}/index.html"));
        let html =
            std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {}", path.display()));
        let doc = Html::parse_document(&html);
        // Paragraph ids are p1..pN in document order.
        let ids: Vec<String> = doc
            .select(&sel("p[id]"))
            .map(|e| e.value().attr("id").unwrap().to_string())
            .collect();
        assert!(!ids.is_empty(), "{slug} has no numbered paragraphs");
        let expected: Vec<String> = (1..=ids.len()).map(|n| format!("p{n}")).collect();
        assert_eq!(ids, expected, "{slug}: paragraph ids not sequential");
        // Each has a visible permalink to itself.
        for p in doc.select(&sel("p[id]")) {
            let id = p.value().attr("id").unwrap();
            let link = p.select(&sel("a.pn")).next().expect("permalink");
            assert_eq!(link.value().attr("href"), Some(format!("#{id}").as_str()));
            assert_eq!(
                link.value().attr("data-n"),
                Some(&id[1..]),
                "the number is drawn from data-n"
            );
        }
        // prev/next.
        let prev = doc
            .select(&sel("a[rel=prev]"))
            .next()
            .map(|a| a.value().attr("href").unwrap().to_string());
        let next = doc
            .select(&sel("a[rel=next]"))
            .next()
            .map(|a| a.value().attr("href").unwrap().to_string());
        assert_eq!(
            prev,
            (i > 0).then(|| format!("../{}/", slugs[i - 1])),
            "{slug} prev"
        );
        assert_eq!(
            next,
            slugs.get(i + 1).map(|s| format!("../{s}/")),
            "{slug} next"
        );
        // Source attribution on every page.
        for needle in ["陈彩娴", "AI 科技评论", rights_first_line.as_str()] {
            assert!(html.contains(needle), "{slug} lacks {needle}");
        }
        let lang = doc
            .select(&sel("html"))
            .next()
            .and_then(|h| h.value().attr("lang"));
        assert_eq!(lang, Some("zh-CN"), "{slug} lacks lang");
    }
    for page in ["index.html", "404.html"] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(
            html.contains("陈彩娴") && html.contains(&rights_first_line),
            "{page} lacks the source notice"
        );
    }
    // The index lists every chapter with its summary.
    let index = Html::parse_document(&std::fs::read_to_string(out.join("index.html")).unwrap());
    let toc: Vec<String> = index
        .select(&sel("#toc a"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    let want: Vec<String> = slugs.iter().map(|s| format!("./chapters/{s}/")).collect();
    assert_eq!(toc, want);
    let summaries = index.select(&sel("#toc li p")).count();
    assert_eq!(
        summaries,
        slugs.len(),
        "every chapter has its summary in the table of contents"
    );
    assert!(out.join("style.css").is_file());
    assert!(out.join(".glossa-output").is_file());

    let broken = broken_links(&out);
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn output_is_minified_and_parses_as_html() {
    let p = project(None);
    let out = p.path().join("public");
    assert!(build(p.path(), &out, &[]).status.success());
    for (path, bytes) in snapshot_dir(&out) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        assert!(
            html.starts_with("<!doctype html>") || html.starts_with("<!DOCTYPE html>"),
            "{path}"
        );
        assert!(!html.contains("\n  "), "{path} still has indentation");
        assert!(
            html.contains("</p>") || path == "404.html",
            "{path}: closing tags dropped"
        );
        let doc = Html::parse_document(&html);
        assert!(
            doc.errors.is_empty(),
            "{path} parse errors: {:?}",
            doc.errors
        );
        assert!(
            doc.select(&sel("main")).next().is_some(),
            "{path} has no <main>"
        );
    }
}

#[test]
fn base_url_sets_canonical_links_and_404_links() {
    let p = project(None);
    let out = p.path().join("public");
    let o = build(p.path(), &out, &["--base-url", "https://example.org/ed"]);
    assert!(o.status.success(), "{}", text(&o));
    let page = std::fs::read_to_string(out.join("chapters/talent-flow/index.html")).unwrap();
    assert!(
        page.contains("https://example.org/ed/chapters/talent-flow/"),
        "no canonical URL"
    );
    let nf = std::fs::read_to_string(out.join("404.html")).unwrap();
    assert!(
        nf.contains("https://example.org/ed/style.css"),
        "404 links must be absolute"
    );
}

#[test]
fn check_accepts_the_shipped_edition() {
    let o = glossa(&repo()).arg("check").output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("ok: 8 chapters, "),
        "{}",
        text(&o)
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("annotations, 0 errors"),
        "{}",
        text(&o)
    );
}

#[test]
fn valid_fixture_renders_markdown_features() {
    let p = project(Some(&repo().join("tests/fixtures/valid/content")));
    let out = p.path().join("public");
    let o = build(p.path(), &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let one = std::fs::read_to_string(out.join("chapters/one/index.html")).unwrap();
    assert!(one.contains("<strong>粗体</strong>"), "{one}");
    let two = std::fs::read_to_string(out.join("chapters/two/index.html")).unwrap();
    assert!(two.contains("footnote-definition"), "{two}");
    // Code: highlighted with prefixed classes when the language is known, plain otherwise;
    // the highlight stylesheet is linked only where there is code.
    assert!(
        two.contains("class=\"hl-") || two.contains("class=hl-"),
        "{two}"
    );
    assert!(
        two.contains("&lt;高亮>") || two.contains("&lt;高亮&gt;"),
        "{two}"
    );
    assert!(
        two.contains("纯文本 &lt;x>") || two.contains("纯文本 &lt;x&gt;"),
        "{two}"
    );
    assert!(two.contains("highlight.css"));
    assert!(!one.contains("highlight.css"));
    assert!(broken_links(&out).is_empty(), "{:?}", broken_links(&out));
}

/// Every bad-input fixture: exit 1, the diagnostic snapshot, and an intact previous output.
#[test]
fn bad_input_fixtures() {
    let dir = repo().join("tests/fixtures/bad");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20);
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let p = common::project_fixture(&case);
        let root = p.path().to_string_lossy().into_owned();
        // A previous good output.
        let out = p.path().join("public");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(".glossa-output"), "old").unwrap();
        std::fs::write(out.join("index.html"), "<p>old site</p>").unwrap();
        let before = snapshot_dir(&out);

        let check = glossa(p.path())
            .env("RUST_BACKTRACE", "1")
            .arg("check")
            .output()
            .unwrap();
        assert_eq!(
            check.status.code(),
            Some(1),
            "{name}: check should fail\n{}",
            text(&check)
        );
        let stderr = String::from_utf8_lossy(&check.stderr).replace(&root, "<root>");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("stack backtrace"),
            "{name} panicked"
        );
        insta::assert_snapshot!(format!("bad_{name}"), stderr);

        let b = glossa(p.path())
            .env("RUST_BACKTRACE", "1")
            .arg("build")
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(b.status.code(), Some(1), "{name}: build should fail");
        assert!(!text(&b).contains("panicked"), "{name} panicked in build");
        // A build releases each chapter's text once it is linked; the
        // errors it stops on still show their snippets, as check shows them
        // (a template error stops a build before its warnings are shown).
        if !name.contains("template") {
            let shown = |o: &std::process::Output, summary: &str| -> String {
                String::from_utf8_lossy(&o.stderr)
                    .replace(&root, "<root>")
                    .lines()
                    .filter(|l| !l.starts_with(summary))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            assert_eq!(
                shown(&b, "build failed"),
                shown(&check, "check failed"),
                "{name}: build and check show different errors"
            );
        }
        assert_eq!(
            snapshot_dir(&out),
            before,
            "{name}: previous output changed"
        );
    }
}

/// Inputs that must work, with warnings (exit 0) or without.
#[test]
fn warning_and_good_fixtures() {
    for (kind, expect_warnings) in [("warn", true), ("good", false)] {
        let dir = repo().join("tests/fixtures").join(kind);
        let mut cases: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        cases.sort();
        for case in cases {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let p = common::project_fixture(&case);
            let out = p.path().join("public");
            let b = glossa(p.path())
                .env("RUST_BACKTRACE", "1")
                .args(["build", "--all-warnings", "--out"])
                .arg(&out)
                .output()
                .unwrap();
            assert_eq!(b.status.code(), Some(0), "{kind}/{name}: {}", text(&b));
            let stderr = String::from_utf8_lossy(&b.stderr).into_owned();
            assert_eq!(
                stderr.contains("warning["),
                expect_warnings,
                "{kind}/{name}: {stderr}"
            );
            if expect_warnings {
                insta::assert_snapshot!(format!("{kind}_{name}"), stderr);
            }
            assert!(broken_links(&out).is_empty());
        }
    }
}

#[test]
fn refuses_project_folders_as_output() {
    let p = project(None);
    for bad in [
        "content",
        ".",
        "templates",
        "static",
        "seeds",
        "..",
        "content/sub",
    ] {
        let o = build(p.path(), &p.path().join(bad), &[]);
        assert_eq!(o.status.code(), Some(1), "--out {bad} accepted");
        assert!(text(&o).contains("refusing"), "{bad}: {}", text(&o));
    }
    // Relative paths too, resolved against the working directory.
    let o = glossa(p.path())
        .arg("build")
        .arg("--out")
        .arg("./content/")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    // Even with --force.
    let o = build(p.path(), &p.path().join("content"), &["--force"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        p.path().join("content/edition.yaml").is_file(),
        "content survived"
    );
}

#[test]
fn refuses_a_foreign_non_empty_folder_unless_forced() {
    let p = project(None);
    let out = p.path().join("mine");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("thesis.docx"), "precious").unwrap();
    let o = build(p.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("not written by glossa"), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("thesis.docx")).unwrap(),
        "precious"
    );
    let o = build(p.path(), &out, &["--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(out.join("index.html").is_file());
}

#[test]
fn rebuilding_replaces_the_output_and_a_failed_build_leaves_it_untouched() {
    let p = project(None);
    let out = p.path().join("public");
    assert!(build(p.path(), &out, &[]).status.success());
    std::fs::write(out.join("stale.html"), "stale").unwrap();
    assert!(build(p.path(), &out, &[]).status.success());
    assert!(
        !out.join("stale.html").exists(),
        "a rebuild replaces the whole folder"
    );
    let before = snapshot_dir(&out);

    // Break a chapter: the build fails and the site is untouched.
    let ch = p.path().join("content/chapters/03-serial-entrepreneurs.md");
    let good = std::fs::read_to_string(&ch).unwrap();
    std::fs::write(&ch, good.replacen("order: 3", "order: 3\nordr: 4", 1)).unwrap();
    let o = build(p.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("did you mean `order`?"), "{}", text(&o));
    assert_eq!(snapshot_dir(&out), before);
    // A broken template also leaves it untouched.
    std::fs::write(&ch, good).unwrap();
    std::fs::write(p.path().join("templates/chapter.html"), "{% if %}").unwrap();
    let o = build(p.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(snapshot_dir(&out), before);
    // No temporary folders are left beside it.
    let leftovers: Vec<_> = std::fs::read_dir(p.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("glossa-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn help_and_version() {
    let o = glossa(&repo()).arg("--help").output().unwrap();
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout);
    for cmd in ["import", "build", "check"] {
        assert!(help.contains(cmd), "{help}");
    }
    let o = glossa(&repo()).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("glossa {}", env!("CARGO_PKG_VERSION"))
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_static_are_refused() {
    let p = project(None);
    let secret = p.path().join("secret.txt");
    std::fs::write(&secret, "TOP SECRET").unwrap();
    std::os::unix::fs::symlink(&secret, p.path().join("static/leak.txt")).unwrap();
    let out = p.path().join("public");
    let o = build(p.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("symbolic link leading outside"),
        "{}",
        text(&o)
    );
    assert!(!out.exists());
}

#[test]
fn metadata_sitemap_feed_and_robots() {
    let p = project(None);
    let out = p.path().join("public");
    let o = build(p.path(), &out, &[]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("sitemap.xml and feed.xml need absolute URLs")
    );
    assert!(
        out.join("robots.txt").is_file()
            && !out.join("sitemap.xml").exists()
            && !out.join("feed.xml").exists()
    );

    let o = build(
        p.path(),
        &out,
        &["--base-url", "https://example.org/edition/"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(
        sitemap.contains("<loc>https://example.org/edition/chapters/talent-flow/</loc>"),
        "{sitemap}"
    );
    assert!(sitemap.contains("<loc>https://example.org/edition/companies/deepseek/</loc>"));
    assert!(!sitemap.contains("404"));
    let feed = std::fs::read_to_string(out.join("feed.xml")).unwrap();
    assert_eq!(feed.matches("<entry>").count(), shipped_slugs().len());
    assert!(feed.contains("<updated>2026-11-28T00:00:00Z</updated>"));
    assert!(
        std::fs::read_to_string(out.join("robots.txt"))
            .unwrap()
            .contains("Sitemap: https://example.org/edition/sitemap.xml")
    );
    for (page, ty) in [
        ("chapters/talent-flow/index.html", "Article"),
        ("companies/deepseek/index.html", "Organization"),
        ("people/liang-wenfeng/index.html", "Person"),
        ("index.html", "WebSite"),
    ] {
        let doc = Html::parse_document(&std::fs::read_to_string(out.join(page)).unwrap());
        let ld = doc
            .select(&sel("script[type='application/ld+json']"))
            .next()
            .unwrap()
            .inner_html();
        let v: serde_json::Value = serde_json::from_str(&ld).unwrap();
        assert_eq!(v["@type"], ty, "{page}");
        for prop in ["og:title", "og:type", "og:site_name"] {
            assert!(
                doc.select(&sel(&format!("meta[property='{prop}']")))
                    .next()
                    .is_some(),
                "{page} {prop}"
            );
        }
        assert!(
            doc.select(&sel("meta[name='twitter:card']"))
                .next()
                .is_some()
        );
        assert!(doc.select(&sel("link[rel=icon]")).next().is_some());
        if ty == "Article" {
            assert_eq!(v["author"]["name"], "陈彩娴");
            assert_eq!(v["publisher"]["name"], "AI 科技评论");
            assert_eq!(
                v["url"],
                "https://example.org/edition/chapters/talent-flow/"
            );
        }
    }
}

#[test]
fn new_scaffolds_files_that_load_and_refuses_to_overwrite() {
    let p = project(Some(&repo().join("tests/fixtures/valid/content")));
    // Chapters of order 1 and 5: a new chapter comes after the last one.
    let two = p.path().join("content/chapters/02-two.md");
    let t = std::fs::read_to_string(&two).unwrap();
    std::fs::write(&two, t.replacen("order: 2", "order: 5", 1)).unwrap();
    for (kind, id, title) in [
        ("chapter", "epilogue", "尾声"),
        ("company", "new-co", "新公司"),
        ("person", "someone", "某人"),
    ] {
        let o = glossa(p.path())
            .args(["new", kind, id, "--title", title])
            .output()
            .unwrap();
        assert!(o.status.success(), "{kind}: {}", text(&o));
    }
    let chapter =
        std::fs::read_to_string(p.path().join("content/chapters/06-epilogue.md")).unwrap();
    assert!(chapter.contains("\norder: 6\n"), "{chapter}");
    let o = glossa(p.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["errors"], 0, "{v}");
    assert!(o.status.success());
    // What `new` left as placeholders is pointed out, where it is.
    let placeholders: Vec<(String, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "placeholder")
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        placeholders.contains(&("content/chapters/06-epilogue.md".into(), 20)),
        "{placeholders:?}"
    );
    for file in ["content/companies/new-co.md", "content/people/someone.md"] {
        assert!(
            placeholders.iter().any(|(f, _)| f == file),
            "{file}: {placeholders:?}"
        );
    }
    assert_eq!(placeholders.len(), 1 + 3 + 2, "{placeholders:?}");
    // The chapter builds.
    let out = p.path().join("public");
    assert!(build(p.path(), &out, &[]).status.success());
    assert!(out.join("chapters/epilogue/index.html").is_file());
    let o = glossa(p.path())
        .args(["new", "company", "new-co"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("refusing to overwrite"));
    let o = glossa(p.path())
        .args(["new", "person", "Bad Id"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("not a valid id"), "{}", text(&o));
}

#[test]
fn coverage_table() {
    // The `annotated` fixture: chapter one has 4 paragraphs (two in a
    // blockquote; the list items are not paragraphs) and 7 notes on ¶1–¶3;
    // chapter two has 1 paragraph (the footnote's is not one) and its note
    // sits on a heading. No profiles.
    let p = project(Some(&repo().join("tests/fixtures/annotated/content")));
    let o = glossa(p.path())
        .args(["check", "--coverage"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip_while(|l| !l.starts_with("chapter"))
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        vec![
            vec!["1.", "one", "4", "7", "3", "0"],
            vec!["2.", "two", "1", "1", "0", "0"],
            vec!["total", "5", "8", "3", "0"],
        ],
        "{out}"
    );
}

#[test]
fn glossary_lists_definitions_in_pinyin_order() {
    let p = project(None);
    let out = p.path().join("public");
    assert!(build(p.path(), &out, &[]).status.success());
    let doc =
        Html::parse_document(&std::fs::read_to_string(out.join("glossary/index.html")).unwrap());
    let terms: Vec<String> = doc
        .select(&sel(".glossary dt"))
        .map(|d| d.text().next().unwrap_or("").trim().to_string())
        .collect();
    let pos = |t: &str| {
        terms
            .iter()
            .position(|x| x == t)
            .unwrap_or_else(|| panic!("{t} missing from {terms:?}"))
    };
    assert!(pos("AGI") < pos("基座模型"), "Latin terms first");
    assert!(
        pos("基座模型") < pos("具身智能") && pos("具身智能") < pos("两条腿走路"),
        "pinyin order"
    );
    let mut unique = terms.clone();
    unique.dedup();
    assert_eq!(unique.len(), terms.len(), "one entry per term");
    // Every definition links back to its passage.
    for a in doc.select(&sel(".glossary .where a")) {
        assert!(a.value().attr("href").unwrap().contains("#m-"));
    }
    assert!(broken_links(&out).is_empty());
}

/// Interface strings come from `ui:` in edition.yaml, the chapter number included.
#[test]
fn chapter_number_wording_is_an_interface_string() {
    let p = project(None);
    let edition = p.path().join("content/edition.yaml");
    let original = std::fs::read_to_string(&edition).unwrap();
    std::fs::write(
        &edition,
        format!("{original}ui:\n  chapter_before: 'Chapter '\n  chapter_after: ''\n"),
    )
    .unwrap();
    let out = p.path().join("public");
    let o = build(p.path(), &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let page = std::fs::read_to_string(out.join("chapters/two-extremes/index.html")).unwrap();
    assert!(
        page.contains(">Chapter 1</p>"),
        "the chapter number uses the ui strings"
    );
    assert!(!page.contains("第 1 章"));
}

#[test]
fn minified_templates_render_what_the_minifier_would() {
    // Every shipped template is simple enough to be minified once.
    let t = glossa::render::Templates::load(&glossa::theme::Theme::built_in(), true).unwrap();
    let mut all: Vec<String> = std::fs::read_dir(repo().join("templates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    all.sort();
    let mut minified = t.minified().to_vec();
    minified.sort();
    assert_eq!(minified, all);

    let p = project(None);
    let site = |mode: &str| {
        let out = p.path().join(format!("public-{mode}"));
        let o = build(p.path(), &out, &["--minify", mode]);
        assert!(o.status.success(), "{}", text(&o));
        snapshot_dir(&out)
    };
    let (none, templates, pages) = (site("none"), site("templates"), site("pages"));
    let cfg = minify_html::Cfg {
        keep_closing_tags: true,
        keep_html_and_head_opening_tags: true,
        minify_css: true,
        ..minify_html::Cfg::default()
    };
    let (mut t_size, mut p_size, mut n_size) = (0, 0, 0);
    for (path, bytes) in &templates {
        if path == "annotations.jsonld" {
            // Positions and context count the page's text as rendered
            // (minified templates drop whitespace between tags): the same
            // notes, passages and bodies, possibly other offsets.
            let notes = |b: &[u8]| {
                let v: serde_json::Value = serde_json::from_slice(b).unwrap();
                v["first"]["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| {
                        (
                            i["id"].clone(),
                            i["body"].clone(),
                            i["target"]["selector"][0]["exact"].clone(),
                        )
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(notes(bytes), notes(&none[path]));
            continue;
        }
        if !path.ends_with(".html") {
            assert_eq!(Some(bytes), none.get(path), "{path}");
            continue;
        }
        // The same document once both are fully minified: minifying the
        // templates changed nothing a reader or a browser could tell.
        assert_eq!(
            String::from_utf8(minify_html::minify(bytes, &cfg)).unwrap(),
            String::from_utf8(minify_html::minify(&none[path], &cfg)).unwrap(),
            "{path}"
        );
        t_size += bytes.len();
        p_size += pages[path].len();
        n_size += none[path].len();
    }
    // Within a few percent of minifying every page, well below unminified.
    assert!(t_size * 100 <= p_size * 104, "{t_size} vs {p_size}");
    assert!(t_size < n_size, "{t_size} vs {n_size}");
}

#[test]
fn templates_that_cannot_be_minified_are_named_and_still_render() {
    let p = project(None);
    // A statement between attributes: the minifier could reorder it away.
    std::fs::write(
        p.path().join("templates/404.html"),
        "{% extends \"base.html\" %}\n{% block content %}\n<section{% if ui.not_found_title %} class=\"not-found\"{% endif %}>\n  <h1>{{ ui.not_found_title }}</h1>\n</section>\n{% endblock content %}\n",
    )
    .unwrap();
    let out = p.path().join("public");
    let o = build(p.path(), &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains("templates not minified") && said.contains("404.html"),
        "{said}"
    );
    assert!(!said.contains("chapter.html"), "{said}");
    let page = std::fs::read_to_string(out.join("404.html")).unwrap();
    assert!(page.contains("<section class=\"not-found\">"), "{page}");
    // Without minification asked for, nothing to say.
    let o = build(p.path(), &out, &["--minify", "none"]);
    assert!(!text(&o).contains("not minified"), "{}", text(&o));
}

/// The feed is dated by `updated`, else by the newest date the edition knows;
/// an edition that knows no date gets no feed (and a note), never the epoch.
#[test]
fn feed_date_is_the_newest_known_date_never_the_epoch() {
    let p = project(Some(&repo().join("tests/fixtures/annotated/content")));
    let out = p.path().join("public");
    let o = build(p.path(), &out, &["--base-url", "https://example.org/"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!out.join("feed.xml").exists());
    assert!(out.join("sitemap.xml").exists());
    assert!(text(&o).contains("feed.xml needs a date"), "{}", text(&o));

    let chapter = p.path().join("content/chapters/01-one.md");
    let t = std::fs::read_to_string(&chapter).unwrap();
    let dated = t.replacen(
        "  - id: nested\n",
        "  - id: nested\n    date: '2023-05'\n",
        1,
    );
    assert_ne!(t, dated);
    std::fs::write(&chapter, dated).unwrap();
    let edition = p.path().join("content/edition.yaml");
    let e = std::fs::read_to_string(&edition).unwrap();
    std::fs::write(
        &edition,
        e.replace("source:\n", "source:\n  date: '2021'\n"),
    )
    .unwrap();
    let o = build(p.path(), &out, &["--base-url", "https://example.org/"]);
    assert!(o.status.success(), "{}", text(&o));
    let feed = std::fs::read_to_string(out.join("feed.xml")).unwrap();
    assert!(
        feed.contains("<updated>2023-05-01T00:00:00Z</updated>"),
        "{feed}"
    );
    assert!(!feed.contains("1970"));

    std::fs::write(
        &edition,
        e.replace("source:\n", "updated: '2024-13-01'\nsource:\n"),
    )
    .unwrap();
    let o = build(p.path(), &out, &["--base-url", "https://example.org/"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("`2024-13-01` is not a valid date"),
        "{}",
        text(&o)
    );
}

/// A new edition has no notes yet: `build` does not say so chapter by
/// chapter, and `check` says it for the first few chapters and counts the rest.
#[test]
fn a_new_edition_starts_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("content/chapters")).unwrap();
    std::fs::write(
        root.join("content/edition.yaml"),
        "title: Quiet\nlanguage: en\n",
    )
    .unwrap();
    for i in 1..=12 {
        std::fs::write(
            root.join(format!("content/chapters/{i:02}-c{i}.md")),
            format!("---\ntitle: 'Part {i}'\norder: {i}\n---\n\nsome words of part {i}.\n"),
        )
        .unwrap();
    }
    let o = build(root, &root.join("public"), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("no-annotations"), "{}", text(&o));
    let o = build(root, &root.join("public"), &["--all-warnings"]);
    assert_eq!(
        text(&o).matches("warning[no-annotations]").count(),
        5,
        "{}",
        text(&o)
    );
    let o = glossa(root).arg("check").output().unwrap();
    let said = text(&o);
    assert!(o.status.success());
    assert_eq!(said.matches("warning[no-annotations]").count(), 5, "{said}");
    assert!(
        said.contains(
            "… and 7 more no-annotations warnings; glossa check --format json lists them all"
        ),
        "{said}"
    );
    let o = glossa(root)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["warnings"], 12);
}

/// `--timings` lists every stage with its wall time, and on Linux the
/// resident memory and its peak after each sequential stage.
#[test]
fn timings_list_every_stage_with_time_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    let o = build(&repo(), &dir.path().join("site"), &["--timings"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    for stage in [
        "load",
        "link: parse, anchor, mentions, checks",
        "of which: search index of the chapters",
        "chapters",
        "search index",
        "swap",
    ] {
        assert!(
            out.lines()
                .any(|l| l.contains(" ms  ") && l.contains(stage)),
            "no `{stage}` line in\n{out}"
        );
    }
    if cfg!(target_os = "linux") {
        let load = out.lines().find(|l| l.contains(" ms  load")).unwrap();
        let mb = |label: &str| -> u64 {
            load.split(label)
                .nth(1)
                .unwrap()
                .trim()
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        assert!(mb("resident") > 0 && mb("peak") >= mb("resident"), "{load}");
    }
}
