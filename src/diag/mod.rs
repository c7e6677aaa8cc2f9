//! Diagnostics: source files, byte spans, positioned messages, and their rendering.
//!
//! Input: the bytes of user files (registered in a [`Sources`] map) and problems found in
//! them by later stages. Output: [`Diagnostic`] values and their text rendering
//! (via annotate-snippets) with `file:line:column`, a source snippet and help.
//!
//! Spans are byte ranges into the *original* file text; nothing here rewrites a
//! source before it is parsed. [`line_col`] is the one place that turns a byte
//! offset into a 1-based line and column (columns count characters, not bytes,
//! so CJK text is positioned correctly).
//!
//! This module must not read files, know about content types, or print: it only
//! describes and formats problems.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

pub mod codes;
pub use codes::{Code, bad_date, is_web_url, source_url, unknown_chapter};

/// Index of a file in a [`Sources`] map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(u32);

/// One user file, as read from disk.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the project root when possible).
    pub display: String,
    /// Path on disk.
    pub path: PathBuf,
    /// The text; for a file that is not valid UTF-8, a lossy decoding (used
    /// only for snippets). Empty while the file is released.
    pub text: Arc<str>,
    /// Set while the text is released (see [`Sources::release`]): what the
    /// file held, so that reading it again tells whether it changed.
    pub released: Option<Fingerprint>,
}

/// What a text held: its length and a hash of its bytes. Two texts with the
/// same fingerprint are taken to be the same (a 64-bit hash: a file edited
/// while glossa runs is told apart, it is not a defence against forgery).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    len: usize,
    hash: u64,
}

impl Fingerprint {
    pub fn of(bytes: &[u8]) -> Self {
        use std::hash::Hasher as _;
        let mut h = rustc_hash::FxHasher::default();
        h.write(bytes);
        Fingerprint {
            len: bytes.len(),
            hash: h.finish(),
        }
    }

    /// The length of the text, in bytes.
    pub fn size(&self) -> usize {
        self.len
    }
}

/// All user files that diagnostics may point into.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file and returns its id.
    pub fn add(&mut self, path: &Path, display: String, text: Arc<str>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 4 billion files"));
        self.files.push(SourceFile {
            display,
            path: path.to_path_buf(),
            text,
            released: None,
        });
        id
    }

    /// Replaces a file's text (after it changed on disk, or read back after
    /// it was released), keeping its id.
    pub fn replace(&mut self, id: FileId, text: Arc<str>) {
        let f = &mut self.files[id.0 as usize];
        f.text = text;
        f.released = None;
    }

    /// Drops a file's text, remembering its fingerprint (`build` releases
    /// the chapters once they link, and reads back only what it prints:
    /// `content::restore`). Until then, diagnostics in the file have no
    /// snippet to show.
    pub fn release(&mut self, id: FileId, fingerprint: Fingerprint) {
        let f = &mut self.files[id.0 as usize];
        f.text = Arc::from("");
        f.released = Some(fingerprint);
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}

/// How bad a diagnostic is. Any [`Severity::Error`] makes the command fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// A secondary place related to a diagnostic (e.g. the first definition of a duplicate).
#[derive(Debug, Clone)]
pub struct Label {
    pub file: FileId,
    pub span: Range<usize>,
    pub message: String,
}

/// A problem in user content, positioned in a file. Boxed, so results that
/// carry one stay small; fields are reached through `Deref`.
#[derive(Debug, Clone)]
pub struct Diagnostic(Box<DiagnosticData>);

/// The contents of a [`Diagnostic`].
#[derive(Debug, Clone)]
pub struct DiagnosticData {
    pub severity: Severity,
    /// Stable short code, e.g. `yaml-syntax`, `unknown-key` (see [`codes`]).
    pub code: Code,
    pub message: String,
    /// The file and byte span the problem is about; `None` for problems with no file.
    pub primary: Option<(FileId, Range<usize>)>,
    /// Text shown under the primary span.
    pub label: Option<String>,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    /// How many more warnings of this code [`bound`] left out after this
    /// one (0 for every diagnostic it kept whole).
    pub omitted: usize,
}

impl std::ops::Deref for Diagnostic {
    type Target = DiagnosticData;
    fn deref(&self) -> &DiagnosticData {
        &self.0
    }
}

impl std::ops::DerefMut for Diagnostic {
    fn deref_mut(&mut self) -> &mut DiagnosticData {
        &mut self.0
    }
}

