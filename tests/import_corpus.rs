//! `glossa import` on differently shaped articles (tests/fixtures/import-corpus:
//! text copies of WeChat, Zhihu, 36Kr-style, English newsletter and news
//! pages, plain text, and saved HTML pages), each with the expected title,
//! author, publication, date, lead, rights and chapters in `expected.yaml`.
//! Every fixture is imported with the command line, as an editor would; the
//! chapters' text blocks (as glossa reads them) are compared with the expected
//! body lines, and the line-level precision and recall of each fixture are
//! printed and must be 100%.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{glossa, repo};
use serde_yaml::Value;

fn fixtures() -> Vec<PathBuf> {
    let dir = repo().join("tests/fixtures/import-corpus");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.yaml").is_file())
        .collect();
    out.sort();
    out
}

/// The source file of a fixture.
fn source_of(fixture: &Path) -> PathBuf {
    ["source.txt", "source.html"]
        .iter()
        .map(|n| fixture.join(n))
        .find(|p| p.is_file())
        .expect("a source file")
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Imports a fixture into a fresh content folder; returns the folder and stdout.
fn import(fixture: &Path) -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join(source_of(fixture).file_name().unwrap());
    std::fs::copy(source_of(fixture), &source).unwrap();
    let content = dir.path().join("content");
    let o = glossa(dir.path())
        .arg("import")
        .arg(&source)
        .arg("--out")
        .arg(&content)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{}: {stdout}{}",
        fixture.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    (dir, content, stdout)
}

/// Each chapter's title and text blocks, in order.
fn chapters(content: &Path) -> Vec<(String, Vec<String>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(content.join("chapters"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let split = glossa::content::frontmatter::split(&text).unwrap();
            let meta: Value = serde_yaml::from_str(&text[split.yaml.clone()]).unwrap();
            let body = &text[split.body.clone()];
            let (blocks, _) = common::shown::shown(body);
            (meta["title"].as_str().unwrap_or("").to_string(), blocks)
        })
        .collect()
}

/// Precision and recall of `got` against `want` (as multisets of lines).
fn precision_recall(got: &[String], want: &[String]) -> (f64, f64) {
    let mut pool: HashMap<&str, usize> = HashMap::new();
    for w in want {
        *pool.entry(w.as_str()).or_default() += 1;
    }
    let mut hit = 0;
    for g in got {
        if let Some(n) = pool.get_mut(g.as_str())
            && *n > 0
        {
            *n -= 1;
            hit += 1;
        }
    }
    let ratio = |n: usize| if n == 0 { 1.0 } else { hit as f64 / n as f64 };
    (ratio(got.len()), ratio(want.len()))
}

/// A metadata value of `edition.yaml` (Markdown escapes of the lead removed).
fn meta_value(edition: &Value, key: &str) -> Option<String> {
    let v = match key {
        "title" => &edition["title"],
        k => &edition["source"][k],
    };
    v.as_str().map(|s| {
        if key == "lead" {
            let doc = glossa::text::parse(s);
            doc.blocks
                .iter()
                .map(|b| collapse(&b.text(&doc.text)))
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            s.to_string()
        }
    })
}

