//! Hostile and broken input, nothing lost, reproducible output.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{glossa, project, repo, snapshot_dir};

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_50_mb_chapter_is_refused_with_a_clear_limit() {
    let p = project(None);
    let path = p.path().join("content/chapters/99-huge.md");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(b"---\ntitle: huge\norder: 99\n---\n\n")
        .unwrap();
    let line = "很长的段落。".repeat(1000) + "\n\n";
    while f.metadata().unwrap().len() < 50 * 1024 * 1024 {
        f.write_all(line.as_bytes()).unwrap();
    }
    drop(f);
    let o = glossa(p.path())
        .env("RUST_BACKTRACE", "1")
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(
        t.contains("99-huge.md") && t.contains("the limit is 16777216 bytes"),
        "{t}"
    );
    assert!(!t.contains("panicked"));
}

#[test]
fn ten_thousand_annotations_in_one_chapter() {
    let p = project(None);
    let mut fm = String::from("---\ntitle: 一万条注释\norder: 99\nannotations:\n");
    let mut body = String::new();
    for i in 0..10_000 {
        fm.push_str(&format!(
            "  - id: n{i}\n    quote: 第〔{i}〕段\n    kind: note\n    note: 注释 {i}。\n"
        ));
        body.push_str(&format!("这是第〔{i}〕段的正文。\n\n"));
    }
    std::fs::write(
        p.path().join("content/chapters/99-many.md"),
        format!("{fm}---\n\n{body}"),
    )
    .unwrap();
    let start = Instant::now();
    let o = glossa(p.path()).arg("check").output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("10141 annotations"),
        "{}",
        text(&o)
    );
    eprintln!("check with 10,000 extra annotations: {:?}", start.elapsed());
}

#[test]
fn two_builds_are_byte_identical_and_carry_no_machine_paths() {
    let a = project(None);
    let b = project(None);
    let (oa, ob) = (a.path().join("out"), b.path().join("out"));
    for (p, o) in [(&a, &oa), (&b, &ob)] {
        let r = glossa(p.path())
            .args(["build", "--base-url", "https://example.org/"])
            .arg("--out")
            .arg(o)
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", text(&r));
    }
    let (sa, sb) = (snapshot_dir(&oa), snapshot_dir(&ob));
    assert_eq!(sa.keys().collect::<Vec<_>>(), sb.keys().collect::<Vec<_>>());
    for (k, v) in &sa {
        assert!(v == &sb[k], "{k} differs between two builds");
        let s = String::from_utf8_lossy(v);
        for root in [a.path(), b.path(), repo().as_path()] {
            assert!(
                !s.contains(&*root.to_string_lossy()),
                "{k} contains a machine path"
            );
        }
    }
}

/// A bigger edition: the shipped chapters repeated `n` times.
fn big_project(n: usize) -> tempfile::TempDir {
    let p = project(None);
    let chapters = p.path().join("content/chapters");
    let originals: Vec<_> = std::fs::read_dir(&chapters)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for k in 1..n {
        for (i, path) in originals.iter().enumerate() {
            let text = std::fs::read_to_string(path).unwrap();
            // Same text, new order and slug, no annotations (ids must stay unique).
            let body = &text[text[4..].find("\n---\n").unwrap() + 9..];
            let fm = format!(
                "---\ntitle: 副本 {k}-{i}\norder: {}\n---\n",
                100 + k * 10 + i
            );
            std::fs::write(
                chapters.join(format!("{:04}-copy-{k}-{i}.md", 100 + k * 10 + i)),
                format!("{fm}{body}"),
            )
            .unwrap();
        }
    }
    p
}

