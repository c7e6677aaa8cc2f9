//! `glossa serve`: build into memory, serve over HTTP, watch, rebuild, live reload.
//!
//! Input: a project's [`Paths`] and [`ServeOptions`]. Output: an HTTP server on
//! loopback (by default) that serves exactly the bytes `build` would write —
//! rendered to memory, never to the user's `public/` — plus a small live-reload
//! client injected into HTML responses only, a WebSocket endpoint on the same
//! port (`/__glossa/livereload`), and an error overlay showing the same
//! diagnostics as `check` while the content is broken (the last good site keeps
//! being served).
//!
//! Serving from memory means a request can only ever reach files of the site:
//! `..`, encoded dots, backslashes and absolute paths are refused before the
//! lookup, and there is no file system path to escape through. The site is
//! swapped as one `Arc`, so a request sees either the old site or the new one,
//! never a mix. State lives in a [`Server`] value; there are no statics.
//!
//! Rebuild kinds: a change to `static/` only re-reads it and swaps the CSS in
//! open pages without a reload; a change to templates only re-renders the
//! edition kept in memory (no content file is read); edits to existing
//! chapters re-read only those files into the kept edition, re-link it and
//! re-render only the pages that depend on them (their pages, the profiles
//! that show something of them, the profile indexes, the edition-wide lists
//! and the search index), merged into the previous site; any other change
//! rebuilds the site in memory (load → annotate → render → minify) and reloads
//! open pages. Must not write to the output folder.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify::{Event, EventKind, RecursiveMode, Watcher};

use crate::build::{self, BuildError, Timings};
use crate::content::Paths;
use crate::diag::{self, Sources};
use crate::output;
use crate::render::Job;

/// Path of the live-reload WebSocket.
pub const LIVERELOAD_PATH: &str = "/__glossa/livereload";

/// What `glossa serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub paths: Paths,
    pub bind: IpAddr,
    /// Port to try first; 0 lets the system choose.
    pub port: u16,
    pub poll: bool,
    /// Quiet time that ends a burst of file events.
    pub debounce: Duration,
}

/// One built site, as served.
#[derive(Debug, Default)]
pub struct Site {
    files: HashMap<String, Arc<Vec<u8>>>,
    /// Escaped HTML of the diagnostics of the last failed build, if it failed.
    overlay: Option<String>,
    pub generation: u64,
}

/// The running server's shared state.
pub struct Server {
    site: Mutex<Arc<Site>>,
    /// The last edition that built, with its sources and each chapter's
    /// dependent profiles, for template-only and chapter-only rebuilds.
    last: Mutex<Option<Last>>,
    clients: Mutex<Vec<Sender<String>>>,
    options: ServeOptions,
}

/// What the server keeps of the last good build.
type Last = build::Kept;

/// A message to open pages.
fn message(kind: &str, html: Option<&str>) -> String {
    serde_json::json!({"type": kind, "html": html}).to_string()
}

/// A reload for the open pages at these URLs only (others did not change).
fn reload_message(pages: &[String]) -> String {
    serde_json::json!({"type": "reload", "pages": pages}).to_string()
}

/// The URL paths (`/chapters/x/`) of the HTML files among `jobs`.
fn page_urls(jobs: &[Job]) -> Vec<String> {
    jobs.iter()
        .filter(|j| j.is_html())
        .map(|j| format!("/{}", j.path.strip_suffix("index.html").unwrap_or(&j.path)))
        .collect()
}