#[test]
fn every_article_imports_with_full_precision_and_recall() {
    let mut table = vec![format!(
        "{:<16} {:>9} {:>9} {:>7}",
        "fixture", "precision", "recall", "blocks"
    )];
    let mut failures = Vec::new();
    for fixture in fixtures() {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let expected: Value =
            serde_yaml::from_str(&std::fs::read_to_string(fixture.join("expected.yaml")).unwrap())
                .unwrap();
        let (_dir, content, _) = import(&fixture);
        let got = chapters(&content);
        let want: Vec<(Option<String>, Vec<String>)> = expected["chapters"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|c| {
                let body = c["body"]
                    .as_sequence()
                    .map(|b| {
                        b.iter()
                            .map(|l| common::shown::norm(l.as_str().unwrap()))
                            .collect()
                    })
                    .unwrap_or_default();
                (c["title"].as_str().map(str::to_string), body)
            })
            .collect();
        let got_lines: Vec<String> = got.iter().flat_map(|(_, b)| b.clone()).collect();
        let want_lines: Vec<String> = want.iter().flat_map(|(_, b)| b.clone()).collect();
        let (p, r) = precision_recall(&got_lines, &want_lines);
        table.push(format!(
            "{name:<16} {:>8.1}% {:>8.1}% {:>7}",
            p * 100.0,
            r * 100.0,
            want_lines.len()
        ));
        if p < 1.0 || r < 1.0 {
            let extra: Vec<&String> = got_lines
                .iter()
                .filter(|g| !want_lines.contains(g))
                .collect();
            let missing: Vec<&String> = want_lines
                .iter()
                .filter(|w| !got_lines.contains(w))
                .collect();
            failures.push(format!(
                "{name}: not expected {extra:?}; missing {missing:?}"
            ));
        }
        // Chapters: as many, with the expected titles, each holding its own text.
        let titles: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        if got.len() != want.len() {
            failures.push(format!(
                "{name}: {} chapters {titles:?}, want {}",
                got.len(),
                want.len()
            ));
        } else {
            for (k, ((gt, gb), (wt, wb))) in got.iter().zip(&want).enumerate() {
                if wt.as_ref().is_some_and(|w| w != gt) {
                    failures.push(format!("{name}: chapter {k} is titled {gt:?}, want {wt:?}"));
                }
                if gb != wb {
                    failures.push(format!("{name}: chapter {k} holds {gb:?}, want {wb:?}"));
                }
            }
        }
        // Metadata in edition.yaml.
        let edition: Value =
            serde_yaml::from_str(&std::fs::read_to_string(content.join("edition.yaml")).unwrap())
                .unwrap();
        for key in [
            "title",
            "author",
            "publication",
            "date",
            "url",
            "lead",
            "rights",
        ] {
            let want = expected[key].as_str().map(str::to_string);
            let got = meta_value(&edition, key);
            let want_cmp = if key == "lead" {
                want.as_deref().map(collapse)
            } else {
                want.clone()
            };
            if want.is_some() && got != want_cmp {
                failures.push(format!("{name}: {key} is {got:?}, want {want:?}"));
            }
        }
    }
    eprintln!("{}", table.join("\n"));
    assert!(
        failures.is_empty(),
        "{}\n{}",
        table.join("\n"),
        failures.join("\n")
    );
}

/// Runs `glossa import FILE --out DIR/content` in `dir`.
fn import_file(dir: &Path, file: &Path) -> std::process::Output {
    glossa(dir)
        .arg("import")
        .arg(file)
        .arg("--out")
        .arg(dir.join("content"))
        .output()
        .unwrap()
}

#[test]
fn legacy_chinese_encodings_are_converted() {
    // GB18030: a simplified-Chinese article, as saved by older Windows tools.
    let fixture = repo().join("tests/fixtures/import-corpus/wechat-a/source.txt");
    let text = std::fs::read_to_string(&fixture).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gbk = dir.path().join("article.txt");
    std::fs::write(&gbk, encoding_rs::GB18030.encode(&text).0).unwrap();
    let o = import_file(dir.path(), &gbk);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("as gb18030") || stdout.contains("as GB18030"),
        "{stdout}"
    );
    let utf8 = tempfile::tempdir().unwrap();
    let plain = utf8.path().join("article.txt");
    std::fs::write(&plain, &text).unwrap();
    assert!(import_file(utf8.path(), &plain).status.success());
    assert_eq!(
        common::snapshot_dir(&dir.path().join("content/chapters")),
        common::snapshot_dir(&utf8.path().join("content/chapters")),
        "the same chapters as from UTF-8"
    );
    // Big5: a traditional-Chinese text.
    let big5_text = "在小鎮讀書節上擺攤的那三天\n每年十月，河埠鎮都會在老糧倉裡辦一場讀書節。今年是第七屆，我第一次以攤主的身份參加。\n我的攤位很簡單：一張摺疊桌，兩箱舊書，一塊手寫的紙板。\n";
    let dir = tempfile::tempdir().unwrap();
    let big5 = dir.path().join("big5.txt");
    std::fs::write(&big5, encoding_rs::BIG5.encode(big5_text).0).unwrap();
    let o = import_file(dir.path(), &big5);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.to_lowercase().contains("as big5"), "{stdout}");
    let chapters: String = common::snapshot_dir(&dir.path().join("content/chapters"))
        .values()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(chapters.contains("我的攤位很簡單"), "{chapters}");
}

