//! Save → reload-message latency of `glossa serve` on the shipped edition.
//!
//! Run with `cargo bench --bench serve_latency`. Copies the project to a
//! temporary folder, starts the server on a free port, connects a WebSocket
//! client, then saves a chapter N times (300 ms apart) and measures the time
//! from the end of each write to the arrival of the `reload` message that
//! names the chapter's page, then to the second message (the pages that depend
//! on the chapter: profiles, lists), when one comes.
//! `CHAPTERS=1000` measures a synthetic edition of that size instead (the
//! corpus of `glossa bench-corpus`), editing its second chapter.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn copy(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn main() {
    let saves: usize = std::env::var("SAVES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(25);
    // CHAPTERS=N: a synthetic edition of N chapters instead of the shipped one.
    let chapters: Option<usize> = std::env::var("CHAPTERS").ok().and_then(|s| s.parse().ok());
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap();
    let dirs: &[&str] = if chapters.is_some() {
        &["templates", "static"]
    } else {
        &["content", "templates", "static", "seeds"]
    };
    for d in dirs {
        copy(&repo.join(d), &dir.path().join(d));
    }
    if let Some(n) = chapters {
        for (rel, text) in glossa::corpus::generate(n, 1) {
            let path = dir.path().join("content").join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_glossa"))
        .arg("--root")
        .arg(dir.path())
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .split("127.0.0.1:")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (mut ws, _) =
        tungstenite::client(format!("ws://127.0.0.1:{port}/__glossa/livereload"), stream).unwrap();
    let chapter = dir.path().join(if chapters.is_some() {
        "content/chapters/00002-s00002.md"
    } else {
        "content/chapters/05-talent-flow.md"
    });
    let original = std::fs::read_to_string(&chapter).unwrap();
    let page = if chapters.is_some() {
        "/chapters/s00002/"
    } else {
        "/chapters/talent-flow/"
    };
    let mut times: Vec<f64> = Vec::with_capacity(saves);
    let mut rest: Vec<f64> = Vec::with_capacity(saves);
    for i in 0..saves {
        // Wait well past the previous rebuild, so each save is measured alone.
        // (After a chapter edit the pages that depend on it are still being
        // re-rendered for a while: on a large edition, wait that out too.)
        let floor = if chapters.is_some() { 2500.0 } else { 300.0 };
        let pause = times.last().map_or(floor, |t| (t * 2.0).max(floor));
        std::thread::sleep(Duration::from_millis(pause as u64));
        let text = if chapters.is_some() {
            format!("{original}\n新增的一段，第 {i} 次保存。\n")
        } else {
            original.replace(
                "其实也反映在研发人才的选择中。",
                &format!("其实也反映在研发人才的选择中。{i}"),
            )
        };
        std::fs::write(&chapter, text).unwrap();
        let start = Instant::now();
        // The reload that names the edited chapter's page (the second phase of
        // a previous save may still be arriving: it names other pages).
        loop {
            if let tungstenite::Message::Text(t) = ws.read().unwrap()
                && t.as_str().contains("\"reload\"")
                && t.as_str().contains(page)
            {
                break;
            }
        }
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        // The second phase: the pages that depend on the chapter (profiles,
        // lists), announced in a later message, if any changed.
        ws.get_mut()
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        if let Ok(tungstenite::Message::Text(t)) = ws.read()
            && t.as_str().contains("\"reload\"")
        {
            rest.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        ws.get_mut().set_read_timeout(None).unwrap();
    }
    let _ = child.kill();
    let _ = child.wait();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = times[times.len() / 2];
    let p90 = times[(times.len() * 9 / 10).min(times.len() - 1)];
    println!(
        "save → reload message over {saves} saves: median {median:.1} ms, p90 {p90:.1} ms, min {:.1} ms, max {:.1} ms",
        times[0],
        times[times.len() - 1]
    );
    if !rest.is_empty() {
        rest.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "save → second message (the pages that depend on the chapter) over {} saves: median {:.1} ms, max {:.1} ms",
            rest.len(),
            rest[rest.len() / 2],
            rest[rest.len() - 1]
        );
    }
}
