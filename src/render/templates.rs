//! Tera behind one door: loading the project's templates and rendering views.
//!
//! Input: the `templates/` folder and serializable, borrowed view structs.
//! Output: rendered page text. Edition-wide data goes into Tera's global context
//! once per build (never cloned per page). This is the only module that names
//! `tera`. Must not read content or write output.

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
}

impl Templates {
    /// Loads every `*.html` file under `dir` (names relative to `dir`, `/`-separated).
    pub fn load(dir: &Path) -> Result<Self, TemplateError> {
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
        let mut tera = tera::Tera::new();
        tera.autoescape_on([".html"]);
        tera.add_raw_templates(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .map_err(|e| TemplateError::Compile {
                dir: dir.to_path_buf(),
                report: in_templates_folder(&e.to_string()),
            })?;
        Ok(Self { tera })
    }

    /// Sets a value every template sees (serialized once).
    pub fn set_global<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        self.tera.global_context().insert(key, value);
    }

    /// Renders `name` with the page-specific values in `page`.
    pub fn render(&self, name: &str, page: &PageContext) -> Result<String, TemplateError> {
        self.tera
            .render(name, &page.0)
            .map_err(|e| TemplateError::Render {
                name: name.to_string(),
                report: in_templates_folder(&e.to_string()),
            })
    }
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
