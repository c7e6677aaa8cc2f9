//! Helpers shared by the integration tests: temporary projects, running the
//! binary, and a link checker over a built site.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

pub mod cdp;
pub mod shown;

use assert_cmd::Command;
use scraper::{Html, Selector};

/// The shipped edition's own numbers, in this one place: engine behaviour
/// is tested on fixtures, and only the tests of the shipped edition name them.
pub mod shipped {
    /// Chapters of the shipped edition.
    pub const CHAPTERS: usize = 8;
    /// Paragraphs of the article (seed lines 6–75).
    pub const PARAGRAPHS: usize = 70;
    /// Company and person profiles, at least.
    pub const PROFILES_AT_LEAST: usize = 36;
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        #[cfg(unix)]
        if entry.path_is_symlink() {
            let link = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(link, &target).unwrap();
            continue;
        }
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A temporary project with the repository's templates and static files and
/// the given content folder (or the shipped one).
pub fn project(content: Option<&Path>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("templates"), &dir.path().join("templates"));
    copy_dir(&repo().join("static"), &dir.path().join("static"));
    copy_dir(&repo().join("seeds"), &dir.path().join("seeds"));
    let content = content.map_or_else(|| repo().join("content"), Path::to_path_buf);
    copy_dir(&content, &dir.path().join("content"));
    dir
}

/// A temporary project from a fixture folder: its `content/`, the repository's
/// templates with the fixture's `templates/` files laid over them, minus the
/// templates named in the fixture's `templates.remove` (one name a line).
pub fn project_fixture(case: &Path) -> tempfile::TempDir {
    let dir = project(Some(&case.join("content")));
    if case.join("templates").is_dir() {
        copy_dir(&case.join("templates"), &dir.path().join("templates"));
    }
    if let Ok(list) = std::fs::read_to_string(case.join("templates.remove")) {
        for name in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
            std::fs::remove_file(dir.path().join("templates").join(name)).unwrap();
        }
    }
    dir
}

/// A temporary project (see [`project`]) built into its `public/` folder.
pub fn built_project(content: Option<&Path>) -> (tempfile::TempDir, PathBuf) {
    let p = project(content);
    let out = p.path().join("public");
    let o = glossa(p.path())
        .arg("build")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (p, out)
}

/// The glossa binary, run in `root` with `--root root` and no colours.
pub fn glossa(root: &Path) -> Command {
    let mut cmd = Command::cargo_bin("glossa").unwrap();
    cmd.current_dir(root)
        .arg("--root")
        .arg(root)
        .arg("--color")
        .arg("never");
    cmd
}

/// Every file under `dir` with its bytes, keyed by `/`-separated relative path.
pub fn snapshot_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(entry.path()).unwrap());
        }
    }
    out
}

/// The build's Web Annotation export as a client that follows `next` reads
/// it: the collection (`site/annotations.jsonld`), and every page in order
/// (the embedded first one, then each `next` file, resolved against the
/// file that names it, or by its URL's path under `site` with a base URL).
#[allow(dead_code)]
pub fn export_pages(site: &Path) -> (serde_json::Value, Vec<serde_json::Value>) {
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let collection = read(&site.join("annotations.jsonld"));
    let mut pages = vec![collection["first"].clone()];
    let mut from = site.join("annotations.jsonld");
    // A link as a path under `site`, resolved against the file holding it.
    let resolve = |from: &Path, link: &str| -> PathBuf {
        match link.split_once("://") {
            Some((_, rest)) => site.join(rest.split_once('/').unwrap().1),
            None => from.parent().unwrap().join(link),
        }
    };
    while let Some(next) = pages.last().unwrap()["next"].as_str().map(str::to_string) {
        let path = resolve(&from, &next);
        let page = read(&path);
        let id = page["id"].as_str().unwrap();
        assert_eq!(resolve(&path, id), path, "a page's id is where it is");
        pages.push(page);
        from = path;
        assert!(pages.len() < 100_000, "a loop of next links");
    }
    (collection, pages)
}

