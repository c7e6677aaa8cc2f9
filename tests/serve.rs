//! `glossa serve` against a real server on a random loopback port.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{glossa, project};

struct Serve {
    _served: common::Served,
    port: u16,
    root: PathBuf,
    _dir: tempfile::TempDir,
}

fn serve() -> Serve {
    serve_with(&[])
}

fn serve_with(extra: &[&str]) -> Serve {
    let dir = project(None);
    let root = dir.path().to_path_buf();
    let served = common::serve_project_with(&root, extra);
    Serve {
        port: served.port,
        _served: served,
        root,
        _dir: dir,
    }
}

/// A raw HTTP request (the path is sent exactly as given).
fn raw(port: u16, request: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("complete head")
        + 4;
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head, buf[split..].to_vec())
}

fn get(port: u16, path: &str) -> (u16, String, String) {
    let (s, h, b) = raw(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
    );
    (s, h, String::from_utf8_lossy(&b).into_owned())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        })
        .map(|l| l.split_once(':').unwrap().1.trim())
}

#[test]
fn serves_the_site_with_types_status_and_confinement() {
    let s = serve();
    let (st, h, body) = get(s.port, "/");
    assert_eq!(st, 200);
    assert_eq!(header(&h, "Content-Type"), Some("text/html; charset=utf-8"));
    assert_eq!(header(&h, "Cache-Control"), Some("no-store"));
    // A strict policy: the pages need no inline script or style.
    let csp = header(&h, "Content-Security-Policy").unwrap();
    assert!(
        csp.contains("script-src 'self'")
            && csp.contains("style-src 'self'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(header(&h, "X-Content-Type-Options"), Some("nosniff"));
    let (st, h, js) = get(s.port, "/__glossa/livereload.js");
    assert_eq!(
        (st, header(&h, "Content-Type")),
        (200, Some("text/javascript; charset=utf-8"))
    );
    assert!(js.contains("WebSocket"));
    assert!(
        body.contains("data-glossa-livereload"),
        "reload client injected"
    );
    for (path, ty) in [
        ("/style.css", "text/css; charset=utf-8"),
        ("/glossa.js", "text/javascript; charset=utf-8"),
        ("/annotations.jsonld", "application/ld+json"),
        ("/chapters/talent-flow/", "text/html; charset=utf-8"),
    ] {
        let (st, h, _) = get(s.port, path);
        assert_eq!((st, header(&h, "Content-Type")), (200, Some(ty)), "{path}");
    }
    let (st, h, _) = get(s.port, "/chapters/talent-flow");
    assert_eq!(
        (st, header(&h, "Location")),
        (301, Some("/chapters/talent-flow/"))
    );
    let (st, _, body) = get(s.port, "/no/such/page");
    assert_eq!(st, 404);
    assert!(body.contains("页面不存在"), "the site's own 404 page");
    // HEAD: headers only.
    let (st, h, body) = raw(s.port, "HEAD /style.css HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(st, 200);
    assert!(body.is_empty());
    assert!(
        header(&h, "Content-Length")
            .unwrap()
            .parse::<usize>()
            .unwrap()
            > 1000
    );
    let (st, _, _) = raw(
        s.port,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(st, 405);
    // Traversal attempts never return anything from outside the site.
    let cargo = std::fs::read_to_string(common::repo().join("Cargo.toml")).unwrap();
    std::fs::write(s.root.join("secret.txt"), "TOP SECRET").unwrap();
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2fCargo.toml",
        "//etc/passwd",
        "/\\..\\Cargo.toml",
        "/%5c..%5csecret.txt",
        "/../secret.txt",
        "/content/edition.yaml",
        "/%2e%2e/secret.txt",
    ] {
        let (st, _, body) = raw(s.port, &format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"));
        let body = String::from_utf8_lossy(&body);
        assert!(st == 400 || st == 404, "{path}: status {st}");
        assert!(
            !body.contains("[package]")
                && !body.contains("root:x:")
                && !body.contains("TOP SECRET"),
            "{path} leaked"
        );
        assert!(!cargo.is_empty());
    }
}

#[test]
fn build_output_has_no_reload_client() {
    let p = project(None);
    let out = p.path().join("public");
    assert!(
        glossa(p.path())
            .arg("build")
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap()
            .status
            .success()
    );
    for page in ["index.html", "chapters/talent-flow/index.html", "404.html"] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(!html.contains("livereload"), "{page}");
    }
}

type Ws = tungstenite::WebSocket<TcpStream>;

fn connect(port: u16) -> Ws {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (ws, _) =
        tungstenite::client(format!("ws://127.0.0.1:{port}/__glossa/livereload"), stream).unwrap();
    ws.get_ref()
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    ws
}

/// Messages received within `within`, stopping at the first of `kind` if given.
fn messages(ws: &mut Ws, within: Duration, stop_at: Option<&str>) -> Vec<serde_json::Value> {
    let start = Instant::now();
    let mut out = Vec::new();
    while start.elapsed() < within {
        match ws.read() {
            Ok(tungstenite::Message::Text(t)) => {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                let done = stop_at.is_some_and(|k| v["type"] == k);
                out.push(v);
                if done {
                    break;
                }
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("websocket: {e}"),
        }
    }
    out
}

fn chapter(root: &Path) -> PathBuf {
    root.join("content/chapters/05-talent-flow.md")
}

#[test]
fn live_reload_error_overlay_and_recovery() {
    let s = serve();
    let mut ws = connect(s.port);
    let mut second_tab = connect(s.port);
    let path = chapter(&s.root);
    let good = std::fs::read_to_string(&path).unwrap();
    let edited = good.replace(
        "其实也反映在研发人才的选择中。",
        "其实也反映在研发人才的选择中。标记甲乙丙",
    );
    std::fs::write(&path, &edited).unwrap();
    let got = messages(&mut ws, Duration::from_secs(10), Some("reload"));
    assert!(got.iter().any(|m| m["type"] == "reload"), "{got:?}");
    let other = messages(&mut second_tab, Duration::from_secs(10), Some("reload"));
    assert!(
        other.iter().any(|m| m["type"] == "reload"),
        "every open tab reloads: {other:?}"
    );
    let (_, _, page) = get(s.port, "/chapters/talent-flow/");
    assert!(page.contains("标记甲乙丙"), "new text served");

    // Break the front matter: an overlay with the diagnostic; the last good page is kept.
    std::fs::write(&path, edited.replacen("order: 5", "order: 5\nordr: 6", 1)).unwrap();
    let got = messages(&mut ws, Duration::from_secs(10), Some("error"));
    let err = got
        .iter()
        .find(|m| m["type"] == "error")
        .unwrap_or_else(|| panic!("{got:?}"));
    let html = err["html"].as_str().unwrap();
    assert!(
        html.contains("content/chapters/05-talent-flow.md:4:1"),
        "{html}"
    );
    assert!(html.contains("did you mean `order`?"), "{html}");
    let (st, _, page) = get(s.port, "/chapters/talent-flow/");
    assert_eq!(st, 200);
    assert!(
        page.contains("标记甲乙丙"),
        "the last good version is still served"
    );
    assert!(page.contains("<div id=\"glossa-overlay\">") && page.contains("05-talent-flow.md:4:1"));
    // A page opened now gets the overlay over the WebSocket too.
    let mut late = connect(s.port);
    let got = messages(&mut late, Duration::from_secs(5), Some("error"));
    assert!(got.iter().any(|m| m["type"] == "error"));

    // Fix it: recovery.
    std::fs::write(&path, &good).unwrap();
    let got = messages(&mut ws, Duration::from_secs(10), Some("reload"));
    assert!(got.iter().any(|m| m["type"] == "reload"), "{got:?}");
    let (_, _, page) = get(s.port, "/chapters/talent-flow/");
    assert!(!page.contains("<div id=\"glossa-overlay\">") && !page.contains("标记甲乙丙"));
}

#[test]
fn stylesheet_changes_swap_css_without_a_reload() {
    let s = serve();
    let mut ws = connect(s.port);
    let css = s.root.join("static/style.css");
    let text = std::fs::read_to_string(&css).unwrap();
    std::fs::write(&css, format!("{text}\n/* changed */\n")).unwrap();
    let got = messages(&mut ws, Duration::from_secs(10), Some("css"));
    assert!(got.iter().any(|m| m["type"] == "css"), "{got:?}");
    assert!(!got.iter().any(|m| m["type"] == "reload"), "{got:?}");
    let (_, _, body) = get(s.port, "/style.css");
    assert!(body.contains("/* changed */"));
}

#[test]
fn bursts_of_saves_rebuild_a_few_times_and_end_in_the_last_state() {
    let s = serve();
    let mut ws = connect(s.port);
    let path = chapter(&s.root);
    let good = std::fs::read_to_string(&path).unwrap();
    for i in 0..20 {
        let text = good.replace(
            "其实也反映在研发人才的选择中。",
            &format!("其实也反映在研发人才的选择中。第{i}版"),
        );
        // Some editors write a temporary file and rename it into place.
        if i % 2 == 0 {
            let tmp = path.with_extension("md.tmp");
            std::fs::write(&tmp, &text).unwrap();
            std::fs::rename(&tmp, &path).unwrap();
        } else {
            std::fs::write(&path, &text).unwrap();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let got = messages(&mut ws, Duration::from_secs(4), None);
    let reloads = got.iter().filter(|m| m["type"] == "reload").count();
    assert!(
        (1..=6).contains(&reloads),
        "{reloads} rebuilds for 20 saves: {got:?}"
    );
    let (_, _, page) = get(s.port, "/chapters/talent-flow/");
    assert!(page.contains("第19版"), "final state is the last write");
}

#[test]
fn concurrent_requests_during_a_rebuild_get_whole_pages() {
    let s = serve();
    let port = s.port;
    let path = chapter(&s.root);
    let good = std::fs::read_to_string(&path).unwrap();
    let writer = std::thread::spawn(move || {
        for i in 0..5 {
            let text = good.replace(
                "其实也反映在研发人才的选择中。",
                &format!("其实也反映在研发人才的选择中。并发{i}"),
            );
            std::fs::write(&path, text).unwrap();
            std::thread::sleep(Duration::from_millis(60));
        }
    });
    let handles: Vec<_> = (0..200)
        .map(|i| {
            std::thread::spawn(move || {
                let page = [
                    "/",
                    "/chapters/talent-flow/",
                    "/annotations/",
                    "/companies/deepseek/",
                ][i % 4];
                let (st, h, body) = raw(port, &format!("GET {page} HTTP/1.1\r\nHost: x\r\n\r\n"));
                let len: usize = header(&h, "Content-Length").unwrap().parse().unwrap();
                (
                    st,
                    len == body.len(),
                    String::from_utf8_lossy(&body)
                        .trim_end()
                        .ends_with("</html>"),
                )
            })
        })
        .collect();
    for h in handles {
        let (st, complete, whole) = h.join().unwrap();
        assert_eq!(st, 200);
        assert!(complete && whole, "partial page");
    }
    writer.join().unwrap();
}

#[test]
fn polling_watcher_and_deleted_or_renamed_files() {
    let s = serve_with(&["--poll"]);
    let mut ws = connect(s.port);
    let path = chapter(&s.root);
    let text = std::fs::read_to_string(&path).unwrap();
    // Deleting a chapter that profiles quote is reported, and the last good site stays up.
    std::fs::remove_file(&path).unwrap();
    let got = messages(&mut ws, Duration::from_secs(10), Some("error"));
    let err = got
        .iter()
        .find(|m| m["type"] == "error")
        .unwrap_or_else(|| panic!("polling notices the deletion: {got:?}"));
    assert!(
        err["html"]
            .as_str()
            .unwrap()
            .contains("no chapter has the slug `talent-flow`")
    );
    let (st, _, _) = get(s.port, "/chapters/talent-flow/");
    assert_eq!(st, 200, "the last good version is still served");
    // Renaming it back into place (a new file name with the same slug) recovers.
    std::fs::write(
        s.root.join("content/chapters/05-talent-flow-renamed.md"),
        text.replacen("order: 5", "order: 5\nslug: talent-flow", 1),
    )
    .unwrap();
    let got = messages(&mut ws, Duration::from_secs(10), Some("reload"));
    assert!(got.iter().any(|m| m["type"] == "reload"), "{got:?}");
    let (st, _, page) = get(s.port, "/chapters/talent-flow/");
    assert_eq!(st, 200);
    assert!(page.contains("商业化思维"));
}

/// Polls a JavaScript condition in the page for up to `secs` seconds.
fn wait_for(b: &mut common::cdp::Browser, expr: &str, secs: u64) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if b.call(
            "Runtime.evaluate",
            serde_json::json!({"expression": expr, "returnByValue": true}),
        )["result"]["value"]
            == true
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn the_browser_reloads_and_shows_the_overlay() {
    let Some(mut b) = common::cdp::Browser::launch(1280, 900) else {
        return;
    };
    let s = serve();
    let url = format!("http://127.0.0.1:{}/chapters/talent-flow/", s.port);
    b.call("Page.navigate", serde_json::json!({"url": url}));
    assert!(wait_for(
        &mut b,
        "document.readyState === 'complete' && !!document.querySelector('#text')",
        10
    ));
    // Give the client time to connect, then mark this page instance.
    std::thread::sleep(Duration::from_millis(500));
    b.eval("window.__glossaTestMark = 1");
    let path = chapter(&s.root);
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        good.replace(
            "其实也反映在研发人才的选择中。",
            "其实也反映在研发人才的选择中。浏览器标记",
        ),
    )
    .unwrap();
    assert!(
        wait_for(
            &mut b,
            "window.__glossaTestMark === undefined && document.body.innerText.includes('浏览器标记')",
            10
        ),
        "the page reloaded with the new text"
    );
    std::fs::write(&path, good.replacen("order: 5", "order: 5\nordr: 6", 1)).unwrap();
    assert!(
        wait_for(
            &mut b,
            "!!document.getElementById('glossa-overlay') && document.getElementById('glossa-overlay').innerText.includes('05-talent-flow.md:4:1')",
            10
        ),
        "the overlay shows the diagnostic"
    );
    b.screenshot(&common::cdp::artifacts().join("serve-error-overlay.png"));
    std::fs::write(&path, &good).unwrap();
    assert!(
        wait_for(
            &mut b,
            "!document.getElementById('glossa-overlay') && !document.body.innerText.includes('浏览器标记')",
            10
        ),
        "recovered"
    );
    // The editing API rightly answers 409 for the chapter while it does not
    // parse (the page's editing controls may ask in that moment).
    let errors: Vec<String> = b
        .errors()
        .into_iter()
        .filter(|e| !(e.contains("/__glossa/api/") && e.contains("409")))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[test]
fn template_changes_re_render_without_reading_content() {
    let s = serve();
    let mut ws = connect(s.port);
    let base = s.root.join("templates/base.html");
    let text = std::fs::read_to_string(&base).unwrap();
    std::fs::write(
        &base,
        text.replace(
            "<main id=\"main\">",
            "<main id=\"main\" data-edited=\"yes\">",
        ),
    )
    .unwrap();
    let got = messages(&mut ws, Duration::from_secs(10), Some("reload"));
    assert!(got.iter().any(|m| m["type"] == "reload"), "{got:?}");
    let (_, _, page) = get(s.port, "/chapters/talent-flow/");
    assert!(
        page.contains("data-edited=yes") || page.contains("data-edited=\"yes\""),
        "new template used"
    );
    // A broken template shows the overlay; fixing it recovers.
    std::fs::write(&base, "{% if %}").unwrap();
    let got = messages(&mut ws, Duration::from_secs(10), Some("error"));
    assert!(got.iter().any(|m| m["type"] == "error"), "{got:?}");
    std::fs::write(&base, &text).unwrap();
    let got = messages(&mut ws, Duration::from_secs(10), Some("reload"));
    assert!(got.iter().any(|m| m["type"] == "reload"), "{got:?}");
}

#[test]
fn template_rebuilds_reuse_the_loaded_content() {
    use glossa::serve::{Rebuild, ServeOptions, Server};
    let dir = project(None);
    let server = Server::new(ServeOptions {
        paths: glossa::content::Paths::new(dir.path()),
        bind: "127.0.0.1".parse().unwrap(),
        port: 0,
        poll: false,
        debounce: Duration::from_millis(30),
        edit: false,
        allow_remote_edit: false,
    });
    let page = |server: &Server| {
        String::from_utf8(
            server
                .site()
                .file("chapters/talent-flow/index.html")
                .unwrap()
                .to_vec(),
        )
        .unwrap()
    };
    assert!(!server.site().has_errors());
    let chapter = chapter(dir.path());
    let text = std::fs::read_to_string(&chapter).unwrap();
    std::fs::write(
        &chapter,
        text.replace(
            "其实也反映在研发人才的选择中。",
            "其实也反映在研发人才的选择中。内容改动",
        ),
    )
    .unwrap();
    let base = dir.path().join("templates/base.html");
    let t = std::fs::read_to_string(&base).unwrap();
    std::fs::write(
        &base,
        t.replace(
            "<main id=\"main\">",
            "<main id=\"main\" data-edited=\"yes\">",
        ),
    )
    .unwrap();
    assert_eq!(server.rebuild(Rebuild::Templates), Rebuild::Templates);
    let html = page(&server);
    assert!(html.contains("data-edited"), "the new template is used");
    assert!(
        !html.contains("内容改动"),
        "content is not read again for a template change"
    );
    assert_eq!(server.rebuild(Rebuild::Full), Rebuild::Full);
    assert!(page(&server).contains("内容改动"));
}

/// An edit to one chapter re-renders only what depends on it, and the merged
/// site is byte for byte the site a full build of the new content gives.
#[test]
fn chapter_edits_rebuild_incrementally_and_equal_a_full_build() {
    use glossa::serve::{Rebuild, ServeOptions, Server};
    let dir = project(None);
    let paths = glossa::content::Paths::new(dir.path());
    let server = Server::new(ServeOptions {
        paths: paths.clone(),
        bind: "127.0.0.1".parse().unwrap(),
        port: 0,
        poll: false,
        debounce: Duration::from_millis(30),
        edit: false,
        allow_remote_edit: false,
    });
    assert!(!server.site().has_errors());
    let full_build = || {
        let mut sources = glossa::diag::Sources::new();
        let mut timings = glossa::build::Timings::default();
        glossa::build::render_to_memory(&paths, None, &mut sources, &mut timings)
            .unwrap()
            .0
    };
    let check_equal = |server: &Server, what: &str| {
        let jobs = full_build();
        let site = server.site();
        let mut expected: Vec<&str> = jobs.iter().map(|j| j.path.as_str()).collect();
        expected.sort_unstable();
        assert_eq!(site.paths(), expected, "{what}: same files");
        for j in &jobs {
            assert!(
                site.file(&j.path) == Some(j.bytes.as_slice()),
                "{what}: {} differs from a full build",
                j.path
            );
        }
    };
    let chapter = chapter(dir.path());
    let text = std::fs::read_to_string(&chapter).unwrap();
    // The first edit since the server started takes away the only mentions
    // of a profile (one in the text, one in a note): that profile depended
    // on the chapter before the edit only, so the first full render must
    // have recorded it.
    let unmentioned = text
        .replacen("据 AI 科技评论所知，", "据了解，", 1)
        .replacen("这是 AI 科技评论的了解", "这是报道的说法", 1);
    assert_ne!(unmentioned, text);
    std::fs::write(&chapter, &unmentioned).unwrap();
    server.rebuild_paths(Rebuild::Chapters, std::slice::from_ref(&chapter));
    assert!(!server.site().has_errors());
    check_equal(&server, "after removing a profile's only mentions");
    std::fs::write(&chapter, &text).unwrap();
    server.rebuild_paths(Rebuild::Chapters, std::slice::from_ref(&chapter));
    check_equal(&server, "after restoring them");
    // A new mention (智谱, not named in this chapter before), a new dated note on it,
    // and a removed mention.
    assert!(!text.contains("智谱"));
    let edited = text
        .replace(
            "其实也反映在研发人才的选择中。",
            "其实也反映在研发人才的选择中。智谱也在招人。",
        )
        .replacen(
            "annotations:\n",
            "annotations:\n  - id: zhipu-hiring\n    quote: 智谱也在招人\n    kind: note\n    note: 新加的注释。\n    refs: [zhipu]\n",
            1,
        );
    std::fs::write(&chapter, &edited).unwrap();
    assert_eq!(
        server.rebuild_paths(Rebuild::Chapters, std::slice::from_ref(&chapter)),
        Rebuild::Chapters
    );
    assert!(!server.site().has_errors());
    check_equal(&server, "after adding a mention and a note");
    let zhipu = String::from_utf8(
        server
            .site()
            .file("companies/zhipu/index.html")
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(
        zhipu.contains("智谱也在招人"),
        "the profile lists the new mention"
    );

    // Back to the original text: the mention disappears from the profile again.
    std::fs::write(&chapter, &text).unwrap();
    server.rebuild_paths(Rebuild::Chapters, std::slice::from_ref(&chapter));
    check_equal(&server, "after removing them");

    // A broken edit shows the overlay; fixing it builds again.
    std::fs::write(&chapter, text.replacen("title:", "titel:", 1)).unwrap();
    server.rebuild_paths(Rebuild::Chapters, std::slice::from_ref(&chapter));
    assert!(server.site().has_errors());
    std::fs::write(&chapter, &text).unwrap();
    server.rebuild_paths(Rebuild::Chapters, std::slice::from_ref(&chapter));
    assert!(!server.site().has_errors());
    check_equal(&server, "after a broken edit was fixed");

    // A changed title moves text on other pages: a full rebuild.
    std::fs::write(
        &chapter,
        text.replacen("title: 人才的流向", "title: 人才流向", 1),
    )
    .unwrap();
    server.rebuild_paths(Rebuild::Chapters, std::slice::from_ref(&chapter));
    check_equal(&server, "after a title change");
}

/// A chapter edit reloads that chapter's page first, then only the pages that
/// show something of it (profiles, lists); every other page stays as it is.
#[test]
fn chapter_edits_reload_the_chapter_first_then_only_dependent_pages() {
    let s = serve();
    let mut ws = connect(s.port);
    let path = chapter(&s.root);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "其实也反映在研发人才的选择中。",
            "其实也反映在研发人才的选择中。新句子。",
        ),
    )
    .unwrap();
    let mut reloads = Vec::new();
    let start = Instant::now();
    while reloads.len() < 2 && start.elapsed() < Duration::from_secs(15) {
        reloads.extend(
            messages(&mut ws, Duration::from_secs(1), Some("reload"))
                .into_iter()
                .filter(|m| m["type"] == "reload"),
        );
    }
    assert_eq!(reloads.len(), 2, "{reloads:?}");
    assert_eq!(
        reloads[0]["pages"],
        serde_json::json!(["/chapters/talent-flow/"])
    );
    let second: Vec<&str> = reloads[1]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    for page in [
        "/annotations/",
        "/glossary/",
        "/timeline/",
        "/companies/",
        "/people/",
        "/companies/bytedance/",
    ] {
        assert!(second.contains(&page), "{page} not in {second:?}");
    }
    assert!(!second.contains(&"/chapters/two-extremes/"), "{second:?}");
    assert!(
        !second.contains(&"/"),
        "the home page does not depend on a chapter's text"
    );
    let (_, _, page) = get(s.port, "/chapters/talent-flow/");
    assert!(page.contains("新句子"));
}
