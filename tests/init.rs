//! A new edition anywhere: `glossa init` in an empty folder checks, builds
//! and serves at once with the built-in theme (no templates/ or static/ in
//! the project), in every language pack; `init` never overwrites; the theme
//! can be ejected file by file, and a project file overrides the built-in one.

mod common;

use std::io::{Read, Write};
use std::path::Path;

use common::{broken_links, glossa};

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn http_get(port: u16, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let out = String::from_utf8_lossy(&out).into_owned();
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

/// `init` → `check` (no diagnostic) → `build` (every page, no broken link)
/// → `serve` (200), in a folder with no theme of its own.
fn new_edition_works(dir: &Path, language: &str) {
    let root = dir.join(format!("edition-{language}"));
    let o = glossa(dir)
        .args(["init"])
        .arg(&root)
        .args(["--language", language])
        .output()
        .unwrap();
    assert!(o.status.success(), "{language}: {}", text(&o));
    assert!(!root.join("templates").exists() && !root.join("static").exists());
    assert!(root.join("schemas/edition.schema.json").is_file());
    let edition = std::fs::read_to_string(root.join("content/edition.yaml")).unwrap();
    assert!(edition.starts_with("# yaml-language-server: $schema=../schemas/edition.schema.json"));

    let o = glossa(&root)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["errors"].as_u64(), v["warnings"].as_u64()),
        (Some(0), Some(0)),
        "{language}: {v}"
    );

    let out = root.join("public");
    let o = glossa(&root).arg("build").output().unwrap();
    assert!(o.status.success(), "{language}: {}", text(&o));
    for page in [
        "index.html",
        "chapters/first-chapter/index.html",
        "companies/example-press/index.html",
        "people/example-editor/index.html",
        "companies/index.html",
        "people/index.html",
        "annotations/index.html",
        "glossary/index.html",
        "timeline/index.html",
        "search/index.html",
        "404.html",
        "style.css",
        "glossa.js",
    ] {
        assert!(out.join(page).is_file(), "{language}: {page} missing");
    }
    let broken = broken_links(&out);
    assert!(broken.is_empty(), "{language}: {broken:?}");
    let chapter = std::fs::read_to_string(out.join("chapters/first-chapter/index.html")).unwrap();
    let doc = scraper::Html::parse_document(&chapter);
    let html = doc.root_element();
    assert_eq!(html.value().attr("lang"), Some(language));
    assert!(
        chapter.contains("id=\"n-first-note\""),
        "{language}: the example note is on the page"
    );

    let served = common::serve_project(&root);
    let (status, page) = http_get(served.port, "/chapters/first-chapter/");
    assert_eq!(status, 200, "{language}");
    assert!(page.contains("n-first-note"));
}

#[test]
fn init_gives_an_edition_that_checks_builds_and_serves_in_every_language() {
    let dir = tempfile::tempdir().unwrap();
    for language in ["en", "zh-CN", "zh-TW", "ja"] {
        new_edition_works(dir.path(), language);
    }
}