impl Diagnostic {
    /// A diagnostic of the code's severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self(Box::new(DiagnosticData {
            severity: code.severity(),
            code,
            message: message.into(),
            primary: None,
            label: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            omitted: 0,
        }))
    }

    pub fn at(mut self, file: FileId, span: Range<usize>) -> Self {
        self.primary = Some((file, span));
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn secondary(
        mut self,
        file: FileId,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        self.secondary.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column` of the primary span, if any.
    pub fn location(&self, sources: &Sources) -> Option<String> {
        let (file, span) = self.primary.as_ref()?;
        let f = sources.get(*file);
        let (line, col) = line_col(&f.text, span.start);
        Some(format!("{}:{line}:{col}", f.display))
    }
}

/// Sorts diagnostics in the order they are shown: by file (in registration
/// order), then position; diagnostics with no file first; ties keep the
/// order they were found in.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| d.primary.as_ref().map(|(f, s)| (*f, s.start)));
}

/// Keeps every error and, of each code's warnings, the first `keep` in the
/// order [`sort`] gives (sorting them); the last one kept of a code counts
/// the others in `omitted`. Bounding as they are found, batch by batch,
/// keeps what a sort of all of them followed by this would keep: a large
/// edition can have millions of warnings, and a build shows a few of each.
pub fn bound(diags: &mut Vec<Diagnostic>, keep: usize) {
    sort(diags);
    // Per code: warnings seen, and where the last one kept is.
    let mut seen: Vec<(Code, usize, Option<usize>)> = Vec::new();
    let mut kept: Vec<Diagnostic> = Vec::with_capacity(diags.len().min(1024));
    for d in diags.drain(..) {
        if d.is_error() {
            kept.push(d);
            continue;
        }
        let k = match seen.iter().position(|s| s.0 == d.code) {
            Some(k) => k,
            None => {
                seen.push((d.code, 0, None));
                seen.len() - 1
            }
        };
        let entry = &mut seen[k];
        entry.1 += 1;
        match entry.2 {
            Some(last) if entry.1 > keep => kept[last].omitted += 1 + d.omitted,
            _ => {
                entry.2 = Some(kept.len());
                kept.push(d);
            }
        }
    }
    *diags = kept;
}

/// After [`bound`] with `keep`: once `keep` warnings of `code` are kept, the
/// file of the last of them. A warning of that code in a file that sorts
/// after it would be left out, so a caller may count such warnings instead
/// of making them, and hand the count to [`omit`].
pub fn full_after(diags: &[Diagnostic], code: Code, keep: usize) -> Option<FileId> {
    let kept = diags.iter().filter(|d| d.code == code && !d.is_error());
    let last = kept.clone().next_back()?;
    (kept.count() >= keep).then_some(last.primary.as_ref()?.0)
}

/// After [`bound`]: `n` more warnings of `code`, sorting after every kept
/// one, are left out; the last one kept counts them.
pub fn omit(diags: &mut [Diagnostic], code: Code, n: usize) {
    if let Some(last) = diags.iter_mut().rfind(|d| d.code == code && !d.is_error()) {
        last.omitted += n;
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
///
/// An offset past the end is clamped to the end; an offset inside a multi-byte
/// character counts as that character.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Byte offset of the start of 1-based `line` (clamped to the end of the text).
pub fn line_start(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// Clamps a span so it lies on character boundaries inside `text`.
fn clamp_span(text: &str, span: &Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// Renders diagnostics as text. `color` selects ANSI styling (for terminals).
pub fn render(diags: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diags {
        out.push_str(&render_one(d, sources, &renderer));
        out.push_str("\n\n");
    }
    out
}

fn render_one(d: &Diagnostic, sources: &Sources, renderer: &Renderer) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let mut title = level.primary_title(d.message.as_str()).id(d.code.as_str());
    let _ = &mut title;
    let mut group = Group::with_title(title);
    // Primary snippet, plus secondary labels in the same file.
    let mut other_files: Vec<&Label> = Vec::new();
    if let Some((file, span)) = &d.primary {
        let f = sources.get(*file);
        let mut snippet = Snippet::source(&*f.text)
            .path(f.display.as_str())
            .annotation(
                AnnotationKind::Primary
                    .span(clamp_span(&f.text, span))
                    .label(d.label.as_deref()),
            );
        for l in &d.secondary {
            if l.file == *file {
                snippet = snippet.annotation(
                    AnnotationKind::Context
                        .span(clamp_span(&f.text, &l.span))
                        .label(l.message.as_str()),
                );
            } else {
                other_files.push(l);
            }
        }
        group = group.element(snippet);
    } else {
        other_files.extend(d.secondary.iter());
    }
    for l in other_files {
        let f = sources.get(l.file);
        group = group.element(
            Snippet::source(&*f.text)
                .path(f.display.as_str())
                .annotation(
                    AnnotationKind::Context
                        .span(clamp_span(&f.text, &l.span))
                        .label(l.message.as_str()),
                ),
        );
    }
    for n in &d.notes {
        group = group.element(Level::NOTE.message(n.as_str()));
    }
    if let Some(h) = &d.help {
        group = group.element(Level::HELP.message(h.as_str()));
    }
    renderer.render(&[group]).to_string()
}

/// Machine-readable diagnostics (`glossa check --format json`): one object per
/// diagnostic with file, 1-based line/column (start and end), severity, code,
/// message, label, notes, help and related places.
pub fn to_json(diags: &[Diagnostic], sources: &Sources) -> serde_json::Value {
    let place = |file: FileId, span: &Range<usize>| {
        let f = sources.get(file);
        let (line, column) = line_col(&f.text, span.start);
        let (end_line, end_column) = line_col(&f.text, span.end);
        serde_json::json!({
            "file": f.display, "line": line, "column": column,
            "end_line": end_line, "end_column": end_column,
        })
    };
    let items: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut v = serde_json::json!({
                "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "code": d.code.as_str(),
                "message": d.message,
                "label": d.label,
                "help": d.help,
                "notes": d.notes,
                "related": d.secondary.iter().map(|l| {
                    let mut p = place(l.file, &l.span);
                    p["message"] = l.message.clone().into();
                    p
                }).collect::<Vec<_>>(),
            });
            let fields = match &d.primary {
                Some((file, span)) => place(*file, span),
                None => serde_json::json!({"file": null, "line": null, "column": null, "end_line": null, "end_column": null}),
            };
            for (k, val) in fields.as_object().into_iter().flatten() {
                v[k] = val.clone();
            }
            v
        })
        .collect();
    let errors = diags.iter().filter(|d| d.is_error()).count();
    serde_json::json!({
        "ok": errors == 0,
        "errors": errors,
        "warnings": diags.len() - errors,
        "diagnostics": items,
    })
}

/// A one-line summary such as `2 errors, 1 warning`.
pub fn summary(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let mut s = String::new();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let _ = write!(s, "{errors} error{}", plural(errors));
    if warnings > 0 {
        let _ = write!(s, ", {warnings} warning{}", plural(warnings));
    }
    s
}

/// Levenshtein distance in characters; used for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1) + 1;
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pseudo-random diagnostics: three warning codes and one error code,
    /// over four files (some with no file), many at the same position.
    fn mixed(n: usize, seed: u64) -> Vec<Diagnostic> {
        let mut x = seed;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let codes = [
            Code::NoAnnotations,
            Code::UnprofiledName,
            Code::EmptyNote,
            Code::QuoteNotFound,
        ];
        (0..n)
            .map(|i| {
                let r = next();
                let d = Diagnostic::new(codes[(r % 4) as usize], format!("d{i}"));
                match (r >> 8) % 5 {
                    0 => d,
                    f => {
                        let at = ((r >> 16) % 40) as usize;
                        d.at(FileId(f as u32), at..at + 1)
                    }
                }
            })
            .collect()
    }

    /// What a summary of all of them keeps: sorted, the first `keep` warnings
    /// of each code, every error; and how many of each code there were.
    fn reference(mut all: Vec<Diagnostic>, keep: usize) -> (Vec<String>, Vec<(Code, usize)>) {
        sort(&mut all);
        let mut counts: Vec<(Code, usize)> = Vec::new();
        let mut kept = Vec::new();
        for d in &all {
            if d.is_error() {
                kept.push(d.message.clone());
                continue;
            }
            match counts.iter_mut().find(|c| c.0 == d.code) {
                Some(c) => c.1 += 1,
                None => counts.push((d.code, 1)),
            }
            if counts.iter().find(|c| c.0 == d.code).expect("counted").1 <= keep {
                kept.push(d.message.clone());
            }
        }
        counts.sort();
        (kept, counts)
    }

    #[test]
    fn bounding_in_batches_keeps_what_sorting_all_then_taking_the_first_keeps() {
        for seed in 1..40u64 {
            let all = mixed(300, seed * 7919);
            for keep in [1, 2, 5] {
                let (want, totals) = reference(all.clone(), keep);
                let mut bounded = Vec::new();
                let batch = 1 + (seed as usize * 13) % 50;
                for part in all.chunks(batch) {
                    bounded.extend(part.iter().cloned());
                    bound(&mut bounded, keep);
                }
                sort(&mut bounded);
                let got: Vec<String> = bounded.iter().map(|d| d.message.clone()).collect();
                assert_eq!(got, want, "seed {seed}, keep {keep}, batch {batch}");
                let mut counts: Vec<(Code, usize)> = Vec::new();
                for d in bounded.iter().filter(|d| !d.is_error()) {
                    match counts.iter_mut().find(|c| c.0 == d.code) {
                        Some(c) => c.1 += 1 + d.omitted,
                        None => counts.push((d.code, 1 + d.omitted)),
                    }
                }
                counts.sort();
                assert_eq!(counts, totals, "seed {seed}, keep {keep}");
                assert!(bounded.iter().all(|d| d.omitted == 0 || !d.is_error()));
            }
        }
    }

    /// A code is full once `keep` of its warnings are kept: warnings in a
    /// later file would be left out, and counting them into the last kept
    /// one gives what bounding them, made, gives.
    #[test]
    fn counted_warnings_past_a_full_code_are_what_bounding_leaves_out() {
        let mut sources = Sources::new();
        let files: Vec<FileId> = (0..4)
            .map(|i| {
                sources.add(
                    std::path::Path::new(&format!("{i}.md")),
                    format!("{i}.md"),
                    "x".into(),
                )
            })
            .collect();
        let warn = |f: usize, at: usize| {
            Diagnostic::new(Code::UnprofiledName, format!("{f}:{at}")).at(files[f], at..at)
        };
        let mut made: Vec<Diagnostic> = (0..3).map(|at| warn(0, at)).collect();
        made.push(Diagnostic::new(Code::NoAnnotations, "other").at(files[1], 0..0));
        let mut counted = made.clone();
        bound(&mut counted, 3);
        assert_eq!(full_after(&counted, Code::UnprofiledName, 4), None);
        assert_eq!(
            full_after(&counted, Code::UnprofiledName, 3),
            Some(files[0])
        );
        assert_eq!(full_after(&counted, Code::NoAnnotations, 3), None);
        // Four more in later files: made and bounded, or counted.
        made.extend((1..4).map(|f| warn(f, 1)).chain([warn(2, 0)]));
        bound(&mut made, 3);
        omit(&mut counted, Code::UnprofiledName, 4);
        assert_eq!(format!("{counted:?}"), format!("{made:?}"));
    }

    #[test]
    fn line_col_ascii() {
        let t = "ab\ncd\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 1), (1, 2));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 4), (2, 2));
        assert_eq!(line_col(t, 6), (3, 1));
        assert_eq!(line_col(t, 100), (3, 1));
    }

    #[test]
    fn line_col_cjk_counts_characters() {
        let t = "标题: 中文\nid: 智谱x";
        let x = t.find('x').unwrap();
        assert_eq!(line_col(t, x), (2, 7));
        let wen = t.find('文').unwrap();
        assert_eq!(line_col(t, wen), (1, 6));
        // Inside a multi-byte character: counts as that character.
        assert_eq!(line_col(t, wen + 1), (1, 6));
    }

    #[test]
    fn line_start_finds_lines() {
        let t = "a\nbb\nccc";
        assert_eq!(line_start(t, 1), 0);
        assert_eq!(line_start(t, 2), 2);
        assert_eq!(line_start(t, 3), 5);
        assert_eq!(line_start(t, 9), t.len());
    }

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("titel", "title"), 2);
        assert_eq!(did_you_mean("titel", ["title", "order"]), Some("title"));
        assert_eq!(
            did_you_mean("summray", ["summary", "source"]),
            Some("summary")
        );
        assert_eq!(did_you_mean("zzzzzz", ["title", "order"]), None);
    }

    #[test]
    fn renders_file_line_col_snippet_and_help() {
        let mut s = Sources::new();
        let f = s.add(
            Path::new("x.md"),
            "x.md".into(),
            "a: 1\n标题: 智谱\n".into(),
        );
        let off = "a: 1\n标题: ".len();
        let d = Diagnostic::new(Code::Template, "bad value")
            .at(f, off..off + "智谱".len())
            .label("here")
            .help("fix it");
        let text = render(std::slice::from_ref(&d), &s, false);
        assert!(text.contains("x.md:2:5"), "{text}");
        assert!(text.contains("标题: 智谱"), "{text}");
        assert!(text.contains("help: fix it"), "{text}");
        assert_eq!(d.location(&s).as_deref(), Some("x.md:2:5"));
        let j = to_json(std::slice::from_ref(&d), &s);
        assert_eq!(j["errors"], 1);
        let item = &j["diagnostics"][0];
        assert_eq!(item["file"], "x.md");
        assert_eq!(
            (item["line"].as_u64(), item["column"].as_u64()),
            (Some(2), Some(5))
        );
        assert_eq!(item["end_column"], 7);
        assert_eq!(item["code"], "template");
        assert_eq!(item["help"], "fix it");
    }
}