#[test]
fn a_killed_build_leaves_the_old_site_and_the_next_build_cleans_up() {
    let p = big_project(30);
    let out = p.path().join("public");
    let first = glossa(p.path())
        .arg("build")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", text(&first));
    let before = snapshot_dir(&out);
    // Change the content, start a build and kill it at several points.
    let ch = p.path().join("content/chapters/01-two-extremes.md");
    let t = std::fs::read_to_string(&ch).unwrap();
    std::fs::write(&ch, format!("{t}\n追加的段落。\n")).unwrap();
    let mut killed = 0;
    for delay in [5u64, 30, 80, 150, 300] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("glossa"))
            .arg("--root")
            .arg(p.path())
            .arg("build")
            .arg("--out")
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let now = snapshot_dir(&out);
        if !status.success() {
            killed += 1;
        }
        if status.success() {
            // It finished before the kill: the new site is whole.
            assert!(
                String::from_utf8_lossy(&now["chapters/two-extremes/index.html"])
                    .contains("追加的段落")
            );
        } else {
            assert!(
                now == before
                    || String::from_utf8_lossy(&now["chapters/two-extremes/index.html"])
                        .contains("追加的段落"),
                "after a kill at {delay} ms the output is neither the old nor the new site"
            );
        }
    }
    assert!(
        killed > 0,
        "no build was killed mid-way; make the project bigger"
    );
    let last = glossa(p.path())
        .arg("build")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(last.status.success(), "{}", text(&last));
    let leftovers: Vec<String> = std::fs::read_dir(p.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("glossa-new") || n.contains("glossa-old"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The content folder was never touched by the builds.
    assert!(p.path().join("content/edition.yaml").is_file());
}

fn vm_hwm_kb(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn serve_under_stress_answers_whole_pages_with_flat_memory() {
    let p = project(None);
    let served = common::serve_project(p.path());
    let port = served.port;
    let pid = served.pid();
    let get = move |path: &str| -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let head = String::from_utf8_lossy(&buf[..split]).into_owned();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(len, buf.len() - split, "partial body");
        (
            head.split_whitespace().nth(1).unwrap().parse().unwrap(),
            String::from_utf8_lossy(&buf[split..]).into_owned(),
        )
    };
    // Warm up, then take the baseline peak memory.
    for _ in 0..20 {
        get("/chapters/talent-flow/");
    }
    let before = vm_hwm_kb(pid);
    let ch = p.path().join("content/chapters/05-talent-flow.md");
    let original = std::fs::read_to_string(&ch).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::fs::write(
                    &ch,
                    original.replace(
                        "其实也反映在研发人才的选择中。",
                        &format!("其实也反映在研发人才的选择中。〖v{i}〗"),
                    ),
                )
                .unwrap();
                i += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let clients: Vec<_> = (0..50)
        .map(|c| {
            std::thread::spawn(move || {
                for r in 0..20 {
                    let path = [
                        "/chapters/talent-flow/",
                        "/",
                        "/companies/bytedance/",
                        "/search/meta.json",
                    ][(c + r) % 4];
                    let (status, body) = get(path);
                    assert_eq!(status, 200, "{path}");
                    if path.ends_with('/') {
                        assert!(
                            body.trim_end().ends_with("</html>"),
                            "incomplete page {path}"
                        );
                    }
                    if path == "/chapters/talent-flow/" {
                        // One build per page: at most one version marker.
                        assert!(body.matches("〖v").count() <= 1, "a page mixes two builds");
                    }
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    let after = vm_hwm_kb(pid);
    eprintln!("serve peak RSS: {before} kB before, {after} kB after 1,000 requests with rebuilds");
    assert!(
        after < before * 3 + 50_000,
        "memory grew from {before} kB to {after} kB"
    );
}

#[test]
fn hostile_text_is_inert_in_every_output() {
    let p = project(Some(&repo().join("tests/fixtures/annotated/content")));
    let evil =
        "<script>alert(1)</script> \\\"><img src=x onerror=alert(1)> </script> {{ x }} &amp;";
    // Hostile chapter title (feed, JSON-LD, titles), profile text and description.
    let ch = p.path().join("content/chapters/02-two.md");
    let t = std::fs::read_to_string(&ch).unwrap();
    std::fs::write(
        &ch,
        t.replacen("title: 第二章", &format!("title: \"第二章 {evil}\""), 1),
    )
    .unwrap();
    std::fs::create_dir_all(p.path().join("content/companies")).unwrap();
    std::fs::write(
        p.path().join("content/companies/evil.md"),
        format!("---\nname: 霜打茄子公司\naliases: [雷峰网]\ngroup: 测试\ndescription: \"{evil}\"\n---\n\n{}\n", evil.replace("\\\"", "\"")),
    )
    .unwrap();
    // A date, so that the feed is written.
    let edition = p.path().join("content/edition.yaml");
    let e = std::fs::read_to_string(&edition).unwrap();
    std::fs::write(&edition, format!("updated: '2025-01-01'\n{e}")).unwrap();
    let out = p.path().join("public");
    let o = glossa(p.path())
        .args(["build", "--base-url", "https://example.org/"])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let files = snapshot_dir(&out);
    for (path, bytes) in &files {
        let s = String::from_utf8_lossy(bytes);
        if path.ends_with(".html") {
            // In the DOM a browser builds: no script runs the payload, no element carries a handler.
            let doc = scraper::Html::parse_document(&s);
            let scripts = scraper::Selector::parse("script").unwrap();
            for script in doc.select(&scripts) {
                let body = script.inner_html();
                if script.value().attr("type") != Some("application/ld+json") {
                    assert!(
                        !body.contains("alert("),
                        "{path}: a script element carries the payload"
                    );
                } else {
                    assert!(!body.contains('<'), "{path}: JSON-LD with raw <");
                    serde_json::from_str::<serde_json::Value>(&body).expect("JSON-LD parses");
                }
            }
            let any = scraper::Selector::parse("*").unwrap();
            for el in doc.select(&any) {
                assert!(
                    el.value().attrs().all(|(k, _)| !k.starts_with("on")),
                    "{path}: event handler attribute on <{}>",
                    el.value().name()
                );
                assert!(
                    el.value().name() != "img" || el.value().attr("src") != Some("x"),
                    "{path}: injected image"
                );
            }
        } else if path.ends_with(".json") || path.ends_with(".jsonld") {
            // Data only: valid JSON (the search client inserts it with textContent).
            serde_json::from_slice::<serde_json::Value>(bytes)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
        } else if path.ends_with(".xml") {
            assert!(
                !s.contains("<script") && !s.contains("<img"),
                "{path}: markup in XML"
            );
        }
    }
    // The template syntax in content is printed, not evaluated.
    let page = String::from_utf8_lossy(&files["chapters/two/index.html"]).into_owned();
    assert!(
        page.contains("{{ x }}"),
        "content braces are shown literally"
    );
    // The feed is well-formed XML with the title escaped.
    let feed = String::from_utf8_lossy(&files["feed.xml"]).into_owned();
    assert!(feed.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

/// A reader that goes away (`glossa … | head -1`) ends glossa quietly, never
/// with a panic about a broken pipe.
#[cfg(unix)]
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let p = project(None);
    let mut child = Command::new(env!("CARGO_BIN_EXE_glossa"))
        .arg("--root")
        .arg(p.path())
        .args(["check", "--coverage"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Hang up before glossa prints anything.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}
