//! The only writer: rendered jobs → a folder on disk (atomically) or memory.
//!
//! Input: `(relative path, bytes)` jobs. Output: an output folder that is
//! replaced as a whole (written into a sibling temporary folder, then swapped in,
//! so a failed build never leaves a half-written or emptied site), or the jobs
//! themselves for in-memory use (pages arrive final: rendering minifies them
//! when `minify: pages` asks). Also writes new content files for `import` and `new`, refusing to overwrite
//! unless forced.
//!
//! Refuses to use as output the project root, `content/`, `templates/`,
//! `static/`, `seeds/` (or any folder containing them, or inside them), and any
//! non-empty folder that does not carry the glossa marker file, unless forced.
//! Must not render or know about content.

use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::content::Paths;
use crate::render::Job;

/// Marker file that identifies a folder as glossa output (safe to replace).
pub const MARKER: &str = ".glossa-output";

/// An output problem (environment tier: always names the path).
#[derive(Debug)]
pub enum OutputError {
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The folder is part of the project and must never be replaced.
    Protected { path: PathBuf, what: String },
    /// The folder has files and no marker: it may be someone's data.
    NotOurs { path: PathBuf },
    /// Content files exist and `--force` was not given.
    WouldOverwrite { paths: Vec<PathBuf> },
    /// A folder that `bench-corpus` would replace, but did not write.
    NotACorpus { path: PathBuf },
    /// A name given on the command line that cannot become a file or id.
    BadName { name: String, why: String },
    /// A folder that should be empty is not (`glossa init` without `--force`).
    NotEmpty { path: PathBuf, entries: Vec<String> },
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io { path, error } => write!(f, "cannot write {}: {error}", path.display()),
            Self::Protected { path, what } if what.starts_with("a symbolic link") => {
                write!(f, "refusing to publish {}: it is {what}", path.display())
            }
            Self::Protected { path, what } => write!(
                f,
                "refusing to use {} as the output folder: it is {what}; choose another folder with --out",
                path.display()
            ),
            Self::NotOurs { path } => write!(
                f,
                "refusing to replace {}: it is not empty and was not written by glossa (no {MARKER} file); \
                 choose an empty folder, or pass --force to replace it",
                path.display()
            ),
            Self::NotACorpus { path } => write!(
                f,
                "{} is not empty and was not written by bench-corpus; choose a new folder",
                path.display()
            ),
            Self::BadName { name, why } => write!(f, "`{name}`: {why}"),
            Self::NotEmpty { path, entries } => write!(
                f,
                "refusing to start a project in {}: it is not empty ({}); choose an empty or new folder, or pass --force (no file is ever overwritten)",
                path.display(),
                entries.join(", ")
            ),
            Self::WouldOverwrite { paths } => {
                write!(
                    f,
                    "refusing to overwrite existing files (pass --force to replace them):"
                )?;
                for p in paths {
                    write!(f, "\n  {}", p.display())?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for OutputError {}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |error| OutputError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Lexically normalizes a path made absolute against the current directory
/// (resolving symlinks of the existing part, so aliases are caught).
fn absolute(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    // Canonicalize the longest existing ancestor, then append the rest.
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    let mut norm = PathBuf::new();
    for c in out.components() {
        match c {
            Component::ParentDir => {
                norm.pop();
            }
            Component::CurDir => {}
            other => norm.push(other),
        }
    }
    norm
}

/// Checks that `out` may be replaced by a build. `force` allows a non-empty
/// foreign folder, never a project folder.
pub fn check_out_dir(out: &Path, paths: &Paths, force: bool) -> Result<(), OutputError> {
    let target = absolute(out);
    let protected = [
        (&paths.root, "the project root"),
        (&paths.content, "the content folder"),
        (&paths.templates, "the templates folder"),
        (&paths.static_dir, "the static folder"),
        (&paths.seeds, "the seeds folder"),
    ];
    for (dir, what) in protected {
        let dir = absolute(dir);
        if target == dir {
            return Err(OutputError::Protected {
                path: out.to_path_buf(),
                what: what.to_string(),
            });
        }
        if dir.starts_with(&target) {
            return Err(OutputError::Protected {
                path: out.to_path_buf(),
                what: format!("a folder that contains {what}"),
            });
        }
        if target.starts_with(&dir) && dir != absolute(&paths.root) {
            return Err(OutputError::Protected {
                path: out.to_path_buf(),
                what: format!("inside {what}"),
            });
        }
    }
    if target.parent().is_none() {
        return Err(OutputError::Protected {
            path: out.to_path_buf(),
            what: "the file system root".into(),
        });
    }
    if target.is_file() {
        return Err(OutputError::Protected {
            path: out.to_path_buf(),
            what: "a file".into(),
        });
    }
    if target.is_dir() && !force && !target.join(MARKER).is_file() {
        let mut entries = std::fs::read_dir(&target).map_err(io(out))?;
        if entries.next().is_some() {
            return Err(OutputError::NotOurs {
                path: out.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// The theme's static files as jobs (paths relative to `static/`).
pub fn collect_static(theme: &crate::theme::Theme) -> Vec<Job> {
    theme
        .statics
        .iter()
        .map(|f| Job::new(f.name.clone(), f.bytes.to_vec()))
        .collect()
}

/// Removes a folder and everything in it, its subfolders in parallel (a
/// large site's old copy has tens of thousands of files). Errors are ignored:
/// what is left is removed as a leftover by the next build.
fn remove_tree(dir: &Path) {
    let mut subdirs = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    // Two levels of subfolders (e.g. `chapters/SLUG/`) are enough to spread the work.
    for _ in 0..2 {
        let mut next = Vec::new();
        for d in stack {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    next.push(p);
                } else {
                    let _ = std::fs::remove_file(&p);
                }
            }
            subdirs.push(d);
        }
        stack = next;
    }
    stack.par_iter().for_each(|d| {
        let _ = std::fs::remove_dir_all(d);
    });
    for d in subdirs.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

/// A site being written: a hidden folder beside the output folder that
/// replaces it on [`Staging::commit`]; dropped without a commit, it is removed
/// and the previous site is untouched.
pub struct Staging {
    out: PathBuf,
    parent: PathBuf,
    name: String,
    dir: tempfile::TempDir,
}

impl Staging {
    /// Creates the staging folder beside `out` (removing leftovers of killed builds).
    pub fn new(out: &Path) -> Result<Staging, OutputError> {
        let out = absolute(out);
        let parent = out
            .parent()
            .ok_or_else(|| OutputError::Protected {
                path: out.clone(),
                what: "the file system root".into(),
            })?
            .to_path_buf();
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        remove_leftovers(&parent, &name);
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.glossa-new-"))
            .tempdir_in(&parent)
            .map_err(io(&parent))?;
        Ok(Staging {
            out,
            parent,
            name,
            dir,
        })
    }

    /// Writes one file (any thread; folders are created as needed).
    pub fn write(&self, job: &Job) -> Result<(), OutputError> {
        if !is_safe_relative(&job.path) {
            return Err(OutputError::Protected {
                path: PathBuf::from(&job.path),
                what: "a path outside the output folder".into(),
            });
        }
        let p = self.dir.path().join(&job.path);
        if job.append {
            // The rest of a file whose first part was written before.
            use std::io::Write as _;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&p)
                .map_err(io(&p))?;
            return f.write_all(&job.bytes).map_err(io(&p));
        }
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).map_err(io(d))?;
        }
        std::fs::write(&p, &job.bytes).map_err(io(&p))
    }

    /// Marks the folder as glossa's and swaps it in for the output folder.
    pub fn commit(self) -> Result<(), OutputError> {
        let Staging {
            out,
            parent,
            name,
            dir,
        } = self;
        let marker = dir.path().join(MARKER);
        std::fs::write(
            &marker,
            "This folder was written by glossa and is replaced on every build.\n",
        )
        .map_err(io(&marker))?;
        let staged = dir.keep();
        let old = if out.exists() {
            let old = tempfile::Builder::new()
                .prefix(&format!(".{name}.glossa-old-"))
                .tempdir_in(&parent)
                .map_err(io(&parent))?
                .keep();
            let old_site = old.join("site");
            if let Err(e) = std::fs::rename(&out, &old_site) {
                let _ = std::fs::remove_dir_all(&staged);
                let _ = std::fs::remove_dir_all(&old);
                return Err(io(&out)(e));
            }
            Some(old)
        } else {
            None
        };
        if let Err(e) = std::fs::rename(&staged, &out) {
            // Put the old site back.
            if let Some(old) = &old {
                let _ = std::fs::rename(old.join("site"), &out);
                let _ = std::fs::remove_dir_all(old);
            }
            let _ = std::fs::remove_dir_all(&staged);
            return Err(io(&out)(e));
        }
        if let Some(old) = old {
            remove_tree(&old);
        }
        Ok(())
    }
}

/// Removes staging and old-site folders that a build killed mid-way left beside
/// the output folder (only folders with glossa's own name pattern).
fn remove_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let n = e.file_name().to_string_lossy().into_owned();
        let ours = n.starts_with(&format!(".{name}.glossa-new-"))
            || n.starts_with(&format!(".{name}.glossa-old-"));
        if ours && e.path().is_dir() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// A job path must be relative and stay inside the output folder.
fn is_safe_relative(p: &str) -> bool {
    !p.is_empty()
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Writes new text files under `dir` (for `import`). Existing files are refused,
/// all listed at once, unless `force`; with `force`, each existing file is first
/// copied to `NAME.bak`. Each file is written to a temporary file and renamed
/// into place.
pub fn write_new_files<B: AsRef<[u8]>>(
    dir: &Path,
    files: &[(String, B)],
    force: bool,
) -> Result<Vec<PathBuf>, OutputError> {
    let targets: Vec<PathBuf> = files.iter().map(|(rel, _)| dir.join(rel)).collect();
    if !force {
        let existing: Vec<PathBuf> = targets.iter().filter(|p| p.exists()).cloned().collect();
        if !existing.is_empty() {
            return Err(OutputError::WouldOverwrite { paths: existing });
        }
    }
    // With --force, an existing file is kept as NAME.bak (numbered, never
    // over an earlier backup; the loader ignores them).
    replace_files(dir, files, &[])?;
    Ok(targets)
}

/// Where to keep a copy of `target` before it is replaced: `NAME.bak`, or
/// `NAME.bak.2`, `NAME.bak.3`… — never a backup that exists already.
pub fn backup_path(target: &Path) -> PathBuf {
    let mut base = target.as_os_str().to_owned();
    base.push(".bak");
    let first = PathBuf::from(&base);
    if !first.exists() {
        return first;
    }
    (2u32..)
        .map(|n| {
            let mut p = base.clone();
            p.push(format!(".{n}"));
            PathBuf::from(p)
        })
        .find(|p| !p.exists())
        .expect("some number is free")
}

/// `path` if no such file exists, else `NAME.2.EXT`, `NAME.3.EXT`… (a new
/// file that never replaces an earlier one).
pub fn fresh_path(path: &Path) -> PathBuf {
    if !path.exists() {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    (2u32..)
        .map(|n| path.with_file_name(format!("{stem}.{n}{ext}")))
        .find(|p| !p.exists())
        .expect("some number is free")
}

/// Writes `files` into `dir`, keeping a numbered backup of every file it
/// replaces, and moves `aside` files to numbered backups; returns the
/// backups made. Paths outside `dir` are refused before anything is written.
pub fn replace_files<B: AsRef<[u8]>>(
    dir: &Path,
    files: &[(String, B)],
    aside: &[PathBuf],
) -> Result<Vec<PathBuf>, OutputError> {
    if let Some((rel, _)) = files.iter().find(|(rel, _)| !is_safe_relative(rel)) {
        return Err(OutputError::Protected {
            path: dir.join(rel),
            what: "a path outside the content folder".into(),
        });
    }
    let mut backups = Vec::new();
    for (rel, text) in files {
        let target = dir.join(rel);
        let parent = target.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        if target.exists() {
            let backup = backup_path(&target);
            std::fs::copy(&target, &backup).map_err(io(&target))?;
            backups.push(backup);
        }
        write_atomic(&target, text.as_ref()).map_err(io(&target))?;
    }
    for old in aside {
        let backup = backup_path(old);
        std::fs::rename(old, &backup).map_err(io(old))?;
        backups.push(backup);
    }
    Ok(backups)
}

/// Replaces one file's bytes atomically: a temporary file beside it, renamed
/// into place, so a reader (or a crash) never sees half a file. A file that
/// existed keeps its permissions; a new one gets the usual ones (the umask
/// applied to read-write for everyone), like any file an editor saves.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let (tmp_path, mut file) = (0u32..)
        .map(|n| parent.join(format!(".{name}.glossa-{}-{n}.tmp", std::process::id())))
        .find_map(|p| {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&p)
            {
                Ok(f) => Some(Ok((p, f))),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
                Err(e) => Some(Err(e)),
            }
        })
        .expect("some name is free")?;
    let written = (|| {
        std::io::Write::write_all(&mut file, bytes)?;
        if let Ok(meta) = std::fs::metadata(path) {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp_path, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp_path);
    }
    written
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn atomic_writes_keep_or_give_ordinary_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.md");
        super::write_atomic(&new, b"a").unwrap();
        let plain = dir.path().join("plain.md");
        std::fs::write(&plain, "a").unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&new),
            mode(&plain),
            "the permissions any saved file gets"
        );
        std::fs::remove_file(&plain).unwrap();
        let old = dir.path().join("old.md");
        std::fs::write(&old, "x").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o640)).unwrap();
        super::write_atomic(&old, b"y").unwrap();
        assert_eq!(std::fs::read(&old).unwrap(), b"y");
        assert_eq!(mode(&old), 0o640);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temporary file left");
    }

    #[test]
    fn remove_tree_removes_deep_trees_but_not_what_links_point_to() {
        let dir = tempfile::tempdir().unwrap();
        let keep = dir.path().join("keep");
        std::fs::create_dir(&keep).unwrap();
        std::fs::write(keep.join("k.txt"), "k").unwrap();
        let site = dir.path().join("site");
        for sub in ["a/b/c/d", "a/x", "e"] {
            std::fs::create_dir_all(site.join(sub)).unwrap();
            std::fs::write(site.join(sub).join("f.html"), "x").unwrap();
        }
        std::fs::write(site.join("top.html"), "x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&keep, site.join("a/b/link")).unwrap();
        super::remove_tree(&site);
        assert!(!site.exists());
        assert!(keep.join("k.txt").is_file());
    }

    use super::*;

    #[test]
    fn safe_relative_paths() {
        assert!(is_safe_relative("a/b.html"));
        assert!(!is_safe_relative("../a"));
        assert!(!is_safe_relative("/a"));
        assert!(!is_safe_relative("a/../../b"));
        assert!(!is_safe_relative(""));
    }
}
