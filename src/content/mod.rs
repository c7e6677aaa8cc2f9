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
use crate::diag::{FileId, Fingerprint};
use crate::yaml::Step;

pub use load::{load, load_with};

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

impl ChapterMeta {
    /// Drops the spare room deserializing leaves in the lists: a list read
    /// item by item grows by doubling (twenty notes hold room for 32, a
    /// note's one source room for four), and a build holds every chapter's
    /// front matter to its end.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.annotations.shrink_to_fit();
        for a in &mut self.annotations {
            a.sources.shrink_to_fit();
            a.refs.shrink_to_fit();
        }
    }
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
    /// The file's text; spans index into it. A build keeps only the front
    /// matter once the chapter is loaded (up to `body.start`), and nothing
    /// once it is linked (see `released`).
    pub text: Arc<str>,
    /// Byte range of the front matter's YAML in `text`.
    pub yaml: Range<usize>,
    /// Byte range of the Markdown body in `text`.
    pub body: Range<usize>,
    /// Where each front-matter key and value sits (read on first use).
    pub positions: Positions,
    /// Set once the body was released ([`Chapter::release_body`]: `text`
    /// keeps the front matter) or the whole text ([`release_chapters`]:
    /// `text` is empty); [`Chapter::body_text`] then reads the file again.
    pub released: Option<Released>,
}

/// Where a released chapter's text is, and what it held when it was linked.
#[derive(Debug, Clone)]
pub struct Released {
    pub path: PathBuf,
    pub fingerprint: Fingerprint,
    /// The body's byte range in the file.
    pub body: Range<usize>,
}

/// A released file that can no longer be read as it was linked: it changed
/// (or went away) while the site was being built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceChanged {
    pub path: PathBuf,
    /// Why: the read error, or that the text is not what was linked.
    pub why: String,
}

impl std::fmt::Display for SourceChanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.why)
    }
}

/// The positions of a file's front matter, read from the YAML parser's
/// events the first time a diagnostic needs one.
#[derive(Debug, Clone, Default)]
pub struct Positions(std::sync::OnceLock<crate::yaml::Tree>);

impl Positions {
    fn tree(&self, text: &str, yaml: &Range<usize>) -> &crate::yaml::Tree {
        self.0
            .get_or_init(|| crate::yaml::Tree::parse(&text[yaml.clone()], yaml.start))
    }

