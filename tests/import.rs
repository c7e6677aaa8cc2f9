//! `glossa import` on the shipped seed and plan.

mod common;

use std::path::Path;

use common::{glossa, repo, snapshot_dir};
use glossa::content::frontmatter;

const SEED: &str = "seeds/000_126d5811f3c286f1.txt";

fn import_into(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = glossa(&repo());
    cmd.arg("import")
        .arg(repo().join(SEED))
        .arg("--out")
        .arg(dir)
        .args(extra);
    cmd.output().unwrap()
}

fn seed_lines() -> Vec<String> {
    std::fs::read_to_string(repo().join(SEED))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Body paragraphs (visible text) of all chapter files in reading order.
fn paragraphs(content: &Path) -> Vec<String> {
    let files = snapshot_dir(&content.join("chapters"));
    let mut out = Vec::new();
    for bytes in files.values() {
        let text = String::from_utf8(bytes.clone()).unwrap();
        let split = frontmatter::split(&text).unwrap();
        out.extend(glossa::text::visible_blocks(&text[split.body]));
    }
    out
}

#[test]
fn exactly_the_body_paragraphs_survive() {
    let dir = tempfile::tempdir().unwrap();
    let out = import_into(dir.path(), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let paras = paragraphs(dir.path());
    assert!(paras[0].starts_with("DeepSeek 风暴后"), "{}", paras[0]);
    assert!(
        paras.last().unwrap().starts_with("希望 2025 年"),
        "{}",
        paras.last().unwrap()
    );
    // Lines 6–75 of the seed are the article.
    assert_eq!(paras.len(), common::shipped::PARAGRAPHS);

    // No chrome, advertisement, related article or date line appears in any content file.
    let lines = seed_lines();
    let all: String = snapshot_dir(dir.path())
        .values()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    let chapters: String = snapshot_dir(&dir.path().join("chapters"))
        .values()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    for n in [1, 2, 3, 76].into_iter().chain(79..=118) {
        let line = lines[n - 1].trim();
        assert!(!all.contains(line), "line {n} ({line}) leaked into content");
    }
    // Author, lead and rights are metadata only: not in chapter bodies.
    for n in [4, 5, 77, 78] {
        assert!(
            !chapters.contains(lines[n - 1].trim()),
            "line {n} is in a chapter"
        );
    }
    let edition = std::fs::read_to_string(dir.path().join("edition.yaml")).unwrap();
    assert!(
        edition.contains(lines[76].trim()),
        "rights notice missing:\n{edition}"
    );
    assert!(
        edition.contains(lines[77].trim()),
        "rights notice missing:\n{edition}"
    );
    assert!(edition.contains("author: 陈彩娴"), "{edition}");
    assert!(
        edition.contains("lead: |-\n    深度剖析中国大模型行业的独苗现象"),
        "{edition}"
    );
}

#[test]
fn the_vc_questions_are_one_blockquote_with_the_ellipsis() {
    let text = std::fs::read_to_string(repo().join("content/chapters/01-two-extremes.md")).unwrap();
    let quoted: Vec<&str> = text.lines().filter(|l| l.starts_with("> ")).collect();
    assert_eq!(quoted.len(), 5, "{text}");
    assert!(quoted[0].starts_with("> “为什么 DeepSeek 用这么低的成本"));
    assert_eq!(quoted[4], "> ……");
}

#[test]
fn no_spaces_are_introduced_between_chinese_characters() {
    // Every paragraph, with punctuation widths folded, equals its seed line.
    let lines = seed_lines();
    let fold = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '，' => ',',
                '：' => ':',
                '；' => ';',
                '？' => '?',
                '！' => '!',
                '（' => '(',
                '）' => ')',
                c => c,
            })
            .collect()
    };
    let paras = paragraphs(&repo().join("content"));
    for (p, line) in paras.iter().zip(&lines[5..75]) {
        assert_eq!(fold(p), line.trim(), "paragraph differs from its seed line");
    }
}