#[test]
fn bad_input_is_a_diagnostic_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "binary.txt",
            b"\x7fELF\x02\x01\x01\x00\x00\x00binary".to_vec(),
            "error[binary-file]",
        ),
        (
            "latin1.txt",
            b"caf\xe9 \xff\xfe\xfd".to_vec(),
            "error[not-utf8]",
        ),
        (
            "only-furniture.txt",
            "分享\n收藏\n点赞\n在看\n".as_bytes().to_vec(),
            "error[empty-seed]",
        ),
        ("huge.txt", vec![b'a'; 17 * 1024 * 1024], "the limit is"),
        (
            "empty-page.html",
            b"<!doctype html><html><head><title>Nothing here</title></head><body><nav>Home</nav></body></html>".to_vec(),
            "error[unreadable-page]",
        ),
    ];
    for (name, bytes, said) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let o = import_file(dir.path(), &path);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(said), "{name}: {stderr}");
        assert!(
            !dir.path().join("content").exists(),
            "{name}: nothing written"
        );
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn the_proposed_plan_validates_and_imports_the_same() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("schemas/plan.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let as_json = |yaml: &str| -> serde_json::Value { serde_yaml::from_str(yaml).unwrap() };
    // The shipped plan is valid.
    let shipped =
        std::fs::read_to_string(repo().join("seeds/000_126d5811f3c286f1.plan.yaml")).unwrap();
    let errs: Vec<String> = validator
        .iter_errors(&as_json(&shipped))
        .map(|e| e.to_string())
        .collect();
    assert!(errs.is_empty(), "{errs:?}");
    for fixture in fixtures() {
        let source = source_of(&fixture);
        if source.extension().is_some_and(|e| e == "html") {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let seed = dir.path().join("article.txt");
        std::fs::copy(&source, &seed).unwrap();
        let plan = dir.path().join("proposed.yaml");
        let o = glossa(dir.path())
            .arg("import")
            .arg(&seed)
            .arg("--plan-out")
            .arg(&plan)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            !dir.path().join("content").exists(),
            "--plan-out writes no content"
        );
        let text = std::fs::read_to_string(&plan).unwrap();
        let errs: Vec<String> = validator
            .iter_errors(&as_json(&text))
            .map(|e| e.to_string())
            .collect();
        assert!(errs.is_empty(), "{}: {errs:?}", fixture.display());
        // Imported with it, the same files as without it.
        let with = dir.path().join("with");
        let o = glossa(dir.path())
            .args(["import"])
            .arg(&seed)
            .arg("--plan")
            .arg(&plan)
            .arg("--out")
            .arg(&with)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(import_file(dir.path(), &seed).status.success());
        assert_eq!(
            common::snapshot_dir(&with),
            common::snapshot_dir(&dir.path().join("content")),
            "{}",
            fixture.display()
        );
    }
}

#[test]
fn dry_run_prints_every_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("article.txt");
    std::fs::copy(
        repo().join("tests/fixtures/import-corpus/wechat-a/source.txt"),
        &seed,
    )
    .unwrap();
    let o = glossa(dir.path())
        .arg("import")
        .arg(&seed)
        .arg("--dry-run")
        .arg("--out")
        .arg(dir.path().join("content"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}");
    assert!(!dir.path().join("content").exists());
    let lines = std::fs::read_to_string(&seed).unwrap();
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(char::is_numeric))
        .collect();
    assert_eq!(
        rows.len(),
        lines.lines().filter(|l| !l.trim().is_empty()).count(),
        "{stdout}"
    );
    for (want, rule) in [
        ("14", "image-credit"),
        ("15", "rights"),
        ("20", "related"),
        ("2", "dateline"),
    ] {
        assert!(
            rows.iter()
                .any(|r| r.trim_start().starts_with(&format!("{want} ")) && r.contains(rule)),
            "line {want} by {rule}: {stdout}"
        );
    }
}