/// The live-reload client, served at [`CLIENT_PATH`]; a `<script src>` to it
/// (no inline script, so pages keep working under the strict CSP below) is
/// injected before `</body>` of served HTML only.
const CLIENT: &str = r#"// glossa serve: live reload and error overlay (never part of `build` output).
(() => {
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/__glossa/livereload';
  let wasClosed = false;
  function overlay(html) {
    let o = document.getElementById('glossa-overlay');
    if (!html) { if (o) o.remove(); return; }
    if (!o) { o = document.createElement('div'); o.id = 'glossa-overlay'; document.body.append(o); }
    o.innerHTML = html;
  }
  function connect() {
    const ws = new WebSocket(url);
    ws.onopen = () => { if (wasClosed) location.reload(); };
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      // A reload may name the pages it concerns; other pages did not change.
      const here = location.pathname.replace(/index\.html$/, '');
      if (m.type === 'reload') { if (!m.pages || m.pages.includes(here)) location.reload(); }
      else if (m.type === 'css') {
        for (const l of document.querySelectorAll('link[rel=stylesheet]')) {
          const u = new URL(l.href); u.searchParams.set('v', Date.now()); l.href = u.href;
        }
      } else if (m.type === 'error') overlay(m.html);
    };
    ws.onclose = () => { wasClosed = true; setTimeout(connect, 1000); };
  }
  connect();
})();
"#;

/// Path of the client script.
pub const CLIENT_PATH: &str = "/__glossa/livereload.js";
/// Path of the overlay stylesheet.
pub const OVERLAY_CSS_PATH: &str = "/__glossa/overlay.css";

const OVERLAY_CSS: &str = ".glossa-overlay{position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:1.5rem;\
background:rgba(20,18,16,.95);color:#f4efe6;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap}\n";

/// Headers sent with every response: a strict Content-Security-Policy (the
/// generated pages need nothing else: no inline scripts, styles or handlers)
/// and the usual hardening headers. The README recommends the same for hosts.
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
];

/// The overlay markup for diagnostics text (escaped).
fn overlay_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    pulldown_cmark_escape::escape_html(&mut escaped, text)
        .expect("writing to a String cannot fail");
    format!(
        "<div class=\"glossa-overlay\" role=\"alert\"><strong>glossa: the last change does not build; \
         the previous version is shown.</strong>\n\n{escaped}</div>"
    )
}

impl Site {
    /// The bytes of a built file (as `build` would write them), if present.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(|b| b.as_slice())
    }

    /// Paths of every file of the site, sorted.
    pub fn paths(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self.files.keys().map(String::as_str).collect();
        p.sort_unstable();
        p
    }

    /// Whether the last build failed (the overlay is shown).
    pub fn has_errors(&self) -> bool {
        self.overlay.is_some()
    }
}

impl Server {
    /// Builds the site once and returns the server state (errors become the overlay).
    pub fn new(options: ServeOptions) -> Arc<Server> {
        let server = Arc::new(Server {
            site: Mutex::new(Arc::new(Site::default())),
            last: Mutex::new(None),
            clients: Mutex::new(Vec::new()),
            options,
        });
        server.rebuild(Rebuild::Full);
        server
    }

    /// The current site (a snapshot: later rebuilds do not change it).
    pub fn site(&self) -> Arc<Site> {
        self.site.lock().expect("site lock").clone()
    }

    fn broadcast(&self, msg: &str) {
        let mut clients = self.clients.lock().expect("clients lock");
        clients.retain(|c| c.send(msg.to_string()).is_ok());
    }

    /// Rebuilds and swaps the site; tells open pages. Returns the kind done.
    pub fn rebuild(&self, kind: Rebuild) -> Rebuild {
        self.rebuild_paths(kind, &[])
    }

