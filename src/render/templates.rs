//! Tera behind one door: loading the project's templates and rendering views.
//!
//! Input: the `templates/` folder and serializable, borrowed view structs.
//! Output: rendered page text. Edition-wide data goes into Tera's global context
//! once per build (never cloned per page). This is the only module that names
//! `tera`. Must not read content or write output.
//!
//! Templates are minified once, when compiled ([`crate::minify::template`]), instead
//! of minifying every rendered page: a template is minified only when every
//! template tag in it sits in text or inside a quoted attribute value, and the
//! minified template is used only if its template tags came out unchanged.
//! Anything else keeps its source as written. A render error is reported
//! against the source as written (the page is rendered again with it).

use serde::Serialize;

use crate::theme::Theme;

/// Templates every site needs.
pub const REQUIRED: [&str; 11] = [
    "base.html",
    "index.html",
    "chapter.html",
    "annotations.html",
    "company.html",
    "person.html",
    "entities.html",
    "search.html",
    "glossary.html",
    "timeline.html",
    "404.html",
];

/// A template problem (environment tier: it names the template, and where
/// it came from — the project's `templates/NAME` or `(built-in) NAME`), or
/// a chapter that cannot be rendered because its file changed during the
/// build (`Source`): the errors that stop rendering.
#[derive(Debug)]
pub enum TemplateError {
    Missing { name: String },
    Compile { report: String },
    Render { name: String, report: String },
    Source(crate::content::SourceChanged),
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing { name } => write!(
                f,
                "template {name} is missing (it is neither in templates/ nor built in)"
            ),
            Self::Compile { report } => write!(f, "templates do not compile:\n{report}"),
            Self::Render { name, report } => {
                write!(f, "template {name} failed to render:\n{report}")
            }
            // It stops rendering, so the build that released it stops too.
            Self::Source(e) => write!(f, "{e}; nothing was written, build again"),
        }
    }
}

impl std::error::Error for TemplateError {}

/// The compiled templates of a project.
pub struct Templates {
    tera: tera::Tera,
    /// The sources as written, when `tera` holds minified ones: render errors
    /// are reported against these (compiled only then).
    written: Option<Vec<(String, String)>>,
    /// Global values, kept to set them again on `written` templates.
    globals: tera::Context,
    /// Names of the templates that were minified.
    minified: Vec<String>,
    /// Names of the templates used as written although minifying was asked for.
    kept: Vec<String>,
    /// Per template name, how reports name it (`templates/x.html`, `(built-in) x.html`).
    labels: Vec<(String, String)>,
    /// Per template (as in `labels`), the size of the page it rendered
    /// last: the next page's buffer starts that large, instead of growing
    /// by doubling and copying (a chapter page is tens of kilobytes).
    sizes: Vec<std::sync::atomic::AtomicUsize>,
}

impl Templates {
    /// Compiles the theme's `*.html` templates (names relative to
    /// `templates/`, `/`-separated), minified when `minify` is set (see the
    /// module docs).
    pub fn load(theme: &Theme, minify: bool) -> Result<Self, TemplateError> {
        let mut files = Vec::new();
        let mut labels = Vec::new();
        for f in theme.templates.iter().filter(|f| f.name.ends_with(".html")) {
            let text = String::from_utf8_lossy(&f.bytes).into_owned();
            labels.push((f.name.clone(), f.label("templates")));
            files.push((f.name.clone(), text));
        }
        for name in REQUIRED {
            if !files.iter().any(|(n, _)| n == name) {
                return Err(TemplateError::Missing {
                    name: name.to_string(),
                });
            }
        }
        let mut kept = Vec::new();
        if minify {
            let mut minified = Vec::new();
            let small: Vec<(String, String)> = files
                .iter()
                .map(|(n, t)| match crate::minify::template(t) {
                    Some(m) => {
                        minified.push(n.clone());
                        (n.clone(), m)
                    }
                    None => {
                        kept.push(n.clone());
                        (n.clone(), t.clone())
                    }
                })
                .collect();
            // Errors are reported against the sources as written, below.
            if let Ok(tera) = compile(&small) {
                return Ok(Self {
                    tera,
                    written: Some(files),
                    globals: tera::Context::new(),
                    minified,
                    kept,
                    sizes: labels.iter().map(|_| Default::default()).collect(),
                    labels,
                });
            }
            kept = files.iter().map(|(n, _)| n.clone()).collect();
        }
        let tera = compile(&files).map_err(|e| TemplateError::Compile {
            report: labelled(&e.to_string(), &labels),
        })?;
        Ok(Self {
            tera,
            written: None,
            globals: tera::Context::new(),
            minified: Vec::new(),
            kept,
            sizes: labels.iter().map(|_| Default::default()).collect(),
            labels,
        })
    }

    /// Names of the templates in use in minified form.
    pub fn minified(&self) -> &[String] {
        &self.minified
    }

    /// Names of the templates used as written although minifying was asked
    /// for (a template tag where the minifier could change what it renders).
    pub fn kept_as_written(&self) -> &[String] {
        &self.kept
    }