#[test]
fn init_refuses_a_folder_with_files_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let o = glossa(dir.path())
        .args(["init"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("not empty (notes.txt)"), "{}", text(&o));
    assert!(!dir.path().join("content").exists());
    // --force: the other files are left alone, and nothing is overwritten.
    std::fs::write(dir.path().join("README.md"), "my readme").unwrap();
    let o = glossa(dir.path())
        .args(["init", "--force"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("refusing to overwrite"), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("README.md")).unwrap(),
        "my readme"
    );
    std::fs::remove_file(dir.path().join("README.md")).unwrap();
    let o = glossa(dir.path())
        .args(["init", "--force", "--title", "Mine"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "mine"
    );
    let edition = std::fs::read_to_string(dir.path().join("content/edition.yaml")).unwrap();
    assert!(edition.contains("title: 'Mine'"), "{edition}");
}

#[test]
fn the_theme_is_ejected_file_by_file_and_overrides_win() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("e");
    assert!(
        glossa(dir.path())
            .arg("init")
            .arg(&root)
            .output()
            .unwrap()
            .status
            .success()
    );
    // One template, ejected and changed: the site uses it; the rest stays built in.
    let o = glossa(&root)
        .args(["theme", "eject", "chapter.html"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(root.join("templates/chapter.html").is_file());
    assert!(!root.join("templates/base.html").exists());
    let t = std::fs::read_to_string(root.join("templates/chapter.html")).unwrap();
    std::fs::write(
        root.join("templates/chapter.html"),
        t.replace(
            "<article class=\"chapter\">",
            "<article class=\"chapter\" data-mine=\"yes\">",
        ),
    )
    .unwrap();
    // A broken override is reported by its file; the built-in ones by name.
    let o = glossa(&root).arg("build").output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let page =
        std::fs::read_to_string(root.join("public/chapters/first-chapter/index.html")).unwrap();
    assert!(page.contains("data-mine"));
    // Ejecting again never overwrites; an unknown name lists the theme's files.
    let o = glossa(&root)
        .args(["theme", "eject", "chapter.html"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("refusing to overwrite"), "{}", text(&o));
    let o = glossa(&root)
        .args(["theme", "eject", "nope.html"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("templates/base.html"), "{}", text(&o));
    // The whole theme into another folder.
    let o = glossa(&root)
        .args(["theme", "eject", "--out"])
        .arg(dir.path().join("theme"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(dir.path().join("theme/templates/base.html").is_file());
    assert!(dir.path().join("theme/static/style.css").is_file());
    // A template error in an override names the project file.
    std::fs::write(
        root.join("templates/chapter.html"),
        "{% extends \"base.html\" %}{% block content %}{{ chapter.nope }}{% endblock content %}",
    )
    .unwrap();
    let o = glossa(&root).arg("check").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("templates/chapter.html"), "{}", text(&o));
}

/// The README's table of what templates see holds: every template named
/// there sees every name its row and the rows for every template and every
/// page list (the shipped edition has a page of each template). Each
/// template gets a probe after `{% block content %}` that prints, per
/// name, whether it is defined.
#[test]
fn every_template_sees_the_variables_the_readme_lists() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let table = readme
        .split("<!-- template-variables:")
        .nth(1)
        .expect("the README's table of template variables");
    let rows: Vec<(Vec<String>, Vec<String>)> = table
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let ticked = |cell: &str| -> Vec<String> {
                cell.split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect()
            };
            // A cell's first ticked words; a parenthesis explains, it names nothing.
            let names = |cell: &str| -> Vec<String> {
                let mut plain = String::new();
                let mut depth = 0;
                for c in cell.chars() {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ if depth == 0 => plain.push(c),
                        _ => {}
                    }
                }
                ticked(&plain)
            };
            let templates = if cells[1].starts_with("every") {
                vec![cells[1].to_string()]
            } else {
                ticked(cells[1])
            };
            (templates, names(cells[2]))
        })
        .collect();
    assert!(rows.len() >= 10, "{rows:?}");
    let everywhere: Vec<String> = rows
        .iter()
        .filter(|(t, _)| t[0].starts_with("every"))
        .flat_map(|(_, v)| v.clone())
        .collect();
    assert!(
        everywhere.iter().any(|v| v == "chapters[].url"),
        "{everywhere:?}"
    );
    let project = common::project(None);
    let mut expected = Vec::new();
    for (templates, names) in rows.iter().filter(|(t, _)| !t[0].starts_with("every")) {
        for t in templates {
            let names: Vec<String> = everywhere.iter().chain(names).cloned().collect();
            let probe: String = names
                .iter()
                .map(|n| {
                    let expr = n.replace("[]", "[0]");
                    format!("[{n}:{{% if {expr} is defined %}}ok{{% else %}}MISSING{{% endif %}}]")
                })
                .collect();
            let file = project.path().join("templates").join(t);
            let source = std::fs::read_to_string(&file).unwrap();
            let open = "{% block content %}";
            assert!(source.contains(open), "{t}");
            std::fs::write(
                &file,
                source.replacen(
                    open,
                    &format!(
                        "{open}<p>probe {t}: {probe}[root={{{{ root }}}}]\
                         [orders={{% for c in chapters %}}{{{{ c.order }}}},{{% endfor %}}]</p>"
                    ),
                    1,
                ),
            )
            .unwrap();
            expected.push((t.clone(), names));
        }
    }
    let o = glossa(project.path()).arg("build").output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let mut seen = std::collections::BTreeSet::new();
    for entry in walkdir::WalkDir::new(project.path().join("public")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        let page = std::fs::read_to_string(entry.path()).unwrap();
        assert!(!page.contains("MISSING"), "{}", entry.path().display());
        for (t, names) in &expected {
            if page.contains(&format!("probe {t}:")) {
                for n in names {
                    assert!(
                        page.contains(&format!("[{n}:ok]")),
                        "{t} does not see {n} ({})",
                        entry.path().display()
                    );
                }
                seen.insert(t.clone());
            }
        }
    }
    // `root` leads from a chapter page to the site root, and `chapters`
    // is in reading order, as the README says.
    let chapter = std::fs::read_dir(project.path().join("public/chapters"))
        .unwrap()
        .map(|e| e.unwrap().path().join("index.html"))
        .find(|p| p.is_file())
        .expect("a chapter page");
    let page = std::fs::read_to_string(chapter).unwrap();
    assert!(page.contains("[root=../../]"), "{page}");
    let orders: Vec<i64> = page
        .split("[orders=")
        .nth(1)
        .and_then(|r| r.split(']').next())
        .unwrap()
        .split(',')
        .filter(|o| !o.is_empty())
        .map(|o| o.parse().unwrap())
        .collect();
    assert!(
        orders.len() > 1 && orders.windows(2).all(|w| w[0] < w[1]),
        "{orders:?}"
    );
    let all: std::collections::BTreeSet<String> = expected.into_iter().map(|(t, _)| t).collect();
    assert_eq!(seen, all, "a template of the table has no page");
}