    /// Like [`Server::rebuild`], knowing which files changed: edits to
    /// existing chapters re-render only the pages that depend on them.
    pub fn rebuild_paths(&self, kind: Rebuild, changed: &[PathBuf]) -> Rebuild {
        let start = Instant::now();
        let old = self.site();
        if kind == Rebuild::Chapters
            && old.overlay.is_none()
            && !changed.is_empty()
            && let Some(done) = self.rebuild_chapters(&old, changed, start)
        {
            return done;
        }
        if kind == Rebuild::Static && old.overlay.is_none() && !old.files.is_empty() {
            match output::collect_static(&self.options.paths.static_dir) {
                Ok(jobs) => {
                    let mut files = old.files.clone();
                    for j in jobs {
                        files.insert(j.path, Arc::new(j.bytes));
                    }
                    self.swap(Site {
                        files,
                        overlay: None,
                        generation: old.generation + 1,
                    });
                    eprintln!(
                        "static files reloaded in {} ms",
                        start.elapsed().as_millis()
                    );
                    self.broadcast(&message("css", None));
                    return Rebuild::Static;
                }
                Err(e) => eprintln!("error: {e}"),
            }
        }
        let mut timings = Timings::default();
        let mut sources = Sources::new();
        let mut done = Rebuild::Full;
        let result = {
            let mut last = self.last.lock().expect("edition lock");
            match (kind, last.as_mut()) {
                // Templates only: re-render the edition already in memory.
                (Rebuild::Templates, Some(l)) if old.overlay.is_none() => {
                    done = Rebuild::Templates;
                    build::render_edition(
                        &l.edition,
                        &self.options.paths,
                        &l.sources,
                        &mut timings,
                        Some(&mut l.cache),
                    )
                }
                _ => {
                    match build::load_checked(&self.options.paths, None, &mut sources, &mut timings)
                    {
                        Ok((edition, mut warnings)) => {
                            let mut cache = crate::annotate::LinkCache::default();
                            let r = build::render_edition(
                                &edition,
                                &self.options.paths,
                                &sources,
                                &mut timings,
                                Some(&mut cache),
                            );
                            let r = r.map(|(jobs, mut more)| {
                                warnings.append(&mut more);
                                (jobs, warnings)
                            });
                            // On success the edition (and the sources its diagnostics point
                            // into) is kept for template-only rebuilds; on failure `sources`
                            // stays here to render the diagnostics.
                            if r.is_ok() {
                                *last = Some(Last {
                                    edition,
                                    sources: std::mem::take(&mut sources),
                                    dependents: std::mem::take(&mut timings.dependents),
                                    cache,
                                });
                            } else {
                                *last = None;
                            }
                            r
                        }
                        Err(e) => Err(e),
                    }
                }
            }
        };
        let last = self.last.lock().expect("edition lock");
        let shown: &Sources = match (&result, last.as_ref()) {
            (Ok(_), Some(l)) => &l.sources,
            _ => &sources,
        };
        match result {
            Ok((jobs, warnings)) => {
                if !warnings.is_empty() {
                    eprint!("{}", diag::render(&warnings, shown, false));
                }
                let pages = jobs.iter().filter(|j| j.is_html()).count();
                self.swap(Site {
                    files: files_of(jobs),
                    overlay: None,
                    generation: old.generation + 1,
                });
                let what = if done == Rebuild::Templates {
                    "re-rendered"
                } else {
                    "rebuilt"
                };
                eprintln!("{what} {pages} pages in {} ms", start.elapsed().as_millis());
                self.broadcast(&message("reload", None));
            }
            Err(e) => self.failed(&old, &e, shown),
        }
        done
    }

    /// A build failed: keep serving the old files, show the diagnostics in
    /// the terminal and as the overlay on open pages.
    fn failed(&self, old: &Site, e: &BuildError, sources: &Sources) {
        let text = match e {
            BuildError::Content(diags) => format!(
                "{}{}",
                diag::render(diags, sources, false),
                diag::summary(diags)
            ),
            BuildError::Template(t) => t.to_string(),
            BuildError::Output(o) => o.to_string(),
        };
        eprintln!("{text}\nbuild failed; still serving the last good version");
        let html = overlay_html(&text);
        self.swap(Site {
            files: old.files.clone(),
            overlay: Some(html.clone()),
            generation: old.generation + 1,
        });
        self.broadcast(&message("error", Some(&html)));
    }

