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
//!
//! Authoring mode (on by default on loopback; off with `read_only`, and off
//! on any other address unless `allow_remote_edit`): every served page also
//! carries a per-run token (`<meta name="glossa-edit-token">`) and the
//! editing controls (`serve/edit.js`), which call the editing API under
//! `/__glossa/api/` ([`api`]) to add, change and remove annotations and to
//! create profiles — the only writes `serve` ever does, to files under
//! `content/`.
//!
//! Submodules: [`rebuild`] (what a change re-renders, and the swap), [`watch`]
//! (file events, debouncing, classifying a batch), [`http`] (requests,
//! responses, the WebSocket), [`api`] (the editing API). The browser client
//! is `serve/client.js`.

mod api;
mod http;
mod rebuild;
mod watch;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::build;
use crate::content::Paths;

pub use http::{PathError, content_type, site_path};
pub use watch::{Rebuild, classify, ignored};

/// Path of the live-reload WebSocket.
pub const LIVERELOAD_PATH: &str = "/__glossa/livereload";

/// Path of the client script.
pub const CLIENT_PATH: &str = "/__glossa/livereload.js";
/// Path of the overlay stylesheet.
pub const OVERLAY_CSS_PATH: &str = "/__glossa/overlay.css";
/// Where the editing API lives (authoring mode).
pub const API_PATH: &str = "/__glossa/api/";
/// The editing controls and their stylesheet (authoring mode).
pub const EDIT_PATH: &str = "/__glossa/edit.js";
pub const EDIT_CSS_PATH: &str = "/__glossa/edit.css";

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
    /// Authoring mode unless `--read-only`.
    pub edit: bool,
    /// Authoring mode even when bound to a non-loopback address.
    pub allow_remote_edit: bool,
}

impl ServeOptions {
    /// Whether the preview accepts edits: asked for, and bound to loopback
    /// or explicitly allowed elsewhere.
    pub fn editing(&self) -> bool {
        self.edit && (self.bind.is_loopback() || self.allow_remote_edit)
    }
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
    /// The per-run token of authoring mode (`None` when read-only).
    token: Option<String>,
    /// The address the server listens on (set by [`run`]).
    addr: std::sync::OnceLock<SocketAddr>,
    /// Held by an edit from its version check to its write.
    writing: Mutex<()>,
    /// Files the editing API wrote, with a hash of what it wrote: their file
    /// events are not a change to rebuild for (the API rebuilt already).
    own_writes: Mutex<HashMap<PathBuf, u64>>,
}

/// What the server keeps of the last good build.
type Last = build::Kept;

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
        let token = options.editing().then(new_token);
        let server = Arc::new(Server {
            site: Mutex::new(Arc::new(Site::default())),
            last: Mutex::new(None),
            clients: Mutex::new(Vec::new()),
            options,
            token,
            addr: std::sync::OnceLock::new(),
            writing: Mutex::new(()),
            own_writes: Mutex::new(HashMap::new()),
        });
        server.rebuild(Rebuild::Full);
        server
    }

    /// Whether authoring mode is on.
    pub fn editing(&self) -> bool {
        self.token.is_some()
    }

    /// The per-run token pages carry in authoring mode.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Records a file the editing API wrote (its file event is ours).
    fn wrote(&self, path: PathBuf, bytes: &[u8]) {
        let mut own = self.own_writes.lock().expect("own writes lock");
        own.insert(path, api::hash(bytes));
    }

    /// Whether a changed path is only the editing API's own write (and
    /// forgets it): the file holds exactly what the API wrote.
    fn is_own_write(&self, path: &std::path::Path) -> bool {
        let mut own = self.own_writes.lock().expect("own writes lock");
        let Some(&h) = own.get(path) else {
            return false;
        };
        let same = std::fs::read(path).is_ok_and(|b| api::hash(&b) == h);
        if !same {
            own.remove(path);
        }
        same
    }

    /// The current site (a snapshot: later rebuilds do not change it).
    pub fn site(&self) -> Arc<Site> {
        self.site.lock().expect("site lock").clone()
    }

    fn broadcast(&self, msg: &str) {
        let mut clients = self.clients.lock().expect("clients lock");
        clients.retain(|c| c.send(msg.to_string()).is_ok());
    }

    fn swap(&self, site: Site) {
        *self.site.lock().expect("site lock") = Arc::new(site);
    }
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
    if let Ok(addr) = listener.local_addr() {
        let _ = server.addr.set(addr);
    }
    let (tx, rx) = mpsc::channel();
    let _watcher = watch::start(&server.options, tx).map_err(std::io::Error::other)?;
    {
        let server = server.clone();
        std::thread::spawn(move || watch::run(server, rx));
    }
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let server = server.clone();
        std::thread::spawn(move || {
            let _ = http::handle(&server, stream);
        });
    }
    Ok(())
}

/// A per-run token: 128 random bits from the system, in hex.
fn new_token() -> String {
    let mut bytes = [0u8; 16];
    let random = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    if !random {
        // No /dev/urandom: std's per-process random hash keys, and the clock.
        use std::hash::{BuildHasher, Hasher};
        for chunk in bytes.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