#[test]
fn import_is_deterministic_and_reproduces_the_shipped_content() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    assert!(import_into(a.path(), &[]).status.success());
    assert!(import_into(b.path(), &[]).status.success());
    assert_eq!(snapshot_dir(a.path()), snapshot_dir(b.path()));

    // The lead, as imported (punctuation normalised, its points a list).
    let lead = |t: &str| {
        let v: serde_yaml::Value = serde_yaml::from_str(t).unwrap();
        v["source"]["lead"].as_str().unwrap().to_string()
    };
    let fresh_edition = std::fs::read_to_string(a.path().join("edition.yaml")).unwrap();
    let shipped_edition = std::fs::read_to_string(repo().join("content/edition.yaml")).unwrap();
    assert_eq!(lead(&fresh_edition), lead(&shipped_edition));
    assert!(lead(&fresh_edition).contains("核心内容：\n\n1. 中国大模型行业的两极分化现象\n2. "));

    // Editors add annotations in front matter; bodies and provenance must match the import.
    let fresh = snapshot_dir(&a.path().join("chapters"));
    let shipped = snapshot_dir(&repo().join("content/chapters"));
    assert_eq!(
        fresh.keys().collect::<Vec<_>>(),
        shipped.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &fresh {
        let f = String::from_utf8(bytes.clone()).unwrap();
        let s = String::from_utf8(shipped[name].clone()).unwrap();
        let (fs, ss) = (
            frontmatter::split(&f).unwrap(),
            frontmatter::split(&s).unwrap(),
        );
        assert_eq!(
            &f[fs.body.clone()],
            &s[ss.body.clone()],
            "body of {name} differs from a fresh import"
        );
        let lines = |t: &str| {
            t.lines()
                .skip_while(|l| !l.starts_with("source:"))
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            lines(&f[fs.yaml]),
            lines(&s[ss.yaml]),
            "source range of {name} differs"
        );
    }
}

#[test]
fn refuses_to_overwrite_without_force_and_lists_the_files() {
    let dir = tempfile::tempdir().unwrap();
    assert!(import_into(dir.path(), &[]).status.success());
    let marker = dir.path().join("chapters/01-two-extremes.md");
    std::fs::write(&marker, "edited by hand").unwrap();
    let out = import_into(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to overwrite"), "{err}");
    // Only the file that differs is named (identical files are not rewritten).
    assert!(err.contains("01-two-extremes.md"), "{err}");
    assert!(!err.contains("08-innovation-over-imitation.md"), "{err}");
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "edited by hand");
    let out = import_into(dir.path(), &["--force"]);
    assert!(out.status.success());
    assert_ne!(std::fs::read_to_string(&marker).unwrap(), "edited by hand");
    // The edited file is kept as a backup, which the loader ignores.
    let backup = dir.path().join("chapters/01-two-extremes.md.bak");
    assert_eq!(std::fs::read_to_string(backup).unwrap(), "edited by hand");
}