    /// The chapter-only rebuild; `None` when it does not apply (then a full
    /// rebuild follows).
    fn rebuild_chapters(&self, old: &Site, changed: &[PathBuf], start: Instant) -> Option<Rebuild> {
        let mut guard = self.last.lock().expect("edition lock");
        let last = guard.as_mut()?;
        let mut timings = Timings::default();
        // Phase 1: the edited chapters' own pages, swapped in and reloaded at once.
        let mut first = |jobs: Vec<Job>, warnings: &[diag::Diagnostic], sources: &Sources| {
            if !warnings.is_empty() {
                eprint!("{}", diag::render(warnings, sources, false));
            }
            let pages = self.merge(jobs);
            eprintln!(
                "re-rendered {} in {} ms",
                pages.join(", "),
                start.elapsed().as_millis()
            );
            self.broadcast(&reload_message(&pages));
        };
        let outcome =
            build::rebuild_chapters(last, &self.options.paths, changed, &mut timings, &mut first);
        match outcome {
            build::Incremental::Full => {
                *guard = None;
                None
            }
            build::Incremental::Done(jobs) => {
                // Phase 2: profiles, indexes and lists; only pages showing them reload.
                let urls = self.merge(jobs);
                eprintln!(
                    "re-rendered {} more pages that depend on the change in {} ms",
                    urls.len(),
                    start.elapsed().as_millis()
                );
                self.broadcast(&reload_message(&urls));
                Some(Rebuild::Chapters)
            }
            build::Incremental::Failed(e) => {
                self.failed(old, &e, &last.sources);
                // The kept edition now holds the broken text: the next change rebuilds fully.
                *guard = None;
                Some(Rebuild::Chapters)
            }
        }
    }

    /// Swaps in the current site with `jobs` added or replaced; returns the
    /// URLs of the pages among them. A regenerated search index replaces the
    /// old one whole (its shard and chunk files).
    fn merge(&self, jobs: Vec<Job>) -> Vec<String> {
        let urls = page_urls(&jobs);
        let current = self.site();
        let mut files = current.files.clone();
        if jobs.iter().any(|j| j.path == "search/meta.json") {
            files.retain(|path, _| !path.starts_with("search/") || path == "search/index.html");
        }
        files.extend(files_of(jobs));
        self.swap(Site {
            files,
            overlay: None,
            generation: current.generation + 1,
        });
        urls
    }

    fn swap(&self, site: Site) {
        *self.site.lock().expect("site lock") = Arc::new(site);
    }
}

fn files_of(jobs: Vec<Job>) -> HashMap<String, Arc<Vec<u8>>> {
    jobs.into_iter()
        .map(|j| (j.path, Arc::new(j.bytes)))
        .collect()
}

/// What a batch of file changes requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rebuild {
    /// Only files under `static/` changed: re-read them; stylesheets swap in place.
    Static,
    /// Only templates changed: re-render the edition in memory without reading content.
    Templates,
    /// Only existing chapter files changed: re-read them and re-render the
    /// pages that depend on them (falls back to `Full` when the change moves,
    /// renames or retitles a chapter).
    Chapters,
    /// Anything else: rebuild the site in memory.
    Full,
}

/// Whether a changed path is noise: editor swap and backup files, hidden
/// files, and anything inside an output folder.
pub fn ignored(path: &Path, paths: &Paths) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.starts_with(".#")
        || name.starts_with('#')
        || name == "4913"
    {
        return true;
    }
    let rel = path.strip_prefix(&paths.root).unwrap_or(path);
    rel.components().any(|c| {
        let s = c.as_os_str().to_string_lossy();
        s.starts_with('.') || s == "public" || s == "target"
    })
}

/// Classifies a batch of changed paths.
pub fn classify(changed: &[PathBuf], paths: &Paths) -> Option<Rebuild> {
    let relevant: Vec<&PathBuf> = changed.iter().filter(|p| !ignored(p, paths)).collect();
    if relevant.is_empty() {
        return None;
    }
    let all_in = |dir: &Path| relevant.iter().all(|p| p.starts_with(dir));
    let chapters = paths.content.join("chapters");
    Some(if all_in(&paths.static_dir) {
        Rebuild::Static
    } else if all_in(&paths.templates) {
        Rebuild::Templates
    } else if relevant
        .iter()
        .all(|p| p.starts_with(&chapters) && p.extension().is_some_and(|e| e == "md"))
    {
        Rebuild::Chapters
    } else {
        Rebuild::Full
    })
}

