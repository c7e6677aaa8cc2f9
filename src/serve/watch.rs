//! Watching the project: file events → debounced batches → the kind of rebuild.
//!
//! Must not build or serve anything itself; it calls [`Server::rebuild_paths`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::{Event, EventKind, RecursiveMode, Watcher};

use super::{ServeOptions, Server};
use crate::content::Paths;

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
pub(super) fn run(server: Arc<Server>, events: Receiver<PathBuf>) {
    let quiet = server.options.debounce;
    loop {
        let Ok(first) = events.recv() else { return };
        if server.is_own_write(&first) {
            continue;
        }
        let mut batch = vec![first];
        let start = Instant::now();
        // Collect the burst: until `quiet` passes without events (at most 1 s).
        loop {
            match events.recv_timeout(quiet) {
                Ok(p) => {
                    if !server.is_own_write(&p) {
                        batch.push(p);
                    }
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
pub(super) fn start(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
