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

use std::path::{Path, PathBuf};

use serde::Serialize;
use walkdir::WalkDir;

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

/// A template problem (environment tier: it names the template file).
#[derive(Debug)]
pub enum TemplateError {
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    Missing {
        name: String,
        dir: PathBuf,
    },
    Compile {
        dir: PathBuf,
        report: String,
    },
    Render {
        name: String,
        report: String,
    },
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io { path, error } => {
                write!(f, "cannot read template {}: {error}", path.display())
            }
            Self::Missing { name, dir } => {
                write!(f, "template {name} is missing from {}", dir.display())
            }
            Self::Compile { dir, report } => {
                write!(
                    f,
                    "templates in {} do not compile:\n{report}",
                    dir.display()
                )
            }
            Self::Render { name, report } => {
                write!(f, "template {name} failed to render:\n{report}")
            }
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
}

impl Templates {
    /// Loads every `*.html` file under `dir` (names relative to `dir`,
    /// `/`-separated), minified when `minify` is set (see the module docs).
    pub fn load(dir: &Path, minify: bool) -> Result<Self, TemplateError> {
        let mut files = Vec::new();
        for entry in WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.map_err(|e| TemplateError::Io {
                path: e.path().unwrap_or(dir).to_path_buf(),
                error: e.into(),
            })?;
            let p = entry.path();
            if entry.file_type().is_file() && p.extension().is_some_and(|x| x == "html") {
                let text = std::fs::read_to_string(p).map_err(|error| TemplateError::Io {
                    path: p.to_path_buf(),
                    error,
                })?;
                let name = p
                    .strip_prefix(dir)
                    .unwrap_or(p)
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push((name, text));
            }
        }
        for name in REQUIRED {
            if !files.iter().any(|(n, _)| n == name) {
                return Err(TemplateError::Missing {
                    name: name.to_string(),
                    dir: dir.to_path_buf(),
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
                });
            }
            kept = files.iter().map(|(n, _)| n.clone()).collect();
        }
        let tera = compile(&files).map_err(|e| TemplateError::Compile {
            dir: dir.to_path_buf(),
            report: in_templates_folder(&e.to_string()),
        })?;
        Ok(Self {
            tera,
            written: None,
            globals: tera::Context::new(),
            minified: Vec::new(),
            kept,
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
            self.globals.insert(key, value);
        }
    }

    /// Renders `name` with the page-specific values in `page`.
    pub fn render(&self, name: &str, page: &PageContext) -> Result<String, TemplateError> {
        self.tera.render(name, &page.0).map_err(|e| {
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
                name: name.to_string(),
                report: in_templates_folder(&report.to_string()),
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

/// Tera names templates by their file name; point reports at `templates/NAME`.
fn in_templates_folder(report: &str) -> String {
    report.replace("--> ", "--> templates/")
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

    #[test]
    fn render_errors_point_at_the_template_as_written() {
        let dir = tempfile::tempdir().unwrap();
        for name in REQUIRED {
            std::fs::write(dir.path().join(name), "<p>\n  {{ x }}\n</p>\n").unwrap();
        }
        std::fs::write(
            dir.path().join("chapter.html"),
            "<div>\n\n\n  <p>\n    {{ chapter.missing }}\n  </p>\n</div>\n",
        )
        .unwrap();
        let t = Templates::load(dir.path(), true).unwrap();
        assert!(t.minified().iter().any(|n| n == "chapter.html"));
        let mut page = PageContext::new();
        page.insert("chapter", &serde_json::json!({"title": "t"}));
        let err = t.render("chapter.html", &page).unwrap_err().to_string();
        assert!(err.contains("templates/chapter.html:5:"), "{err}");
        assert!(err.contains("{{ chapter.missing }}"), "{err}");
    }
}
