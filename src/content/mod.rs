//! The edition's content model and its loading from `content/`.
//!
//! Input: the files under `content/` (`edition.yaml`, `chapters/*.md`).
//! Output: an [`Edition`] — typed, validated per file, chapters in reading order —
//! plus every diagnostic found (all files are read, all problems reported).
//!
//! Submodules: [`frontmatter`] splits a file, [`load`] walks and parses. The model
//! types here are also what `import` serializes, so the writer and the reader of
//! content files cannot drift apart. This module must not render HTML, write
//! files, or check relations *between* files (that is `annotate`).

pub mod frontmatter;
pub mod load;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::diag::FileId;

pub use load::load;

/// Where a project's folders are.
#[derive(Debug, Clone)]
pub struct Paths {
    pub root: PathBuf,
    pub content: PathBuf,
    pub templates: PathBuf,
    pub static_dir: PathBuf,
    pub seeds: PathBuf,
}

impl Paths {
    /// The standard layout under a project root.
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            content: root.join("content"),
            templates: root.join("templates"),
            static_dir: root.join("static"),
            seeds: root.join("seeds"),
        }
    }

    /// `path` relative to the project root, with `/` separators, for messages.
    pub fn display(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.to_string_lossy().replace('\\', "/")
    }
}

/// Front matter of a chapter file (`content/chapters/NN-slug.md`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChapterMeta {
    pub title: String,
    /// Position in reading order; unique in the edition.
    pub order: u32,
    /// URL slug; defaults to the file name without its `NN-` prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Provenance: which lines of which seed the chapter came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Provenance>,
    #[serde(default)]
    pub annotations: Vec<Annotation>,
}

/// Seed file and 1-based inclusive line range.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    pub seed: String,
    pub lines: [u32; 2],
}

/// A quote-anchored note (standoff, in the chapter's front matter).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    pub id: String,
    pub quote: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<u32>,
    pub kind: AnnotationKind,
    #[serde(default)]
    pub note: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<String>,
}

/// What an annotation does for the reader.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AnnotationKind {
    Note,
    Context,
    Definition,
    FactCheck,
    Translation,
    Source,
}

impl AnnotationKind {
    /// Every kind, in the order the annotations page lists them.
    pub const ALL: [AnnotationKind; 6] = [
        AnnotationKind::Context,
        AnnotationKind::Definition,
        AnnotationKind::FactCheck,
        AnnotationKind::Translation,
        AnnotationKind::Source,
        AnnotationKind::Note,
    ];

    /// The kind as written in front matter.
    pub fn as_str(self) -> &'static str {
        match self {
            AnnotationKind::Note => "note",
            AnnotationKind::Context => "context",
            AnnotationKind::Definition => "definition",
            AnnotationKind::FactCheck => "fact-check",
            AnnotationKind::Translation => "translation",
            AnnotationKind::Source => "source",
        }
    }
}

/// An external reference.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// One loaded chapter.
#[derive(Debug, Clone)]
pub struct Chapter {
    pub file: FileId,
    pub meta: ChapterMeta,
    /// The resolved slug (from front matter or file name).
    pub slug: String,
    /// The whole file text; spans index into it.
    pub text: Arc<str>,
    /// Byte range of the front matter's YAML in `text`.
    pub yaml: Range<usize>,
    /// Byte range of the Markdown body in `text`.
    pub body: Range<usize>,
}

impl Chapter {
    pub fn body(&self) -> &str {
        &self.text[self.body.clone()]
    }

    /// The front matter's YAML text.
    pub fn yaml(&self) -> &str {
        &self.text[self.yaml.clone()]
    }

    /// Span (in the file) of the value of the `n`-th `key:` in the front matter.
    pub fn value_span(&self, key: &str, n: usize) -> Range<usize> {
        let r = crate::yaml::nth_value_span(self.yaml(), key, n);
        r.start + self.yaml.start..r.end + self.yaml.start
    }

    pub fn title(&self) -> &str {
        &self.meta.title
    }
}

/// The whole edition, frozen after loading and checking.
#[derive(Debug)]
pub struct Edition {
    pub config: Config,
    pub config_file: FileId,
    /// Chapters in reading order (`order` ascending).
    pub chapters: Vec<Chapter>,
}

/// Whether `s` is a valid slug or id: non-empty, `[a-z0-9-]`, no leading/trailing `-`.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The slug implied by a chapter file name: the stem without a leading `NN-`.
pub fn slug_from_file_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    let trimmed = stem.trim_start_matches(|c: char| c.is_ascii_digit());
    match trimmed.strip_prefix('-') {
        Some(rest) if trimmed.len() != stem.len() => rest.to_string(),
        _ => stem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(is_slug("two-extremes"));
        assert!(is_slug("r1"));
        assert!(!is_slug("Two"));
        assert!(!is_slug("a b"));
        assert!(!is_slug("-a"));
        assert!(!is_slug(""));
        assert_eq!(
            slug_from_file_name(Path::new("c/01-two-extremes.md")),
            "two-extremes"
        );
        assert_eq!(slug_from_file_name(Path::new("c/intro.md")), "intro");
        assert_eq!(slug_from_file_name(Path::new("c/2025.md")), "2025");
    }
}