/// Every annotation of the build's export, over all its pages.
#[allow(dead_code)]
pub fn export_items(site: &Path) -> Vec<serde_json::Value> {
    let (_, pages) = export_pages(site);
    pages
        .iter()
        .flat_map(|p| p["items"].as_array().unwrap().clone())
        .collect()
}

/// Checks every internal link (`href`/`src`) of every HTML page under `site`:
/// the target file must exist and, when the link has a fragment, the target
/// page must have an element with that id. Returns the broken links.
pub fn broken_links(site: &Path) -> Vec<String> {
    let files = snapshot_dir(site);
    let mut ids: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let id_sel = Selector::parse("[id]").unwrap();
    let link_sel =
        Selector::parse("a[href], link[href], script[src], img[src], source[src]").unwrap();
    let mut docs = Vec::new();
    for (path, bytes) in &files {
        if path.ends_with(".html") {
            let doc = Html::parse_document(&String::from_utf8_lossy(bytes));
            let set = doc
                .select(&id_sel)
                .filter_map(|e| e.value().attr("id").map(str::to_string))
                .collect();
            ids.insert(path.clone(), set);
            docs.push((path.clone(), doc));
        }
    }
    let mut broken = Vec::new();
    for (page, doc) in &docs {
        if page == "404.html" {
            // Served at arbitrary depths; its links are absolute (checked elsewhere).
            continue;
        }
        for el in doc.select(&link_sel) {
            let url = el
                .value()
                .attr("href")
                .or_else(|| el.value().attr("src"))
                .unwrap();
            if url.contains("://") || url.starts_with("mailto:") || url.starts_with("data:") {
                continue;
            }
            let (path_part, fragment) = match url.split_once('#') {
                // A text fragment (`#:~:text=…`) is a browser directive, not an id.
                Some((p, f)) => (p, f.split(":~:").next().filter(|f| !f.is_empty())),
                None => (url, None),
            };
            let target = if path_part.is_empty() {
                page.clone()
            } else if path_part.starts_with('/') {
                broken.push(format!("{page}: root-absolute link {url}"));
                continue;
            } else {
                let base = Path::new(page).parent().unwrap_or(Path::new(""));
                let mut parts: Vec<String> = base
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                for seg in path_part.split('/') {
                    match seg {
                        "" | "." => {}
                        ".." => {
                            if parts.pop().is_none() {
                                broken.push(format!("{page}: {url} leaves the site"));
                            }
                        }
                        s => parts.push(s.to_string()),
                    }
                }
                let mut t = parts.join("/");
                if path_part.ends_with('/') || t.is_empty() {
                    if !t.is_empty() {
                        t.push('/');
                    }
                    t.push_str("index.html");
                }
                t
            };
            if !files.contains_key(&target) {
                broken.push(format!("{page}: {url} → missing {target}"));
                continue;
            }
            if let Some(f) = fragment
                && !f.is_empty()
                && !ids.get(&target).is_some_and(|s| s.contains(f))
            {
                broken.push(format!("{page}: {url} → no id `{f}` in {target}"));
            }
        }
    }
    broken
}

/// A running `glossa serve --port 0` for a project folder; killed on drop.
pub struct Served {
    child: std::process::Child,
    pub port: u16,
}

impl Served {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `glossa serve` on a free loopback port.
pub fn serve_project(root: &Path) -> Served {
    serve_project_with(root, &[])
}

/// Starts `glossa serve` on a free loopback port with extra arguments.
pub fn serve_project_with(root: &Path, extra: &[&str]) -> Served {
    use std::io::BufRead;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("glossa"))
        .arg("--root")
        .arg(root)
        .args(["serve", "--port", "0"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Served { child, port }
}

/// Percent-encodes a query string value.
pub fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