    /// Sets a value every template sees (serialized once).
    pub fn set_global<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        self.tera.global_context().insert(key, value);
        if self.written.is_some() {
            // A copy that shares the values (Tera counts references to its
            // arrays and maps): the list of every chapter is not held twice.
            self.globals = self.tera.global_context().clone();
        }
    }

    /// Renders `name` with the page-specific values in `page`.
    pub fn render(&self, name: &str, page: &PageContext) -> Result<Vec<u8>, TemplateError> {
        // Rendered as bytes: a page goes to disk as bytes, and Tera's
        // `render` would check the whole page is UTF-8 to make a `String`.
        use std::sync::atomic::Ordering::Relaxed;
        let size = self.labels.iter().position(|(n, _)| n == name);
        let size = size.map(|k| &self.sizes[k]);
        let last = size.map_or(0, |s| s.load(Relaxed));
        // An eighth more: pages of one template differ a little in size.
        let mut bytes = Vec::with_capacity(last + last / 8);
        let rendered = self.tera.render_to(name, &page.0, &mut bytes);
        if let (Ok(()), Some(size)) = (&rendered, size) {
            size.store(bytes.len(), Relaxed);
        }
        rendered.map(|()| bytes).map_err(|e| {
            // Positions in a minified template mean nothing to its author:
            // render with the templates as written to report the error.
            let report = self
                .written
                .as_ref()
                .and_then(|files| {
                    let mut tera = compile(files).ok()?;
                    *tera.global_context() = self.globals.clone();
                    tera.render(name, &page.0).err()
                })
                .unwrap_or(e);
            TemplateError::Render {
                name: self.label(name).to_string(),
                report: labelled(&report.to_string(), &self.labels),
            }
        })
    }
}

fn compile(files: &[(String, String)]) -> Result<tera::Tera, tera::Error> {
    let mut tera = tera::Tera::new();
    tera.autoescape_on([".html"]);
    tera.add_raw_templates(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))?;
    Ok(tera)
}

impl Templates {
    /// How reports name template `name`.
    fn label<'s>(&'s self, name: &'s str) -> &'s str {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map_or(name, |(_, l)| l.as_str())
    }
}

/// Tera names templates by their file name; reports name where each came
/// from (`--> templates/chapter.html:5:3`, `--> (built-in) base.html:2:1`).
fn labelled(report: &str, labels: &[(String, String)]) -> String {
    let mut out = String::with_capacity(report.len());
    for line in report.split_inclusive('\n') {
        let label = line.split_once("--> ").and_then(|(lead, rest)| {
            labels
                .iter()
                .filter(|(n, _)| rest.starts_with(&format!("{n}:")))
                .max_by_key(|(n, _)| n.len())
                .map(|(n, l)| format!("{lead}--> {l}{}", &rest[n.len()..]))
        });
        out.push_str(label.as_deref().unwrap_or(line));
    }
    out
}

/// Page-specific template values.
#[derive(Default)]
pub struct PageContext(tera::Context);

impl PageContext {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> &mut Self {
        self.0.insert(key, value);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page's buffer starts as large as the last page of its template
    /// (and an eighth), so a page of the same size is written without the
    /// buffer growing; the first page has no size to go by.
    #[test]
    fn a_page_starts_as_large_as_the_last_page_of_its_template() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::content::Paths::new(dir.path());
        std::fs::create_dir_all(&paths.templates).unwrap();
        for name in ["x.html", "y.html"] {
            std::fs::write(paths.templates.join(name), "{{ body }}").unwrap();
        }
        let t = Templates::load(&Theme::load(&paths).unwrap(), false).unwrap();
        let mut page = PageContext::new();
        page.insert("body", &"a".repeat(40_000));
        let first = t.render("x.html", &page).unwrap();
        assert_eq!(first.len(), 40_000);
        let second = t.render("x.html", &page).unwrap();
        assert_eq!(second, first);
        assert_eq!(second.capacity(), 45_000);
        // Another template goes by its own pages.
        let mut short = PageContext::new();
        short.insert("body", "b");
        assert!(t.render("y.html", &short).unwrap().capacity() < 1_000);
    }

    #[test]
    fn render_errors_point_at_the_template_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::content::Paths::new(dir.path());
        std::fs::create_dir_all(&paths.templates).unwrap();
        std::fs::write(
            paths.templates.join("chapter.html"),
            "<div>{{ site }}\n\n\n  <p>\n    {{ chapter.missing }}\n  </p>\n</div>\n",
        )
        .unwrap();
        let mut t = Templates::load(&Theme::load(&paths).unwrap(), true).unwrap();
        // The templates as written see the globals too (else the error
        // would be `site`, on line 1).
        t.set_global("site", "S");
        t.set_global("generator", "g");
        assert!(t.minified().iter().any(|n| n == "chapter.html"));
        let mut page = PageContext::new();
        page.insert("chapter", &serde_json::json!({"title": "t"}));
        let err = t.render("chapter.html", &page).unwrap_err().to_string();
        assert!(err.contains("templates/chapter.html:5:"), "{err}");
        assert!(err.contains("{{ chapter.missing }}"), "{err}");
        // A built-in template is named as such.
        assert_eq!(t.label("base.html"), "(built-in) base.html");
        assert_eq!(
            labelled("  --> base.html:2:1\n", &t.labels),
            "  --> (built-in) base.html:2:1\n"
        );
    }
}
