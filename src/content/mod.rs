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

use schemars::JsonSchema;
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
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
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
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    pub seed: String,
    pub lines: [u32; 2],
}

/// A quote-anchored note (standoff, in the chapter's front matter).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
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
    /// When the event the note is about happened (`YYYY`, `YYYY-MM` or
    /// `YYYY-MM-DD`); dated notes need a source and appear on the timeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"))]
    pub date: Option<String>,
}

/// What an annotation does for the reader.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
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
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
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

/// A fact on a profile, always with its source.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    pub label: String,
    pub value: String,
    /// Optional date of the fact (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`); dated
    /// facts appear on the timeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"))]
    pub date: Option<String>,
    pub source: FactSource,
}

/// Where a fact comes from: a quote in the edition's own text (`chapter` +
/// `quote`, anchored like an annotation) or an external reference (`title`, …).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FactSource {
    /// Chapter slug, for a quote from the edition's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chapter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<u32>,
    /// Title of an external reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// A person's role in an organisation.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Company id.
    pub org: String,
    pub title: String,
}

/// Front matter of `content/companies/ID.md`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CompanyMeta {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Every text form that counts as a mention (the name is one automatically).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The edition's grouping, e.g. 大模型创业公司.
    pub group: String,
    /// One line for index pages and mention cards.
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub founded: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headquarters: Option<String>,
    /// Person ids.
    #[serde(default)]
    pub founders: Vec<String>,
    /// Other person ids.
    #[serde(default)]
    pub people: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default)]
    pub facts: Vec<Fact>,
}

/// Front matter of `content/people/ID.md`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PersonMeta {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// One line for index pages and mention cards.
    pub description: String,
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub facts: Vec<Fact>,
}

/// Companies or people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Company,
    Person,
}

impl EntityKind {
    /// The output folder (`companies`, `people`).
    pub fn folder(self) -> &'static str {
        match self {
            EntityKind::Company => "companies",
            EntityKind::Person => "people",
        }
    }
}

/// A loaded profile.
#[derive(Debug, Clone)]
pub struct Entity {
    pub kind: EntityKind,
    /// The file stem, e.g. `zhipu`.
    pub id: String,
    pub file: FileId,
    pub name: String,
    pub name_en: Option<String>,
    /// The name plus the declared aliases, deduplicated, in declaration order.
    pub aliases: Vec<String>,
    pub description: String,
    pub facts: Vec<Fact>,
    pub company: Option<CompanyMeta>,
    pub person: Option<PersonMeta>,
    pub text: Arc<str>,
    pub yaml: Range<usize>,
    pub body: Range<usize>,
}

impl Entity {
    pub fn body(&self) -> &str {
        &self.text[self.body.clone()]
    }

    /// Span (in the file) of the value of the `n`-th `key:` in the front matter.
    pub fn value_span(&self, key: &str, n: usize) -> Range<usize> {
        let r = crate::yaml::nth_value_span(&self.text[self.yaml.clone()], key, n);
        r.start + self.yaml.start..r.end + self.yaml.start
    }

    /// Root-relative URL of the profile page.
    pub fn url(&self) -> String {
        format!("{}/{}/", self.kind.folder(), self.id)
    }
}

/// The whole edition, frozen after loading and checking.
#[derive(Debug)]
pub struct Edition {
    pub config: Config,
    pub config_file: FileId,
    /// Chapters in reading order (`order` ascending).
    pub chapters: Vec<Chapter>,
    /// Companies then people, each sorted by id.
    pub entities: Vec<Entity>,
}

impl Edition {
    /// The entity with this id, if any.
    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.id == id)
    }
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