#[test]
fn reports_dropped_line_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let out = import_into(dir.path(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for range in [
        "line 1–3",
        "line 76 ",
        "line 77–78",
        "line 79–81",
        "line 82–84",
        "line 85–118",
    ] {
        assert!(stdout.contains(range), "missing {range} in:\n{stdout}");
    }
}

#[test]
fn without_a_plan_the_rules_drop_the_same_lines() {
    let plain = tempfile::tempdir().unwrap();
    // Copy the seed alone, so no plan sits next to it.
    let seed = plain.path().join("seed.txt");
    std::fs::copy(repo().join(SEED), &seed).unwrap();
    let out_dir = plain.path().join("content");
    let out = glossa(plain.path())
        .arg("import")
        .arg(&seed)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = snapshot_dir(&out_dir.join("chapters"));
    assert_eq!(files.len(), 1, "one chapter without a plan");
    let paras = paragraphs(&out_dir);
    let lines = seed_lines();
    let expected: Vec<String> = lines[5..75].iter().map(|l| l.trim().to_string()).collect();
    assert_eq!(paras, expected);
    let edition = std::fs::read_to_string(out_dir.join("edition.yaml")).unwrap();
    assert!(edition.contains("rights:"), "{edition}");
}

#[test]
fn plan_errors_point_into_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("bad.plan.yaml");
    std::fs::write(
        &plan,
        "title: 书\nchapters:\n  - starts: 不存在的开头\n    title: 甲\n    slug: a\n  - starts: DeepSeek\n    title: 乙\n    slug: b\n",
    )
    .unwrap();
    let out = import_into(
        dir.path().join("c").as_path(),
        &["--plan", plan.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.plan.yaml:3:13"), "{err}");
    assert!(
        err.contains("no paragraph starts with “不存在的开头”"),
        "{err}"
    );
    assert!(err.contains("paragraphs start with “DeepSeek”"), "{err}");
    assert!(!dir.path().join("c").exists(), "nothing written on error");
}

/// Adds annotations to a chapter file of `content` (as an editor would).
fn annotate(content: &Path, file: &str, new: &[glossa::content::Annotation]) {
    let path = content.join("chapters").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut sources = glossa::diag::Sources::new();
    let id = sources.add(&path, file.into(), text.clone().into());
    let c = glossa::content::load::parse_chapter(&path, id, text.into()).unwrap();
    std::fs::write(&path, glossa::edit::insert_annotations(&c, new)).unwrap();
}

fn note(id: &str, quote: &str) -> glossa::content::Annotation {
    glossa::content::Annotation {
        id: id.into(),
        quote: quote.into(),
        prefix: None,
        suffix: None,
        occurrence: None,
        kind: glossa::content::AnnotationKind::Note,
        note: "编辑的注释。".into(),
        sources: vec![],
        refs: vec![],
        date: None,
    }
}

#[test]
fn re_importing_a_revised_source_keeps_the_editors_work() {
    let project = tempfile::tempdir().unwrap();
    let seeds = project.path().join("seeds");
    std::fs::create_dir_all(&seeds).unwrap();
    let seed = seeds.join("article.txt");
    let original = std::fs::read_to_string(repo().join(SEED)).unwrap();
    std::fs::write(&seed, &original).unwrap();
    std::fs::copy(
        repo().join("seeds/000_126d5811f3c286f1.plan.yaml"),
        seeds.join("article.plan.yaml"),
    )
    .unwrap();
    let content = project.path().join("content");
    let import = |extra: &[&str]| {
        glossa(project.path())
            .arg("import")
            .arg(&seed)
            .arg("--out")
            .arg(&content)
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(import(&[]).status.success());
    // The editors' work: three annotations, a profile, a hand-set lead, and a
    // chapter file the next plan will not produce.
    annotate(
        &content,
        "01-two-extremes.md",
        &[
            note("kept-one", "俗称“大模型六小虎”"),
            note("lost-one", "一边霜打茄子"),
        ],
    );
    annotate(
        &content,
        "05-talent-flow.md",
        &[note("kept-two", "不仅反映在部分科技")],
    );
    std::fs::create_dir_all(content.join("companies")).unwrap();
    std::fs::write(
        content.join("companies/acme.md"),
        "---\nname: Acme\naliases: [Acme]\ngroup: x\ndescription: x\n---\n",
    )
    .unwrap();
    let edition = std::fs::read_to_string(content.join("edition.yaml")).unwrap();
    let edition = edition.replacen("lead: |-\n", "lead: |-\n    编辑改写的导语。\n", 1);
    let edition = edition.replace("\n    深度剖析", "\n    （原）深度剖析");
    std::fs::write(content.join("edition.yaml"), &edition).unwrap();
    std::fs::write(
        content.join("chapters/09-old.md"),
        "---\ntitle: 旧\norder: 9\n---\n\n旧的一章。\n",
    )
    .unwrap();
    // The source is revised: the passage of `lost-one` is gone.
    assert!(original.contains("霜打茄子"));
    std::fs::write(&seed, original.replace("霜打茄子", "落汤之鸡")).unwrap();

    // Without --force nothing is replaced.
    assert_eq!(import(&[]).status.code(), Some(1));
    let out = import(&["--force"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Announced before anything is written.
    let wrote = stdout.find("wrote ").unwrap();
    for said in [
        "will carry over annotation `kept-one`",
        "will carry over annotation `kept-two`",
        "annotation `lost-one` of chapter `two-extremes` no longer anchors",
        "will move aside",
        "will keep your edition.yaml value of `source.lead`",
    ] {
        let at = stdout
            .find(said)
            .unwrap_or_else(|| panic!("{said} not in {stdout}"));
        assert!(at < wrote, "{said} is announced before writing");
    }
    // Carried over, re-anchored; the lost one kept in a named file, not dropped.
    let chapters = snapshot_dir(&content.join("chapters"));
    let all: String = chapters
        .iter()
        .filter(|(p, _)| p.ends_with(".md"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(all.contains("id: kept-one") && all.contains("id: kept-two"));
    assert!(!all.contains("id: lost-one"));
    let lost = std::fs::read_to_string(content.join("unanchored-annotations.yaml")).unwrap();
    assert!(
        lost.contains("id: lost-one") && lost.contains("一边霜打茄子"),
        "{lost}"
    );
    // The profile stays, the hand-set lead wins, the old chapter is moved aside.
    assert!(content.join("companies/acme.md").is_file());
    let now = std::fs::read_to_string(content.join("edition.yaml")).unwrap();
    assert!(now.contains("编辑改写的导语。"), "{now}");
    assert!(!content.join("chapters/09-old.md").exists());
    assert!(content.join("chapters/09-old.md.bak").is_file());
    // The edition checks with the carried annotations.
    let o = glossa(project.path()).arg("check").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A second revision and --force never overwrite the first backups.
    let first_backup = std::fs::read(content.join("chapters/01-two-extremes.md.bak")).unwrap();
    std::fs::write(&seed, original.replace("霜打茄子", "落汤鸡")).unwrap();
    assert!(import(&["--force"]).status.success());
    assert_eq!(
        std::fs::read(content.join("chapters/01-two-extremes.md.bak")).unwrap(),
        first_backup
    );
    assert!(content.join("chapters/01-two-extremes.md.bak.2").is_file());
    // And nothing was lost the second time either.
    let again: String = snapshot_dir(&content.join("chapters"))
        .iter()
        .filter(|(p, _)| p.ends_with(".md"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(again.contains("id: kept-one") && again.contains("id: kept-two"));
}
