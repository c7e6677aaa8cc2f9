//! What a change re-renders: static files, templates only, edited chapters
//! (two phases: their pages, then what depends on them) or everything; the
//! result is swapped in as one site and open pages are told.
//!
//! Must not write to the output folder or read anything but the project.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use super::{Last, Rebuild, Server, Site};
use crate::build::{self, BuildError, Timings};
use crate::diag::{self, Sources};
use crate::output;
use crate::render::Job;

/// A message to open pages.
pub(super) fn message(kind: &str, html: Option<&str>) -> String {
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

/// A rebuild's pages and warnings.
type Built = Result<(Vec<Job>, Vec<diag::Diagnostic>), BuildError>;

impl Server {
    /// Rebuilds and swaps the site; tells open pages. Returns the kind done.
    pub fn rebuild(&self, kind: Rebuild) -> Rebuild {
        self.rebuild_paths(kind, &[])
    }

    /// Like [`Server::rebuild`], knowing which files changed: edits to
    /// existing chapters re-render only the pages that depend on them.
    pub fn rebuild_paths(&self, kind: Rebuild, changed: &[PathBuf]) -> Rebuild {
        let start = Instant::now();
        let old = self.site();
        let clean = old.overlay.is_none();
        if kind == Rebuild::Chapters
            && clean
            && !changed.is_empty()
            && let Some(done) = self.rebuild_chapters(&old, changed, start)
        {
            return done;
        }
        if kind == Rebuild::Static
            && clean
            && !old.files.is_empty()
            && self.swap_static(&old, start)
        {
            return Rebuild::Static;
        }
        let mut last = self.last.lock().expect("edition lock");
        let templates_only = kind == Rebuild::Templates && clean && last.is_some();
        let (result, sources) = match last.as_mut() {
            Some(l) if templates_only => {
                // Templates only: re-render the edition already in memory.
                let mut timings = Timings::default();
                let r = build::render_edition(
                    &l.edition,
                    &self.options.paths,
                    &l.sources,
                    &mut timings,
                    Some(&mut l.cache),
                );
                (r, None)
            }
            _ => self.build_full(&mut last),
        };
        // The diagnostics point into the kept sources on success, into the
        // failed build's otherwise.
        let shown: &Sources = match (&sources, last.as_ref()) {
            (Some(s), _) => s,
            (None, Some(l)) => &l.sources,
            (None, None) => &Sources::new(),
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
                let what = if templates_only {
                    "re-rendered"
                } else {
                    "rebuilt"
                };
                eprintln!("{what} {pages} pages in {} ms", start.elapsed().as_millis());
                self.broadcast(&message("reload", None));
            }
            Err(e) => self.failed(&old, &e, shown),
        }
        if templates_only {
            Rebuild::Templates
        } else {
            Rebuild::Full
        }
    }

    /// Re-reads `static/` into the current site and tells pages to swap
    /// their stylesheets; false when it cannot be read (a full rebuild
    /// follows and reports it).
    fn swap_static(&self, old: &Site, start: Instant) -> bool {
        match crate::theme::Theme::load(&self.options.paths).map(|t| output::collect_static(&t)) {
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
                true
            }
            Err(e) => {
                eprintln!("error: {e}");
                false
            }
        }
    }

    /// Loads, links and renders everything. On success the edition (and the
    /// sources its diagnostics point into) is kept in `last` for the next
    /// incremental rebuild; on failure `last` is cleared and the failed
    /// build's sources come back with the error, to render its diagnostics.
    fn build_full(&self, last: &mut Option<Last>) -> (Built, Option<Sources>) {
        let mut timings = Timings::default();
        let mut sources = Sources::new();
        let paths = &self.options.paths;
        let loaded = build::load_checked(
            paths,
            &build::Overrides::default(),
            &mut sources,
            &mut timings,
        );
        let (edition, mut warnings) = match loaded {
            Ok(l) => l,
            Err(e) => {
                *last = None;
                return (Err(e), Some(sources));
            }
        };
        let mut cache = crate::annotate::LinkCache::default();
        match build::render_edition(&edition, paths, &sources, &mut timings, Some(&mut cache)) {
            Ok((jobs, mut more)) => {
                warnings.append(&mut more);
                *last = Some(Last {
                    edition,
                    sources,
                    dependents: std::mem::take(&mut timings.dependents),
                    cache,
                    anchors: std::mem::take(&mut timings.anchors),
                });
                (Ok((jobs, warnings)), None)
            }
            Err(e) => {
                *last = None;
                (Err(e), Some(sources))
            }
        }
    }

    /// A build failed: keep serving the old files, show the diagnostics in
    /// the terminal and as the overlay on open pages.
    fn failed(&self, old: &Site, e: &BuildError, sources: &Sources) {
        // Content errors: the rendered diagnostics, then their summary
        // (the error's own text); others: the error's text.
        let text = format!("{}{e}", diag::render(e.diagnostics(), sources, false));
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
}
fn files_of(jobs: Vec<Job>) -> HashMap<String, Arc<Vec<u8>>> {
    jobs.into_iter()
        .map(|j| (j.path, Arc::new(j.bytes)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_is_escaped_and_client_injected() {
        let html = overlay_html("<script>x</script> content/a.md:3:1");
        assert!(html.contains("&lt;script&gt;"));
        let page = super::super::http::inject(
            b"<html><head></head><body><p>x</p></body></html>",
            Some(&html),
            Some("t0ken"),
        );
        let s = String::from_utf8(page).unwrap();
        assert!(s.contains("data-glossa-livereload"));
        assert!(s.find("glossa-overlay").unwrap() < s.find("</body>").unwrap());
        // Authoring mode: the token in the head, the controls in the body.
        assert!(s.contains("<meta name=\"glossa-edit-token\" content=\"t0ken\"></head>"));
        assert!(s.find("data-api=").unwrap() < s.find("</body>").unwrap());
    }
}
