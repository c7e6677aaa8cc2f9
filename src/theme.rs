//! The theme: the built-in default (the repository's `templates/` and
//! `static/`, compiled into the binary by `build.rs`) with a project's own
//! files laid over it, file by file.
//!
//! Input: a project's [`Paths`]. Output: a [`Theme`] — for every template and
//! static file, its bytes and where they came from ([`Origin`]): the
//! project's `templates/NAME` or `static/NAME` when that file exists (it
//! overrides the built-in file of the same name), else the binary. Project
//! files that the default theme does not have (images, extra partials) are
//! part of the theme too. This is the one place that decides where a theme
//! file comes from; diagnostics name the origin (`templates/chapter.html` or
//! `(built-in) chapter.html`).
//!
//! Must not render or write anything (`glossa theme eject` writes through
//! `output`).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::content::Paths;

include!(concat!(env!("OUT_DIR"), "/theme_files.rs"));

/// Where a theme file comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into glossa.
    BuiltIn,
    /// The project's own file (an override, or a file of its own).
    Project(PathBuf),
}

/// One file of the theme.
#[derive(Debug, Clone)]
pub struct ThemeFile {
    /// Relative to its folder (`chapter.html`, `style.css`, `img/logo.svg`).
    pub name: String,
    pub origin: Origin,
    pub bytes: Cow<'static, [u8]>,
}

impl ThemeFile {
    /// How diagnostics name the file: `templates/chapter.html` for the
    /// project's, `(built-in) chapter.html` for glossa's.
    pub fn label(&self, folder: &str) -> String {
        match self.origin {
            Origin::BuiltIn => format!("(built-in) {}", self.name),
            Origin::Project(_) => format!("{folder}/{}", self.name),
        }
    }
}

/// A file of the project's theme folders that cannot be used.
#[derive(Debug)]
pub enum ThemeError {
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A symbolic link that leads out of its folder (it could smuggle any
    /// file of the machine into the site).
    Outside {
        path: PathBuf,
        dir: PathBuf,
        target: PathBuf,
    },
}

impl std::fmt::Display for ThemeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            Self::Outside { path, dir, target } => write!(
                f,
                "refusing to publish {}: it is a symbolic link leading outside {} (to {})",
                path.display(),
                dir.display(),
                target.display()
            ),
        }
    }
}

impl std::error::Error for ThemeError {}

/// The templates and static files of one project.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: Vec<ThemeFile>,
    pub statics: Vec<ThemeFile>,
}

/// The built-in files under `folder` (`templates` or `static`), by name.
pub fn built_in(folder: &str) -> impl Iterator<Item = (&'static str, &'static [u8])> + '_ {
    THEME_FILES.iter().filter_map(move |(path, bytes)| {
        let name = path.strip_prefix(folder)?.strip_prefix('/')?;
        Some((name, *bytes))
    })
}

/// Every built-in file, as (path relative to a project, bytes).
pub fn all_built_in() -> &'static [(&'static str, &'static [u8])] {
    THEME_FILES
}

impl Theme {
    /// The built-in theme with the project's `templates/` and `static/` files
    /// laid over it.
    pub fn load(paths: &Paths) -> Result<Theme, ThemeError> {
        Ok(Theme {
            templates: layer("templates", &paths.templates)?,
            statics: layer("static", &paths.static_dir)?,
        })
    }

    /// The built-in theme alone.
    pub fn built_in() -> Theme {
        let files = |folder| {
            built_in(folder)
                .map(|(name, bytes)| ThemeFile {
                    name: name.to_string(),
                    origin: Origin::BuiltIn,
                    bytes: Cow::Borrowed(bytes),
                })
                .collect()
        };
        Theme {
            templates: files("templates"),
            statics: files("static"),
        }
    }

    /// The template called `name`, if the theme has it.
    pub fn template(&self, name: &str) -> Option<&ThemeFile> {
        self.templates.iter().find(|f| f.name == name)
    }
}

/// The built-in files of `folder`, each replaced by the project's file of the
/// same name when it has one, then the project's other files; sorted by name.
fn layer(folder: &str, dir: &Path) -> Result<Vec<ThemeFile>, ThemeError> {
    let mut out: Vec<ThemeFile> = built_in(folder)
        .map(|(name, bytes)| ThemeFile {
            name: name.to_string(),
            origin: Origin::BuiltIn,
            bytes: Cow::Borrowed(bytes),
        })
        .collect();
    for path in project_files(dir)? {
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&path).map_err(|error| ThemeError::Io {
            path: path.clone(),
            error,
        })?;
        let file = ThemeFile {
            name,
            origin: Origin::Project(path),
            bytes: Cow::Owned(bytes),
        };
        match out.iter_mut().find(|f| f.name == file.name) {
            Some(slot) => *slot = file,
            None => out.push(file),
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The project's files under `dir` (following links that stay inside it;
/// hidden and editor backup files skipped), sorted.
fn project_files(dir: &Path) -> Result<Vec<PathBuf>, ThemeError> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| ThemeError::Io { path, error }
    };
    let base = std::fs::canonicalize(dir).map_err(io(dir))?;
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| ThemeError::Io {
            path: e.path().unwrap_or(dir).to_path_buf(),
            error: e.into(),
        })?;
        let name = entry.file_name().to_string_lossy();
        if !entry.file_type().is_file() || crate::content::load::is_hidden_or_backup(&name) {
            continue;
        }
        if entry.path_is_symlink() {
            let target = std::fs::canonicalize(entry.path()).map_err(io(entry.path()))?;
            if !target.starts_with(&base) {
                return Err(ThemeError::Outside {
                    path: entry.into_path(),
                    dir: dir.to_path_buf(),
                    target,
                });
            }
        }
        out.push(entry.into_path());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_theme_is_compiled_in() {
        let t = Theme::built_in();
        for name in ["base.html", "chapter.html", "404.html"] {
            assert!(t.template(name).is_some(), "{name}");
        }
        assert!(t.statics.iter().any(|f| f.name == "style.css"));
        assert!(t.templates.iter().all(|f| f.origin == Origin::BuiltIn));
    }

    #[test]
    fn project_files_override_file_by_file() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        std::fs::create_dir_all(&paths.templates).unwrap();
        std::fs::create_dir_all(paths.static_dir.join("img")).unwrap();
        std::fs::write(paths.templates.join("chapter.html"), "mine").unwrap();
        std::fs::write(paths.static_dir.join("img/logo.svg"), "<svg/>").unwrap();
        std::fs::write(paths.templates.join(".chapter.html.swp"), "x").unwrap();
        let t = Theme::load(&paths).unwrap();
        let chapter = t.template("chapter.html").unwrap();
        assert_eq!(&*chapter.bytes, b"mine");
        assert_eq!(chapter.label("templates"), "templates/chapter.html");
        let base = t.template("base.html").unwrap();
        assert_eq!(base.origin, Origin::BuiltIn);
        assert_eq!(base.label("templates"), "(built-in) base.html");
        assert!(t.statics.iter().any(|f| f.name == "img/logo.svg"));
        assert!(t.statics.iter().any(|f| f.name == "style.css"));
        assert!(!t.templates.iter().any(|f| f.name.contains("swp")));
    }
}