/// Runs the watcher loop: debounces events and rebuilds. Blocks.
fn watch(server: Arc<Server>, events: Receiver<PathBuf>) {
    let quiet = server.options.debounce;
    loop {
        let Ok(first) = events.recv() else { return };
        let mut batch = vec![first];
        let start = Instant::now();
        // Collect the burst: until `quiet` passes without events (at most 1 s).
        loop {
            match events.recv_timeout(quiet) {
                Ok(p) => {
                    batch.push(p);
                    if start.elapsed() > Duration::from_secs(1) {
                        break;
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        if let Some(kind) = classify(&batch, &server.options.paths) {
            batch.retain(|p| !ignored(p, &server.options.paths));
            batch.sort();
            batch.dedup();
            server.rebuild_paths(kind, &batch);
        }
    }
}

/// Starts watching the project's folders; file events go to `tx`.
fn start_watcher(
    options: &ServeOptions,
    tx: Sender<PathBuf>,
) -> notify::Result<Box<dyn Watcher + Send>> {
    let handler = move |res: notify::Result<Event>| {
        if let Ok(ev) = res
            && !matches!(ev.kind, EventKind::Access(_))
        {
            for p in ev.paths {
                let _ = tx.send(p);
            }
        }
    };
    let mut watcher: Box<dyn Watcher + Send> = if options.poll {
        Box::new(notify::PollWatcher::new(
            handler,
            notify::Config::default().with_poll_interval(Duration::from_millis(300)),
        )?)
    } else {
        Box::new(notify::RecommendedWatcher::new(
            handler,
            notify::Config::default(),
        )?)
    };
    let p = &options.paths;
    for dir in [&p.content, &p.templates, &p.static_dir, &p.seeds] {
        if dir.is_dir() {
            watcher.watch(dir, RecursiveMode::Recursive)?;
        }
    }
    Ok(watcher)
}

/// Binds the listener: the requested port, or the next free one (up to 20 tries).
pub fn bind(options: &ServeOptions) -> std::io::Result<TcpListener> {
    let mut last = None;
    let tries = if options.port == 0 { 1 } else { 20 };
    for i in 0..tries {
        let addr = SocketAddr::new(options.bind, options.port.saturating_add(i));
        match TcpListener::bind(addr) {
            Ok(l) => {
                if i > 0 {
                    eprintln!("port {} is taken; using {}", options.port, addr.port());
                }
                return Ok(l);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no port")))
}

/// Serves forever on `listener` (the caller prints the address).
pub fn run(server: Arc<Server>, listener: TcpListener) -> std::io::Result<()> {
    let (tx, rx) = mpsc::channel();
    let _watcher = start_watcher(&server.options, tx).map_err(std::io::Error::other)?;
    {
        let server = server.clone();
        std::thread::spawn(move || watch(server, rx));
    }
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let server = server.clone();
        std::thread::spawn(move || {
            let _ = handle(&server, stream);
        });
    }
    Ok(())
}

/// A parsed request line.
struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Request>> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    let mut total = 0;
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let (method, target) = (method.to_string(), target.to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        let n = reader.read_line(&mut h)?;
        total += n;
        if n == 0 || h == "\r\n" || h == "\n" || total > 64 * 1024 {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    // Drain any body (we never use one).
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if len > 0 {
        let mut sink = vec![0u8; len.min(1 << 20)];
        let _ = reader.read_exact(&mut sink);
    }
    Ok(Some(Request {
        method,
        target,
        headers,
    }))
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
    head: bool,
) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    for (k, v) in SECURITY_HEADERS {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(out.as_bytes())?;
    if !head {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// The `Content-Type` for a path.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "jsonld" => "application/ld+json",
        "xml" => "application/xml",
        "atom" => "application/atom+xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Why a request path was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PathError {
    /// Not decodable or not a path we could ever serve (400).
    Bad,
    /// Tries to leave the site (404, never served).
    Outside,
}

/// Decodes and checks a request target; returns the site-relative path
/// (`""` for the root, `a/b/` for folders).
pub fn site_path(target: &str) -> Result<String, PathError> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(PathError::Outside);
    }
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(PathError::Bad)?;
            let s = std::str::from_utf8(hex).map_err(|_| PathError::Bad)?;
            decoded.push(u8::from_str_radix(s, 16).map_err(|_| PathError::Bad)?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(decoded).map_err(|_| PathError::Bad)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return Err(PathError::Bad);
    }
    let rel = &decoded[1..];
    if rel.starts_with('/') {
        return Err(PathError::Outside);
    }
    for seg in rel.split('/') {
        if seg == ".." || seg == "." || seg.contains(':') {
            return Err(PathError::Outside);
        }
    }
    Ok(rel.to_string())
}

fn inject(html: &[u8], overlay: Option<&str>) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    let extra = format!(
        "<link rel=\"stylesheet\" href=\"{OVERLAY_CSS_PATH}\">{}<script src=\"{CLIENT_PATH}\" data-glossa-livereload></script>",
        overlay
            .map(|o| format!("<div id=\"glossa-overlay\">{o}</div>"))
            .unwrap_or_default()
    );
    match text.rfind("</body>") {
        Some(i) => format!("{}{extra}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{extra}").into_bytes(),
    }
}

fn handle(server: &Server, mut stream: TcpStream) -> std::io::Result<()> {
    let Some(req) = read_request(&mut stream)? else {
        return Ok(());
    };
    let head = req.method == "HEAD";
    if req.method != "GET" && !head {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            &[("Allow", "GET, HEAD".into())],
            b"",
            false,
        );
    }
    let path = match site_path(&req.target) {
        Ok(p) => p,
        Err(PathError::Bad) => {
            return respond(
                &mut stream,
                "400 Bad Request",
                &[("Content-Type", "text/plain".into())],
                b"bad request\n",
                head,
            );
        }
        Err(PathError::Outside) => return not_found(server, &mut stream, head),
    };
    match format!("/{path}").as_str() {
        LIVERELOAD_PATH => return websocket(server, stream, &req),
        CLIENT_PATH => {
            return respond(
                &mut stream,
                "200 OK",
                &[("Content-Type", content_type("x.js").into())],
                CLIENT.as_bytes(),
                head,
            );
        }
        OVERLAY_CSS_PATH => {
            return respond(
                &mut stream,
                "200 OK",
                &[("Content-Type", content_type("x.css").into())],
                OVERLAY_CSS.as_bytes(),
                head,
            );
        }
        _ => {}
    }
    let site = server.site();
    let key = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.clone()
    };
    if let Some(bytes) = site.files.get(&key) {
        let body = if key.ends_with(".html") {
            inject(bytes, site.overlay.as_deref())
        } else {
            bytes.to_vec()
        };
        return respond(
            &mut stream,
            "200 OK",
            &[("Content-Type", content_type(&key).into())],
            &body,
            head,
        );
    }
    // A folder without its trailing slash: redirect, so relative links work.
    if site.files.contains_key(&format!("{path}/index.html")) {
        return respond(
            &mut stream,
            "301 Moved Permanently",
            &[("Location", format!("/{path}/"))],
            b"",
            head,
        );
    }
    not_found(server, &mut stream, head)
}

fn not_found(server: &Server, stream: &mut TcpStream, head: bool) -> std::io::Result<()> {
    let site = server.site();
    let body = match site.files.get("404.html") {
        Some(b) => inject(b, site.overlay.as_deref()),
        None => b"not found\n".to_vec(),
    };
    respond(
        stream,
        "404 Not Found",
        &[("Content-Type", content_type("404.html").into())],
        &body,
        head,
    )
}

fn websocket(server: &Server, mut stream: TcpStream, req: &Request) -> std::io::Result<()> {
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(key) = header("sec-websocket-key") else {
        return respond(
            &mut stream,
            "400 Bad Request",
            &[],
            b"websocket upgrade required\n",
            false,
        );
    };
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    write!(
        stream,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    )?;
    // Reads only notice closed connections: they must not keep a queued
    // message waiting (a long read timeout delayed reloads by up to its length).
    stream.set_read_timeout(Some(Duration::from_millis(2)))?;
    let mut ws =
        tungstenite::WebSocket::from_raw_socket(stream, tungstenite::protocol::Role::Server, None);
    let (tx, rx) = mpsc::channel::<String>();
    server.clients.lock().expect("clients lock").push(tx);
    // The current state, so a page opened during an error sees the overlay.
    if let Some(o) = &server.site().overlay {
        let _ = ws.send(tungstenite::Message::text(message("error", Some(o))));
    }
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(msg) => {
                if ws.send(tungstenite::Message::text(msg)).is_err() {
                    return Ok(());
                }
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
            Err(RecvTimeoutError::Timeout) => {}
        }
        // Notice closed connections (reads time out quickly when idle).
        match ws.read() {
            Ok(tungstenite::Message::Close(_)) => return Ok(()),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_confined_to_the_site() {
        assert_eq!(site_path("/"), Ok(String::new()));
        assert_eq!(site_path("/chapters/a/?x=1#y"), Ok("chapters/a/".into()));
        assert_eq!(site_path("/%E4%B8%AD.html"), Ok("中.html".into()));
        for bad in [
            "/../Cargo.toml",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/..%2fCargo.toml",
            "//etc/passwd",
            "/a/../../b",
            "/C:/x",
            "etc/passwd",
        ] {
            assert_eq!(site_path(bad), Err(PathError::Outside), "{bad}");
        }
        for bad in ["/\\..\\", "/%5c..%5c", "/%zz", "/%ff", "/a%00"] {
            assert_eq!(site_path(bad), Err(PathError::Bad), "{bad}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("annotations.jsonld"), "application/ld+json");
        assert_eq!(content_type("sitemap.xml"), "application/xml");
        assert_eq!(content_type("x.svg"), "image/svg+xml");
        assert_eq!(content_type("f.woff2"), "font/woff2");
    }

    #[test]
    fn change_classification() {
        let p = Paths::new(Path::new("/p"));
        let c = |v: &[&str]| classify(&v.iter().map(PathBuf::from).collect::<Vec<_>>(), &p);
        assert_eq!(c(&["/p/static/style.css"]), Some(Rebuild::Static));
        assert_eq!(
            c(&["/p/static/style.css", "/p/content/chapters/a.md"]),
            Some(Rebuild::Full)
        );
        assert_eq!(
            c(&["/p/content/chapters/a.md", "/p/content/chapters/b.md"]),
            Some(Rebuild::Chapters)
        );
        assert_eq!(
            c(&["/p/content/chapters/a.md", "/p/content/companies/x.md"]),
            Some(Rebuild::Full)
        );
        assert_eq!(c(&["/p/templates/base.html"]), Some(Rebuild::Templates));
        assert_eq!(
            c(&["/p/templates/base.html", "/p/static/a.css"]),
            Some(Rebuild::Full)
        );
        assert_eq!(
            c(&[
                "/p/content/chapters/.a.md.swp",
                "/p/content/chapters/a.md~",
                "/p/content/.#a.md"
            ]),
            None
        );
        assert_eq!(c(&["/p/public/index.html"]), None);
    }

    #[test]
    fn overlay_is_escaped_and_client_injected() {
        let html = overlay_html("<script>x</script> content/a.md:3:1");
        assert!(html.contains("&lt;script&gt;"));
        let page = inject(b"<html><body><p>x</p></body></html>", Some(&html));
        let s = String::from_utf8(page).unwrap();
        assert!(s.contains("data-glossa-livereload"));
        assert!(s.find("glossa-overlay").unwrap() < s.find("</body>").unwrap());
    }
}