    /// The span (in the file) of the value at `path`, or of the nearest part
    /// of the path that exists; the start of the front matter if none does.
    fn span(&self, text: &str, yaml: &Range<usize>, path: &[Step<'_>]) -> Range<usize> {
        self.tree(text, yaml)
            .value_or_nearest(path)
            .unwrap_or(yaml.start..yaml.start)
    }

    /// The span of the key at the end of `path` (`order` in `order: 3`).
    fn key(&self, text: &str, yaml: &Range<usize>, path: &[Step<'_>]) -> Option<Range<usize>> {
        self.tree(text, yaml).key(path)
    }
}

/// A content file made of front matter and a Markdown body (a chapter or a
/// profile): its text, and positions in it for diagnostics.
pub trait FrontMatter {
    /// The whole file text, the byte ranges of its YAML and of its body, and
    /// the YAML's positions.
    fn parts(&self) -> (&str, &Range<usize>, &Range<usize>, &Positions);

    /// The Markdown body.
    fn body(&self) -> &str {
        let (text, _, body, _) = self.parts();
        &text[body.clone()]
    }

    /// The front matter's YAML text.
    fn yaml_text(&self) -> &str {
        let (text, yaml, _, _) = self.parts();
        &text[yaml.clone()]
    }

    /// Span (in the file) of the front-matter value at `path`
    /// (`&["annotations".into(), 3.into(), "quote".into()]`), or of the
    /// nearest part of it that exists.
    fn span(&self, path: &[Step<'_>]) -> Range<usize> {
        let (text, yaml, _, positions) = self.parts();
        positions.span(text, yaml, path)
    }
}

impl FrontMatter for Chapter {
    fn parts(&self) -> (&str, &Range<usize>, &Range<usize>, &Positions) {
        (&self.text, &self.yaml, &self.body, &self.positions)
    }
}

impl FrontMatter for Entity {
    fn parts(&self) -> (&str, &Range<usize>, &Range<usize>, &Positions) {
        (&self.text, &self.yaml, &self.body, &self.positions)
    }
}

impl Chapter {
    /// Span of key `key` of annotation `k` (or of the annotation's first key).
    pub fn annotation_span(&self, k: usize, key: &str) -> Range<usize> {
        self.span(&["annotations".into(), k.into(), key.into()])
    }

    /// Span of a top-level key (`order` in `order: 3`), if the front matter has it.
    pub fn key_span(&self, key: &str) -> Option<Range<usize>> {
        self.positions.key(&self.text, &self.yaml, &[key.into()])
    }

    /// Span of the first of `keys` the front matter has, or its start.
    pub fn first_key_span(&self, keys: &[&str]) -> Range<usize> {
        keys.iter()
            .find_map(|k| self.key_span(k))
            .unwrap_or(self.yaml.start..self.yaml.start)
    }

    pub fn title(&self) -> &str {
        &self.meta.title
    }

    /// The Markdown body: borrowed while the text is held; once released,
    /// read from the file again and refused unless the file still holds
    /// exactly what was linked (so a page never pairs one text with the
    /// anchors found in another).
    pub fn body_text(&self) -> Result<std::borrow::Cow<'_, str>, SourceChanged> {
        match &self.released {
            None => Ok(std::borrow::Cow::Borrowed(self.body())),
            Some(r) => load::read_released(r).map(std::borrow::Cow::Owned),
        }
    }

    /// Records where the file is and what it holds, unless a release
    /// already did (the body first, when a build loads it).
    fn note_released(&mut self, path: &Path) {
        if self.released.is_none() {
            self.released = Some(Released {
                path: path.to_path_buf(),
                fingerprint: Fingerprint::of(self.text.as_bytes()),
                body: self.body.clone(),
            });
        }
    }

    /// Drops the Markdown body, keeping the front matter (and every span
    /// in it): a build reads the body again when it links the chapter
    /// ([`Chapter::body_text`]). [`FrontMatter::body`] is then empty, and
    /// `body` an empty range where the body starts.
    pub(crate) fn release_body(&mut self, path: &Path) {
        self.note_released(path);
        self.text = Arc::from(&self.text[..self.body.start]);
        self.body = self.body.start..self.body.start;
    }

    /// Drops the text (see [`release_chapters`]).
    fn release(&mut self, path: &Path) {
        self.note_released(path);
        self.text = Arc::from("");
        self.yaml = 0..0;
        self.body = 0..0;
        self.positions = Positions::default();
    }

    /// Root-relative URL of the chapter's page.
    pub fn url(&self) -> String {
        chapter_url(&self.slug)
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
    /// Where each front-matter key and value sits (read on first use).
    pub positions: Positions,
}

impl Entity {
    /// Span of key `key` of fact `k` (or of the fact's first key).
    pub fn fact_span(&self, k: usize, key: &str) -> Range<usize> {
        self.span(&["facts".into(), k.into(), key.into()])
    }

    /// Span of key `key` of fact `k`'s `source:`.
    pub fn fact_source_span(&self, k: usize, key: &str) -> Range<usize> {
        self.span(&["facts".into(), k.into(), "source".into(), key.into()])
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

/// Releases these chapters' texts — each chapter's copy and the one in
/// `sources`, the same allocation — keeping each file's path and
/// fingerprint: a build links a block of chapters, then releases it
/// (`annotate::link_releasing`), so that a source is held only until its
/// block is linked (each page reads its chapter again:
/// [`Chapter::body_text`]). Spans into
/// a released chapter can no longer be shown; `load::restore` reads the
/// files back for diagnostics.
pub fn release_chapters(chapters: &mut [Chapter], sources: &mut crate::diag::Sources) {
    use rayon::prelude::*;
    let paths: Vec<PathBuf> = chapters
        .iter()
        .map(|c| sources.get(c.file).path.clone())
        .collect();
    chapters
        .par_iter_mut()
        .zip(&paths)
        .for_each(|(c, path)| c.release(path));
    for c in chapters.iter() {
        if let Some(r) = &c.released {
            sources.release(c.file, r.fingerprint);
        }
    }
}

/// Root-relative URL of the page of the chapter with this slug.
pub fn chapter_url(slug: &str) -> String {
    format!("chapters/{slug}/")
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

    #[test]
    fn a_parsed_chapter_holds_no_spare_room_in_its_lists() {
        let mut text = String::from("---\ntitle: One\norder: 1\nannotations:\n");
        for i in 0..5 {
            text.push_str(&format!(
                "  - id: n{i}\n    quote: q{i}\n    kind: note\n    note: x\n    \
                 refs: [a]\n    sources:\n      - title: t\n"
            ));
        }
        text.push_str("---\nq0 q1 q2 q3 q4\n");
        let mut sources = crate::diag::Sources::new();
        let path = Path::new("01-one.md");
        let file = sources.add(path, "01-one.md".into(), text.as_str().into());
        let c = load::parse_chapter(path, file, text.as_str().into()).unwrap();
        // Read item by item, five notes would leave room for eight, and one
        // source or ref room for four.
        assert_eq!(c.meta.annotations.capacity(), 5);
        for a in &c.meta.annotations {
            assert_eq!((a.sources.capacity(), a.refs.capacity()), (1, 1));
        }
    }
}

/// A date as editors write it: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    pub year: u16,
    /// 0 when only the year is given.
    pub month: u8,
    /// 0 when only the year (and month) is given.
    pub day: u8,
}

impl PartialDate {
    /// Parses and validates a date (month 1–12, day within the month, leap years).
    pub fn parse(s: &str) -> Option<PartialDate> {
        let parts: Vec<&str> = s.split('-').collect();
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if parts.is_empty() || parts.len() > 3 || !digits(parts[0], 4) {
            return None;
        }
        let year: u16 = parts[0].parse().ok()?;
        let mut date = PartialDate {
            year,
            month: 0,
            day: 0,
        };
        if let Some(m) = parts.get(1) {
            if !digits(m, 2) {
                return None;
            }
            date.month = m.parse().ok()?;
            if !(1..=12).contains(&date.month) {
                return None;
            }
        }
        if let Some(d) = parts.get(2) {
            if !digits(d, 2) {
                return None;
            }
            date.day = d.parse().ok()?;
            let leap =
                (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
            let days = match date.month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            if !(1..=days).contains(&date.day) {
                return None;
            }
        }
        Some(date)
    }
}

#[cfg(test)]
mod date_tests {
    use super::PartialDate;

    #[test]
    fn dates_parse_and_order_by_precision() {
        let d = |s| PartialDate::parse(s).unwrap_or_else(|| panic!("{s}"));
        assert!(d("2020") < d("2020-05"));
        assert!(d("2020-05") < d("2020-05-01"));
        assert!(d("2022-11-30") < d("2023-02"));
        assert_eq!(d("2024-02-29").day, 29);
        for bad in [
            "",
            "20",
            "2023-2",
            "2023-13",
            "2023-02-29",
            "2023-04-31",
            "May 2024",
            "2024-05-01-01",
            "２０２４",
        ] {
            assert_eq!(PartialDate::parse(bad), None, "{bad}");
        }
    }
}
